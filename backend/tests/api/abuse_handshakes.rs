//! Stalled TLS handshakes: connections that send the first bytes of a ClientHello and then
//! nothing must not make anyone else wait.

use crate::helpers::*;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// Connections that stall in their handshake, all from 127.0.0.1 like the real client.
const STALLED: usize = 1000;
/// How long a fresh client may take to get `/healthz` meanwhile.
const PROMPTLY: Duration = Duration::from_millis(200);

/// A TCP connection that sent three bytes of a TLS record header (a ClientHello's start)
/// and nothing more.
async fn stall(port: u16) -> tokio::net::TcpStream {
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    tcp.write_all(&[0x16, 0x03, 0x01]).await.expect("write");
    tcp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_handshakes_do_not_keep_a_new_client_waiting() {
    backend::fd_limit::raise_to_hard_limit().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backend = spawn_backend_process(dir.path(), &["--db", ":memory:"]);
    let port: u16 = backend.url().rsplit(':').next().unwrap().parse().unwrap();
    let healthz = format!("{}/healthz", backend.url());
    // A server that is already serving (first handshakes and allocations done).
    for _ in 0..2 {
        let warm = client_trusting(dir.path())
            .get(&healthz)
            .send()
            .await
            .unwrap();
        assert_eq!(warm.status(), 200);
    }

    let mut stalled = Vec::with_capacity(STALLED);
    for _ in 0..STALLED / 100 {
        let batch = (0..100).map(|_| stall(port));
        stalled.extend(futures_util::future::join_all(batch).await);
    }
    // Let the server accept them all (they wait for the rest of their ClientHello).
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Fresh clients, each with its own connection and a full handshake.
    let mut took = Vec::new();
    for _ in 0..5 {
        let client = client_trusting(dir.path());
        let started = Instant::now();
        let response = tokio::time::timeout(SOON, client.get(&healthz).send())
            .await
            .expect("answered at all")
            .expect("request");
        assert_eq!(response.status(), 200);
        took.push(started.elapsed());
    }
    println!("{STALLED} stalled handshakes open: fresh clients got /healthz in {took:?}");
    for elapsed in &took {
        assert!(
            *elapsed < PROMPTLY,
            "a fresh client waited {elapsed:?} behind {STALLED} stalled handshakes ({took:?})"
        );
    }
    drop(stalled);
}

#[tokio::test]
async fn a_stalled_handshake_is_closed_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let backend = spawn_backend_process(dir.path(), &["--db", ":memory:"]);
    let port: u16 = backend.url().rsplit(':').next().unwrap().parse().unwrap();
    let mut tcp = stall(port).await;
    let started = Instant::now();
    let mut buf = [0u8; 64];
    // The server closes it (EOF or reset) once the handshake timeout (2 s) runs out.
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut tcp, &mut buf),
    )
    .await
    .expect("the server closed the stalled connection within 5 s");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
}
