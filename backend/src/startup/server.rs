//! The HTTPS server: the state every handler shares, the middleware, the route table, and
//! every tuning choice of actix's server, each explained.

use super::MAX_CONNECTIONS_PER_WORKER;
use crate::accounts::Accounts;
use crate::auth::{same_origin, AllowedOrigins};
use crate::config::Settings;
use crate::error::{json_error, query_error};
use crate::hub::Hub;
use crate::limits::TrustedProxies;
use crate::metrics::Metrics;
use crate::post_pipeline::PostPipeline;
use crate::rooms::manage::RoomActions;
use crate::routes::static_files::{self, StaticDir};
use crate::routes::{self, websocket};
use crate::store::Store;
use crate::typing::TypingGate;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use common::validation::BODY_LIMIT_BYTES;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

/// What every request handler may ask for (`web::Data`).
#[derive(Clone)]
pub(super) struct Shared {
    pub hub: web::Data<Hub>,
    pub store: web::Data<Store>,
    pub pipeline: web::Data<PostPipeline>,
    pub accounts: web::Data<Accounts>,
    pub rooms: web::Data<RoomActions>,
    pub changes: web::Data<crate::message_changes::MessageChanges>,
    pub guest_origins: web::Data<crate::guest_origins::GuestOrigins>,
    pub reactions: web::Data<crate::reactions::MessageReactions>,
    pub typing: web::Data<TypingGate>,
    pub origins: web::Data<AllowedOrigins>,
    pub metrics: web::Data<Metrics>,
    pub ping: web::Data<websocket::PingEvery>,
    pub static_dir: web::Data<StaticDir>,
    pub proxies: web::Data<TrustedProxies>,
}

/// The HTTPS server on `listener`, with the route table and every tuning choice explained.
pub(super) fn serve(
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
            .app_data(shared.accounts.clone())
            .app_data(shared.rooms.clone())
            .app_data(shared.changes.clone())
            .app_data(shared.guest_origins.clone())
            .app_data(shared.reactions.clone())
            .app_data(shared.typing.clone())
            .app_data(shared.origins.clone())
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
            .wrap(from_fn(same_origin))
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
