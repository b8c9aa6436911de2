//! Building, running and stopping the server: [`Application::build`] runs a few named steps
//! (TLS, store and hub, HTTP server, background tasks); [`Application::run_until_stopped`]
//! serves until a signal or a [`ShutdownHandle`] stops it, then closes the store.

use crate::accounts::{Accounts, Directory};
use crate::auth::AllowedOrigins;
use crate::config::{OnOff, Settings};
use crate::guest_origins::GuestOrigins;
use crate::hub::{Hub, HubConfig};
use crate::limits::{PostLimiter, StreamLimits, TrustedProxies};
use crate::message_changes::MessageChanges;
use crate::metrics::Metrics;
use crate::post_pipeline::PostPipeline;
use crate::reactions::MessageReactions;
use crate::rooms::manage::RoomActions;
use crate::routes::static_files::StaticDir;
use crate::routes::websocket;
use crate::shutdown::{ShutdownHandle, ShutdownSignals};
use crate::store::{Database, DbLocation, RedisConfig, RedisStore, Snapshot, Store, StoreThread};
use crate::typing::TypingGate;
use crate::webhooks::Webhooks;
use crate::window::recent_capacity;
use crate::{clock, tls};
use actix_web::dev::Server;
use actix_web::web;
use anyhow::Context;
use common::room::LOBBY;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

mod background;
mod server;

use background::{heartbeat_every, spawn_background, spawn_presence, spawn_reply_poster};
use server::{serve, Shared};

/// Connections (TLS handshakes included) one worker serves at once. Not the binding limit:
/// the open-files limit (raised to the hard limit at start, 20 000 here) and --max-streams
/// come first.
const MAX_CONNECTIONS_PER_WORKER: usize = 25_000;

/// Entries the Redis stream keeps when --retain-messages is not given.
const DEFAULT_REDIS_MAX_LEN: u64 = 1_000_000;

/// A bound, not yet running server. `build` then `run_until_stopped`; tests read `port()`.
pub struct Application {
    addr: SocketAddr,
    server: Server,
    hub: Arc<Hub>,
    store: Store,
    store_thread: StoreThread,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// While no account exists: the token of the setup link printed at start.
    setup_token: Option<String>,
}

/// The store a server runs on, and the hub and directory it feeds.
struct Opened {
    hub: Arc<Hub>,
    directory: Arc<Directory>,
    store: Store,
    thread: StoreThread,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let tls_config = load_tls(&settings)?;
        let static_dir = settings.static_dir();
        if !static_dir.join("index.html").is_file() {
            tracing::warn!(
                dir = %static_dir.display(),
                "no built frontend here; `/` will answer 404 until `trunk build` fills it"
            );
        }
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let addr = listener.local_addr().context("listener has no address")?;

        let metrics = Arc::new(Metrics::new());
        let Opened {
            hub,
            directory,
            store,
            thread,
        } = open_store(&settings, metrics.clone()).await?;
        let limiter = Arc::new(
            PostLimiter::new(settings.post_rate, settings.post_burst)
                .with_accounts(settings.account_post_rate, settings.account_post_burst),
        );
        let accounts = Arc::new(Accounts::new(
            directory,
            store.clone(),
            settings.signup.into(),
            settings.guests == OnOff::On,
        ));
        let setup_token = accounts
            .issue_setup_token()
            .await
            .context("cannot prepare the setup link")?;
        let guest_origins = web::Data::new(GuestOrigins::new(store.clone()));
        let (webhooks, replies, webhook_worker) = Webhooks::start(
            Duration::from_secs(settings.webhook_timeout_secs),
            metrics.clone(),
        );
        let pipeline = web::Data::new(PostPipeline::new(
            store.clone(),
            limiter.clone(),
            metrics.clone(),
            accounts.clone(),
            hub.rooms(),
            guest_origins.clone().into_inner(),
            webhooks,
        ));
        let reply_poster = spawn_reply_poster(replies, pipeline.clone());
        let shared = Shared {
            hub: web::Data::from(hub.clone()),
            store: web::Data::new(store.clone()),
            pipeline,
            rooms: web::Data::new(RoomActions::new(
                hub.rooms(),
                hub.directory(),
                store.clone(),
                settings.room_creation,
            )),
            changes: web::Data::new(MessageChanges::new(
                store.clone(),
                hub.rooms(),
                accounts.clone(),
                settings.edit_window_mins,
            )),
            guest_origins,
            reactions: web::Data::new(MessageReactions::new(
                store.clone(),
                hub.rooms(),
                limiter.clone(),
            )),
            typing: web::Data::new(if settings.typing == OnOff::On {
                TypingGate::default()
            } else {
                TypingGate::turned_off()
            }),
            accounts: web::Data::from(accounts.clone()),
            origins: web::Data::new(AllowedOrigins(settings.allow_origins.clone())),
            metrics: web::Data::from(metrics),
            ping: web::Data::new(websocket::PingEvery(heartbeat_every(&settings))),
            static_dir: web::Data::new(StaticDir(static_dir)),
            proxies: web::Data::new(TrustedProxies(settings.trusted_proxies.clone())),
        };
        let server = serve(listener, tls_config, &settings, shared)?;
        let mut background = spawn_background(&settings, &hub, &store, &limiter, &accounts);
        background.push(spawn_presence(&settings, &hub, &store));
        background.extend([webhook_worker, reply_poster]);
        tracing::debug!(%addr, "server built");
        Ok(Self {
            addr,
            server,
            hub,
            store,
            store_thread: thread,
            background,
            setup_token,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn hub(&self) -> Arc<Hub> {
        self.hub.clone()
    }

    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// While no account exists: the token of the setup link this server prints.
    pub fn setup_token(&self) -> Option<String> {
        self.setup_token.clone()
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            server: self.server.handle(),
            hub: self.hub.clone(),
        }
    }

    /// Serves until the server stops or SIGINT/SIGTERM arrives; a second signal exits at once.
    ///
    /// Signal handlers are installed before the address is announced (stdout line
    /// `h2chat is serving https://ADDR/`), so a supervisor that signals right after seeing it
    /// gets a graceful stop, never the default kill.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut signals = ShutdownSignals::install()?;
        tracing::info!(addr = %self.addr, epoch = self.hub.epoch(), "listening");
        println!("h2chat is serving https://{}/", self.addr);
        if let Some(token) = &self.setup_token {
            // Printed, never logged: whoever reads the server's output sets it up.
            println!(
                "h2chat has no account yet: create the first admin at https://{}/setup#{token}",
                self.addr
            );
        }
        let shutdown = self.shutdown_handle();
        let mut server = self.server;
        let result = tokio::select! {
            result = &mut server => result,
            () = signals.recv() => {
                tracing::info!("signal received: ending streams and stopping (signal again to exit now)");
                tokio::spawn(async move {
                    signals.recv().await;
                    tracing::warn!("second signal: exiting now");
                    std::process::exit(130);
                });
                // The server future itself carries out the stop command: keep polling it.
                let ((), result) = tokio::join!(shutdown.shutdown(), &mut server);
                result
            }
        };
        // The server is stopped: no request can post any more. Let the SQLite writer finish
        // what is queued, checkpoint and close the database (or stop the Redis thread).
        for task in self.background {
            task.abort();
        }
        drop(self.store);
        let store_thread = self.store_thread;
        let closed = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::task::spawn_blocking(move || store_thread.join()),
        )
        .await;
        if closed.is_err() {
            tracing::warn!("the store did not close within 30 s");
        }
        result
    }
}

/// The certificate given, or the development one (generated on first start).
fn load_tls(settings: &Settings) -> anyhow::Result<rustls::ServerConfig> {
    let (cert_paths, generated) = tls::resolve(
        settings.cert.as_deref(),
        settings.key.as_deref(),
        &settings.certs_dir(),
    )?;
    if generated {
        println!(
            "Generated a self-signed certificate in {} for localhost, 127.0.0.1 and ::1: \
             browsers will warn once that it is not trusted; accept it for local use, or \
             pass --cert/--key for a real one.",
            cert_paths
                .cert
                .parent()
                .map_or_else(String::new, |p| p.display().to_string())
        );
    }
    tls::server_config(&cert_paths)
}

/// Opens SQLite (with its writer thread) or Redis (with its thread and tail), and the hub
/// that starts from what the store holds.
async fn open_store(settings: &Settings, metrics: Arc<Metrics>) -> anyhow::Result<Opened> {
    let limits = StreamLimits {
        total: settings.max_streams,
        per_ip: settings.max_streams_per_ip,
    };
    let config = HubConfig {
        history: settings.history.get(),
        client_queue: settings.client_queue as usize,
        heartbeat: heartbeat_every(settings),
        limits,
        presence: settings.presence == OnOff::On,
    };
    let new_hub = |snapshot: Snapshot| {
        let hub = Hub::new(snapshot, config, metrics.clone());
        let directory = hub.directory();
        (hub, directory)
    };
    if let Some(url) = &settings.redis {
        let config = RedisConfig {
            url: url.clone(),
            prefix: settings.redis_prefix.clone(),
            max_len: settings.retain_messages.unwrap_or(DEFAULT_REDIS_MAX_LEN),
            history: settings.history.get(),
        };
        let (redis, snapshot, thread) = RedisStore::open(config, metrics.clone()).await?;
        tracing::info!(
            prefix = %settings.redis_prefix,
            epoch = %snapshot.epoch,
            last_id = snapshot.last_id,
            "Redis store open"
        );
        let (last_id, epoch) = (snapshot.last_id, snapshot.epoch.clone());
        let (hub, directory) = new_hub(snapshot);
        redis.start_tail(hub.clone(), last_id, epoch);
        redis.start_ephemeral(hub.clone());
        return Ok(Opened {
            hub,
            directory,
            store: Store::Redis(redis),
            thread: StoreThread::Redis(thread),
        });
    }
    let location = DbLocation::parse(&settings.db);
    let db = Database::open(&location, settings.db_max_mb, &clock::new_epoch())?;
    let recent = db
        .recent(None, recent_capacity(settings.history.get()))
        .with_context(|| format!("cannot read recent messages from {location}"))?;
    let lobby = db
        .recent(Some(LOBBY), settings.history.get())
        .with_context(|| format!("cannot read recent messages from {location}"))?;
    let events = db
        .events()
        .with_context(|| format!("cannot read the accounts from {location}"))?;
    let last_ids = db
        .last_ids()
        .with_context(|| format!("cannot read the rooms' newest messages from {location}"))?;
    tracing::info!(db = %location, epoch = %db.epoch, last_id = db.last_id, "database open");
    let (hub, directory) = new_hub(Snapshot {
        epoch: db.epoch.clone(),
        recent,
        lobby,
        events,
        last_id: db.last_id,
        last_ids,
    });
    let (store, writer) = db
        .start_writer(hub.clone(), metrics.clone())
        .context("cannot start the database writer thread")?;
    metrics.set_store_up("sqlite", true);
    Ok(Opened {
        hub,
        directory,
        store: Store::Sqlite(store),
        thread: StoreThread::Sqlite(writer),
    })
}
