//! TLS, ALPN, connection lifetime, and stopping the server.

use crate::helpers::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn alpn_negotiates_h2_and_falls_back_to_http1() {
    let app = spawn_app().await;
    for (offer, expected) in [
        (&[&b"h2"[..], b"http/1.1"][..], &b"h2"[..]),
        (&[&b"http/1.1"[..]][..], &b"http/1.1"[..]),
    ] {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(app.tls_config(offer)));
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
            .await
            .unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.expect("handshake");
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(expected));
    }

    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
}

#[tokio::test]
async fn plain_http_is_refused() {
    let app = spawn_app().await;
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(SOON, tcp.read_to_end(&mut buf)).await;
    assert!(!buf.starts_with(b"HTTP/1.1 200"), "served plain HTTP");
}

#[tokio::test]
async fn dropped_client_leaves_the_registry() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 1).await;
    let stream = app.open_stream("?since=0").await;
    let plain = app.open_stream("").await;
    app.wait_for_clients(2, SOON).await;
    drop(stream);
    // The server notices a reset HTTP/2 stream at once (see patches/README.md).
    app.wait_for_clients(1, SOON).await;
    drop(plain);
    app.wait_for_clients(0, SOON).await;
}

#[tokio::test]
async fn closed_connection_leaves_the_registry() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 1).await;
    let client = app.new_client(|b| b);
    let stream = LineStream::open(&client, &app.url("/msgs?since=0")).await;
    app.wait_for_clients(1, SOON).await;
    drop(stream);
    drop(client);
    app.wait_for_clients(0, SOON).await;
}

#[tokio::test]
async fn healthy_idle_streams_outlive_keep_alive() {
    // keep-alive 1 s, heartbeat far away: only PINGs (h2) keep the streams up.
    let app = spawn_app_with(|s| {
        s.keep_alive_secs = 1;
        s.heartbeat_secs = 3600;
    })
    .await;
    let h1 = reqwest::Client::builder()
        .use_preconfigured_tls(app.tls_config(&[b"http/1.1"]))
        .http1_only()
        .build()
        .unwrap();
    let mut over_h1 = LineStream::open(&h1, &app.url("/msgs?since=0")).await;
    assert_eq!(over_h1.response.version(), reqwest::Version::HTTP_11);
    let mut over_h2 = app.open_stream("?since=0").await;
    assert_eq!(over_h2.response.version(), reqwest::Version::HTTP_2);
    over_h1.next_event(SOON).await;
    over_h2.next_event(SOON).await;

    tokio::time::sleep(Duration::from_millis(3500)).await;
    let sent = app.post("ann", "still there?").await;
    for stream in [&mut over_h1, &mut over_h2] {
        match stream.next_event(SOON).await {
            common::StreamEvent::Msgs { msgs } => assert_eq!(msgs, vec![sent.clone()]),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn shutdown_says_bye_and_ends_streams_promptly() {
    let app = spawn_app().await;
    let mut stream = app.open_stream("?since=0").await;
    stream.next_event(SOON).await;
    let shutdown = app.shutdown.clone();
    let stopping = tokio::spawn(app.stop());
    assert_eq!(
        stream.next_event(SOON).await,
        common::StreamEvent::Bye {
            reason: "shutdown".into()
        }
    );
    assert_eq!(stream.next_line(SOON).await, None, "stream ended after bye");
    tokio::time::timeout(2 * SOON, stopping)
        .await
        .expect("graceful stop does not wait for open streams")
        .unwrap();
    drop(shutdown);
}

#[tokio::test]
async fn sigterm_stops_the_real_binary_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_backend_process(dir.path(), &["--db", ":memory:"]);
    child.signal("TERM").unwrap();
    let exit = child
        .wait_async(Duration::from_secs(10))
        .await
        .unwrap()
        .expect("exited within 10 s of SIGTERM");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn a_second_signal_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_backend_process(dir.path(), &["--db", ":memory:"]);
    let url = child.url().to_owned();
    // An open HTTP/2 connection makes a graceful stop wait (up to its timeout).
    let client = client_trusting(dir.path());
    let _stream = LineStream::open(&client, &format!("{url}/msgs?since=0")).await;
    let started = tokio::time::Instant::now();
    for _ in 0..2 {
        child.signal("TERM").unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let exit = child.wait_async(SOON).await.unwrap().expect("exited");
    assert_eq!(exit.code(), Some(130), "{exit:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A stream on a connection of its own, spoken with the `h2` crate directly so that the
/// test decides how the connection ends.
struct RawStream {
    connection: tokio::task::JoinHandle<()>,
    _body: h2::RecvStream,
}

impl RawStream {
    async fn open(app: &TestApp, path: &str) -> Self {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
            .await
            .unwrap();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(app.tls_config(&[b"h2"])));
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let (mut send, connection) = h2::client::handshake(tls).await.unwrap();
        let connection = tokio::spawn(async move {
            let _ = connection.await;
        });
        let request = http::Request::get(app.url(path)).body(()).unwrap();
        let (response, _) = send.send_request(request, true).unwrap();
        let response = response.await.unwrap();
        assert_eq!(response.status(), 200);
        let mut body = response.into_body();
        let hello = body.data().await.expect("a first line").unwrap();
        assert!(hello.starts_with(b"{\"type\":\"hello\""));
        Self {
            connection,
            _body: body,
        }
    }

    /// Closes the socket the way a vanished browser's kernel does: no RST_STREAM, no
    /// GOAWAY, no TLS close_notify.
    async fn vanish(self) {
        self.connection.abort();
        let _ = self.connection.await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_end_the_moment_their_connections_close() {
    const CLIENTS: usize = 1000;
    // Client and server sockets both live in this process.
    backend::fd_limit::raise_to_hard_limit().unwrap();
    // No heartbeat, no message: nothing is written that could notice the dead peers.
    let app = spawn_app_with(|s| s.heartbeat_secs = 3600).await;
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS / 50 {
        let batch = (0..50).map(|_| RawStream::open(&app, "/msgs?since=0"));
        clients.extend(futures_util::future::join_all(batch).await);
    }
    app.wait_for_clients(CLIENTS, SOON).await;

    let vanished = tokio::time::Instant::now();
    futures_util::future::join_all(clients.into_iter().map(RawStream::vanish)).await;
    app.wait_for_clients(0, Duration::from_secs(1)).await;
    println!(
        "{CLIENTS} streams left the registry {:?} after their connections closed",
        vanished.elapsed()
    );
}

#[tokio::test]
async fn a_reset_stream_leaves_at_once_while_its_connection_carries_on() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 3600).await;
    // One client, one HTTP/2 connection, two streams: two tabs of one browser.
    let mut first = app.open_stream("?since=0").await;
    let second = app.open_stream("?since=0").await;
    first.next_event(SOON).await;
    app.wait_for_clients(2, SOON).await;
    drop(second); // RST_STREAM (CANCEL), as when a tab closes
    app.wait_for_clients(1, Duration::from_secs(1)).await;
    let sent = app.post("ann", "still here").await;
    assert_eq!(
        first.next_non_heartbeat(SOON).await,
        common::StreamEvent::Msgs { msgs: vec![sent] }
    );
}
