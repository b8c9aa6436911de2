//! Building, running and stopping the server: [`Application::build`] runs a few named steps
//! (TLS, store and hub, HTTP server, background tasks); [`Application::run_until_stopped`]
//! serves until a signal or a [`ShutdownHandle`] stops it, then closes the store.

use crate::config::Settings;
use crate::error::{json_error, query_error};
use crate::hub::Hub;
use crate::limits::{PostLimiter, StreamLimits, TrustedProxies};
use crate::metrics::Metrics;
use crate::post_pipeline::PostPipeline;
use crate::routes::static_files::{self, StaticDir};
use crate::routes::{self, websocket};
use crate::shutdown::{ShutdownHandle, ShutdownSignals};
use crate::store::{
    Database, DbLocation, RedisConfig, RedisStore, Retention, Snapshot, Store, StoreThread,
};
use crate::window::RecentWindow;
use crate::{clock, heartbeat, retention, tls};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use common::validation::BODY_LIMIT_BYTES;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
}

/// The store a server runs on, and the hub it feeds.
struct Opened {
    hub: Arc<Hub>,
    store: Store,
    thread: StoreThread,
}

/// What every request handler may ask for (`web::Data`).
#[derive(Clone)]
struct Shared {
    hub: web::Data<Hub>,
    store: web::Data<Store>,
    pipeline: web::Data<PostPipeline>,
    metrics: web::Data<Metrics>,
    ping: web::Data<websocket::PingEvery>,
    static_dir: web::Data<StaticDir>,
    proxies: web::Data<TrustedProxies>,
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
        let Opened { hub, store, thread } = open_store(&settings, metrics.clone()).await?;
        let limiter = Arc::new(PostLimiter::new(settings.post_rate, settings.post_burst));
        let shared = Shared {
            hub: web::Data::from(hub.clone()),
            store: web::Data::new(store.clone()),
            pipeline: web::Data::new(PostPipeline::new(
                store.clone(),
                limiter.clone(),
                metrics.clone(),
            )),
            metrics: web::Data::from(metrics),
            ping: web::Data::new(websocket::PingEvery(heartbeat_every(&settings))),
            static_dir: web::Data::new(StaticDir(static_dir)),
            proxies: web::Data::new(TrustedProxies(settings.trusted_proxies.clone())),
        };
        let server = serve(listener, tls_config, &settings, shared)?;
        let background = spawn_background(&settings, &hub, &store, &limiter);
        tracing::debug!(%addr, "server built");
        Ok(Self {
            addr,
            server,
            hub,
            store,
            store_thread: thread,
            background,
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

fn heartbeat_every(settings: &Settings) -> Duration {
    Duration::from_secs(settings.heartbeat_secs)
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
    let new_hub = |snapshot: Snapshot| {
        let window = RecentWindow::new(settings.history.get(), snapshot.recent, snapshot.last_id);
        Hub::new(
            window,
            snapshot.epoch,
            settings.client_queue as usize,
            heartbeat_every(settings),
            limits,
            metrics.clone(),
        )
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
        let hub = new_hub(snapshot);
        redis.start_tail(hub.clone(), last_id, epoch);
        return Ok(Opened {
            hub,
            store: Store::Redis(redis),
            thread: StoreThread::Redis(thread),
        });
    }
    let location = DbLocation::parse(&settings.db);
    let db = Database::open(&location, settings.db_max_mb, &clock::new_epoch())?;
    let recent = db
        .recent(settings.history.get())
        .with_context(|| format!("cannot read recent messages from {location}"))?;
    tracing::info!(db = %location, epoch = %db.epoch, last_id = db.last_id, "database open");
    let hub = new_hub(Snapshot {
        epoch: db.epoch.clone(),
        recent,
        last_id: db.last_id,
    });
    let (store, writer) = db
        .start_writer(hub.clone(), metrics.clone())
        .context("cannot start the database writer thread")?;
    metrics.set_store_up("sqlite", true);
    Ok(Opened {
        hub,
        store: Store::Sqlite(store),
        thread: StoreThread::Sqlite(writer),
    })
}

/// The HTTPS server on `listener`, with the route table and every tuning choice explained.
fn serve(
    listener: TcpListener,
    tls_config: rustls::ServerConfig,
    settings: &Settings,
    shared: Shared,
) -> anyhow::Result<Server> {
    let workers = settings.workers.map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        |n| n.get(),
    );
    let connections = shared.metrics.clone();
    let static_dir: PathBuf = shared.static_dir.0.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.hub.clone())
            .app_data(shared.store.clone())
            .app_data(shared.pipeline.clone())
            .app_data(shared.metrics.clone())
            .app_data(shared.ping.clone())
            .app_data(shared.static_dir.clone())
            .app_data(shared.proxies.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(BODY_LIMIT_BYTES)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .wrap(from_fn(static_files::headers))
            .configure(|cfg| routes::configure(cfg, &static_dir))
    })
    // One worker per core (the default; see --workers): each owns its connections, so
    // more workers than cores only adds context switches to every fan-out.
    .workers(workers)
    // The kernel caps the accept queue at net.core.somaxconn (4096 here). A restart makes
    // every browser reconnect at once; with the default 1024, SYNs beyond the queue are
    // dropped and retried a second or more later.
    .backlog(4096)
    .max_connections(MAX_CONNECTIONS_PER_WORKER)
    // TLS handshakes in progress per worker. actix's default, 256, stops a worker from
    // accepting anything while that many handshakes are unfinished, and a handshake that
    // does not progress costs nothing but counts all the same: ~520 connections that send
    // three bytes of a ClientHello and stop locked every new browser out until they timed
    // out (a fresh client's /healthz took 0.7-2 s or timed out). A cap on how many
    // handshakes run at once never bounded their CPU anyway (every one must be done; the
    // cap only makes the later ones wait in the backlog), so it is as high as the
    // connection cap: no connection waits behind handshakes that are not progressing.
    // What a stalled handshake holds (a socket, a few KiB) is bounded by the timeout below
    // and by the open-files limit, as for any connection.
    .max_connection_rate(MAX_CONNECTIONS_PER_WORKER)
    // A TLS 1.3 handshake takes the server one round trip after the TCP accept; 2 s covers
    // slow mobile links (even 600 ms satellite round trips) and frees the socket of a peer
    // that stalls sooner than actix's 3 s.
    .tls_handshake_timeout(Duration::from_secs(2))
    // HTTP/2 receive windows. Clients send us only posts (at most 16 KiB each), never
    // bulk uploads, so actix's 1 MiB stream / 2 MiB connection defaults only let a
    // hostile client park megabytes per connection in our buffers. 64 KiB per stream
    // holds any post whole; 256 KiB per connection covers a few tabs posting at once.
    .h2_initial_window_size(64 * 1024)
    .h2_initial_connection_window_size(256 * 1024)
    // Counts open connections for /metrics: the guard lives as long as the connection.
    .on_connect(move |_, extensions| {
        extensions.insert(connections.connection_opened());
    })
    // Every line must leave at once. With Nagle's algorithm (the OS default), the tail
    // of a multi-segment event waits for the client's delayed ACK: measured ~40 ms extra
    // per message for 8 KB events.
    .tcp_nodelay(true)
    // See --keep-alive-secs: for HTTP/2 this is the PING interval and pong deadline, so it
    // closes dead peers without ever cutting a healthy idle stream.
    .keep_alive(Duration::from_secs(settings.keep_alive_secs))
    // Streams are ended by `ShutdownHandle::shutdown` first. actix closes idle HTTP/2
    // connections only when this runs out, so it also bounds how long a stop takes.
    .shutdown_timeout(3)
    // We handle signals ourselves so streams are told to end before the server stops.
    .disable_signals()
    .listen_rustls_0_23(listener, tls_config)
    .context("cannot start the HTTPS listener")?
    .run();
    tracing::debug!(workers, "HTTP server configured");
    Ok(server)
}

/// The tasks that run beside the server, each on its own schedule: heartbeats, retention
/// (SQLite only: Redis trims on every append) and forgetting idle rate budgets.
fn spawn_background(
    settings: &Settings,
    hub: &Arc<Hub>,
    store: &Store,
    limiter: &Arc<PostLimiter>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = vec![
        heartbeat::spawn(Arc::downgrade(hub), heartbeat_every(settings)),
        PostLimiter::spawn_cleanup(Arc::downgrade(limiter), retention::EVERY),
    ];
    #[cfg(feature = "alloc-glibc-trim")]
    tasks.push(crate::memory_trim::spawn(Arc::downgrade(hub)));
    if let Store::Sqlite(_) = store {
        let policy = Retention {
            days: settings.retain_days,
            messages: settings.retain_messages,
        };
        tasks.extend(retention::spawn(store.clone(), policy));
    }
    tasks
}
