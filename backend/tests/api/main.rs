//! Integration tests: the real server over real TLS + HTTP/2, started on port 0.

mod abuse_handshakes;
mod abuse_headers;
mod access;
mod accounts;
mod accounts_on_redis;
mod connections;
mod durability;
mod helpers;
mod history;
mod limits;
mod mentions;
mod metrics;
mod people;
mod posting;
mod reads;
mod reads_older;
mod reads_on_redis;
mod redis_server;
mod rooms;
mod rooms_on_redis;
mod rooms_stream;
mod scale_out;
mod sse_and_websocket;
mod static_and_health;
mod streaming;
mod typing;
