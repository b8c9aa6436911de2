//! Building, running and stopping the server.

use crate::config::Settings;
use crate::error::{json_error, query_error};
use crate::hub::{new_epoch, Hub};
use crate::limits::{PostLimiter, StreamLimits, TrustedProxies};
use crate::metrics::Metrics;
use crate::routes::{events, health, msgs, websocket};
use crate::static_files::{self, StaticDir};
use crate::store::{
    Database, DbLocation, RedisConfig, RedisStore, Retention, Snapshot, Store, StoreThread,
};
use crate::window::RecentWindow;
use crate::{heartbeat, retention, tls};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use common::validation::BODY_LIMIT_BYTES;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

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

/// Stops a running [`Application`] gracefully from elsewhere (tests, signal handler).
#[derive(Clone)]
pub struct ShutdownHandle {
    server: ServerHandle,
    hub: Arc<Hub>,
}

impl ShutdownHandle {
    /// Ends every stream (delta clients get a `bye` line), stops accepting, lets in-flight
    /// requests finish: a post already handed to the store is committed and answered.
    pub async fn shutdown(&self) {
        self.hub.close_all();
        self.server.stop(true).await;
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
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
        let tls_config = tls::server_config(&cert_paths)?;

        let static_dir = settings.static_dir();
        if !static_dir.join("index.html").is_file() {
            tracing::warn!(
                dir = %static_dir.display(),
                "no built frontend here; `/` will answer 404 until `trunk build` fills it"
            );
        }

        let listener = std::net::TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let addr = listener.local_addr().context("listener has no address")?;

        let heartbeat_every = Duration::from_secs(settings.heartbeat_secs);
        let metrics = Arc::new(Metrics::new());
        let limits = StreamLimits {
            total: settings.max_streams,
            per_ip: settings.max_streams_per_ip,
        };
        let new_hub = |snapshot: Snapshot| {
            let window =
                RecentWindow::new(settings.history.get(), snapshot.recent, snapshot.last_id);
            Hub::new(
                window,
                snapshot.epoch,
                settings.client_queue as usize,
                heartbeat_every,
                limits,
                metrics.clone(),
            )
        };
        let (hub, store, store_thread) = match &settings.redis {
            Some(url) => {
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
                (hub, Store::Redis(redis), StoreThread::Redis(thread))
            }
            None => {
                let location = DbLocation::parse(&settings.db);
                let db = Database::open(&location, settings.db_max_mb, &new_epoch())?;
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
                (hub, Store::Sqlite(store), StoreThread::Sqlite(writer))
            }
        };
        let hub_data = web::Data::from(hub.clone());
        let store_data = web::Data::new(store.clone());
        let metrics_data = web::Data::from(metrics.clone());
        let ping_data = web::Data::new(websocket::PingEvery(heartbeat_every));
        let limiter = web::Data::new(PostLimiter::new(settings.post_rate, settings.post_burst));
        let rate_table = limiter.clone();
        let static_data = web::Data::new(StaticDir(static_dir.clone()));
        let proxies_data = web::Data::new(TrustedProxies(settings.trusted_proxies.clone()));
        let files_dir = static_dir.clone();
        let workers = settings.workers.map_or_else(
            || std::thread::available_parallelism().map_or(2, |n| n.get()),
            |n| n.get(),
        );

        let server = HttpServer::new(move || {
            App::new()
                .app_data(hub_data.clone())
                .app_data(store_data.clone())
                .app_data(ping_data.clone())
                .app_data(limiter.clone())
                .app_data(metrics_data.clone())
                .app_data(static_data.clone())
                .app_data(proxies_data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(BODY_LIMIT_BYTES)
                        .error_handler(json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .wrap(from_fn(static_files::headers))
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/metrics", web::get().to(health::metrics))
                .service(
                    web::resource("/msgs/events")
                        .route(web::get().to(events::events))
                        .default_service(web::to(msgs::get_only)),
                )
                .service(
                    web::resource("/msgs/ws")
                        .route(web::get().to(websocket::websocket))
                        .default_service(web::to(msgs::get_only)),
                )
                .service(
                    web::resource("/msgs/history")
                        .route(web::get().to(msgs::history))
                        .default_service(web::to(msgs::get_only)),
                )
                .service(
                    web::resource("/msgs")
                        .route(web::get().to(msgs::stream))
                        .route(web::post().to(msgs::post))
                        .default_service(web::to(msgs::method_not_allowed)),
                )
                .route("/", web::get().to(static_files::index))
                .route("/", web::head().to(static_files::index))
                .route("/index.html", web::get().to(static_files::index))
                .service(static_files::files(&files_dir))
        })
        // One worker per core (the default; see --workers): each owns its connections, so
        // more workers than cores only adds context switches to every fan-out.
        .workers(workers)
        // The kernel caps the accept queue at net.core.somaxconn (4096 here). A restart makes
        // every browser reconnect at once; with the default 1024, SYNs beyond the queue are
        // dropped and retried a second or more later.
        .backlog(4096)
        // Per worker. Not the binding limit: the open-files limit (raised to the hard limit
        // at start, 20 000 here) and --max-streams come first; this only must not be lower.
        .max_connections(25_000)
        // TLS handshakes in progress per worker (actix's default, kept on purpose): each is
        // about a millisecond of CPU, and admitting more at once during a reconnect storm
        // would only delay the messages of the streams already open.
        .max_connection_rate(256)
        // HTTP/2 receive windows. Clients send us only posts (at most 16 KiB each), never
        // bulk uploads, so actix's 1 MiB stream / 2 MiB connection defaults only let a
        // hostile client park megabytes per connection in our buffers. 64 KiB per stream
        // holds any post whole; 256 KiB per connection covers a few tabs posting at once.
        .h2_initial_window_size(64 * 1024)
        .h2_initial_connection_window_size(256 * 1024)
        // Counts open connections for /metrics: the guard lives as long as the connection.
        .on_connect(move |_, extensions| {
            extensions.insert(metrics.connection_opened());
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

        let mut background = vec![heartbeat::spawn(Arc::downgrade(&hub), heartbeat_every)];
        let policy = Retention {
            days: settings.retain_days,
            messages: settings.retain_messages,
        };
        // Redis trims on every append instead.
        if let Store::Sqlite(_) = store {
            background.extend(retention::spawn(store.clone(), policy));
        }
        background.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(retention::EVERY);
            loop {
                every.tick().await;
                rate_table.forget_idle();
            }
        }));
        tracing::debug!(%addr, workers, static_dir = %static_dir.display(), "server built");
        Ok(Self {
            addr,
            server,
            hub,
            store,
            store_thread,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
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

/// SIGINT and SIGTERM, registered when created (not on first poll).
struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
