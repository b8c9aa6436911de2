//! A CONTINUATION flood: HTTP/2 clients that open a request with a HEADERS frame without
//! END_HEADERS and then send CONTINUATION frames of junk headers, never ending the block.
//! The server must bound what it buffers per connection (SETTINGS_MAX_HEADER_LIST_SIZE,
//! see `patches/README.md`) and close such connections, so its memory stays flat.
//!
//! The frames are written by hand: the point is a client no HTTP/2 library would be.
//! To reproduce the fault in other shapes, `H2CHAT_ABUSE_CONNECTIONS=N` changes the number
//! of connections (default 100) and `H2CHAT_ABUSE_RECONNECT=1` opens a new connection
//! whenever the server closes one, until the flood's end; the budget asserted stays the same.

use crate::helpers::*;
use bytes::Bytes;
use rustls::crypto::aws_lc_rs;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

const CONNECTIONS: usize = 100;
/// How long each connection floods, at most.
const FLOOD_FOR: Duration = Duration::from_secs(3);
/// Pause after the floods before the last measurement.
const SETTLE: Duration = Duration::from_millis(500);
/// Frames one connection writes, at most (16 KiB each: 256 MiB).
const MAX_FRAMES_PER_CONNECTION: usize = 16_384;
/// What the server's resident memory may grow by while 100 such connections flood it:
/// 64 MB. Unbounded, each could make it buffer some 20 MiB.
const RSS_BUDGET_KIB: u64 = 64_000_000 / 1024;
/// SETTINGS_MAX_FRAME_SIZE's initial value: the largest frame a server must accept.
const FRAME_PAYLOAD: usize = 16_384;
/// Distinct junk frames generated; connections cycle through them.
const JUNK_FRAMES: usize = 64;
/// Lengths of the junk header values.
const JUNK_VALUE: std::ops::RangeInclusive<usize> = 16..=4096;

const TYPE_HEADERS: u8 = 0x1;
const TYPE_SETTINGS: u8 = 0x4;
const TYPE_GOAWAY: u8 = 0x7;
const TYPE_CONTINUATION: u8 = 0x9;
const FLAG_END_STREAM: u8 = 0x1;
/// The one request of each connection, whose header block never ends.
const STREAM: u32 = 1;
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuation_flood_is_cut_off_and_memory_stays_bounded() {
    let connections = std::env::var("H2CHAT_ABUSE_CONNECTIONS")
        .ok()
        .map_or(CONNECTIONS, |n| n.parse().expect("a number of connections"));
    let reconnect = std::env::var_os("H2CHAT_ABUSE_RECONNECT").is_some();
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_backend_process(dir.path(), &["--db", ":memory:"]);
    let (pid, url) = (child.pid(), child.url().to_owned());
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let client = client_trusting(dir.path());

    // Warm up (TLS, HTTP/2, the workers' first allocations) before the baseline.
    let healthz = format!("{url}/healthz");
    assert_eq!(client.get(&healthz).send().await.unwrap().status(), 200);
    let baseline = vm_rss_kib(pid);

    // Peak resident memory, sampled by a thread of its own so busy flood tasks cannot
    // starve it, from before the floods until a little after they end.
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak = baseline;
            while sampling.load(Ordering::Relaxed) {
                peak = peak.max(vm_rss_kib(pid));
                std::thread::sleep(Duration::from_millis(10));
            }
            peak.max(vm_rss_kib(pid))
        })
    };

    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config_trusting(dir.path())));
    let junk = Arc::new(junk_frames());
    let written = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + FLOOD_FOR;
    let floods: Vec<_> = (0..connections)
        .map(|i| {
            let connector = connector.clone();
            let junk = junk.clone();
            let written = written.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                loop {
                    let connecting = connect(connector.clone(), port);
                    let Ok(tls) = tokio::time::timeout_at(deadline, connecting).await else {
                        break;
                    };
                    outcomes.push(flood(tls, i, &junk, deadline, &written).await);
                    if !reconnect || Instant::now() >= deadline {
                        break;
                    }
                }
                outcomes
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    let mut never_connected = 0;
    for flood in floods {
        let slot = flood.await.expect("flood task");
        never_connected += usize::from(slot.is_empty());
        outcomes.extend(slot);
    }
    let flood_ended = Instant::now();
    // Whatever the server still had buffered when the clients left is read or dropped now.
    tokio::time::sleep(SETTLE).await;
    sampling.store(false, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    let after = vm_rss_kib(pid);

    let cut_off = outcomes.iter().filter(|o| o.cut_off).count();
    let calm = outcomes
        .iter()
        .filter(|o| o.goaway == Some(ENHANCE_YOUR_CALM))
        .count();
    let opened = outcomes.len();

    let growth = peak.saturating_sub(baseline);
    println!(
        "{connections} connections ({opened} opened) flooded for {:.1} s, {:.0} MiB of header \
         blocks written: VmRSS {} MiB before, peak {} MiB (+{} MiB), {} MiB {SETTLE:?} \
         after; {cut_off} cut off by the server ({calm} with GOAWAY ENHANCE_YOUR_CALM)",
        (flood_ended - started).as_secs_f64(),
        written.load(Ordering::Relaxed) as f64 / (1 << 20) as f64,
        baseline / 1024,
        peak / 1024,
        growth / 1024,
        after / 1024,
    );
    assert!(
        growth < RSS_BUDGET_KIB,
        "the server's resident memory grew by {} MB (budget 64 MB)",
        growth * 1024 / 1_000_000,
    );
    assert_eq!(
        never_connected, 0,
        "connections not up before the flood's end"
    );
    // Every connection is closed by the server before the flood ends (with reconnects, the
    // last one of each may still be open at the deadline).
    let still_open = opened - cut_off;
    assert!(
        still_open == 0 || reconnect && still_open <= connections,
        "{still_open} flooding connections were not closed by the server: {outcomes:?}"
    );

    // The server still serves a normal client.
    let response = tokio::time::timeout(SOON, client.get(&healthz).send())
        .await
        .expect("healthz answered in time")
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    drop(child);
}

/// `GET /healthz` over HTTP/2 with a cookie header of `size` bytes; the status.
async fn healthz_with_cookie(app: &TestApp, size: usize) -> u16 {
    let cookie = format!("session={}", "c".repeat(size));
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    response.status().as_u16()
}

/// Real requests with large headers are unaffected: a 24 KiB cookie (far beyond what
/// browsers send in practice) travels in a HEADERS and a CONTINUATION frame and is served.
#[tokio::test]
async fn large_but_reasonable_request_headers_are_served() {
    let app = spawn_app().await;
    assert_eq!(healthz_with_cookie(&app, 24 * 1024).await, 200);
}

/// A complete header list over the limit is refused with 431 (h2 answers it and resets the
/// stream), and the server carries on.
#[tokio::test]
async fn an_oversized_header_list_is_refused_with_431() {
    let app = spawn_app().await;
    assert_eq!(healthz_with_cookie(&app, 40 * 1024).await, 431);
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

const ENHANCE_YOUR_CALM: u32 = 0xb;

#[derive(Debug)]
struct Outcome {
    /// The server ended the connection (GOAWAY, EOF or a reset) before the flood's end.
    cut_off: bool,
    /// The error code of the server's GOAWAY, if one arrived.
    goaway: Option<u32>,
}

type Tls = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

async fn connect(connector: tokio_rustls::TlsConnector, port: u16) -> Tls {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    tcp.set_nodelay(true).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    tls
}

/// One abusive connection: preface, SETTINGS, HEADERS without END_HEADERS, then
/// CONTINUATION frames without END_HEADERS until `deadline`, the frame cap, or the server
/// closes the connection. Every wait ends at `deadline`; the connection is then dropped.
async fn flood(
    tls: Tls,
    index: usize,
    junk: &[Bytes],
    deadline: Instant,
    written: &AtomicU64,
) -> Outcome {
    let (mut reader, mut writer) = tokio::io::split(tls);

    // Reads the server's frames, so its writes never block; returns a GOAWAY's error code.
    let read = tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match tokio::time::timeout_at(deadline, reader.read(&mut chunk)).await {
                Err(_) => return (false, goaway_code(&buf)),
                Ok(Ok(0) | Err(_)) => return (true, goaway_code(&buf)),
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            }
            if let Some(code) = goaway_code(&buf) {
                return (true, Some(code));
            }
        }
    });

    let mut start = PREFACE.to_vec();
    start.extend(frame_header(0, TYPE_SETTINGS, 0, 0));
    // :method GET, :scheme https, :path / (static table 2, 7, 4), then junk. END_STREAM
    // (a GET has no body) but never END_HEADERS.
    let mut block = vec![0x82, 0x87, 0x84];
    fill_with_junk_headers(&mut block, FRAME_PAYLOAD, &mut Rng(index as u64 + 1));
    start.extend(frame_header(
        block.len(),
        TYPE_HEADERS,
        FLAG_END_STREAM,
        STREAM,
    ));
    start.extend(block);
    let mut frame = Bytes::from(start);
    let mut frames = 0;
    let mut refused = false;
    while frames < MAX_FRAMES_PER_CONNECTION && !read.is_finished() {
        match tokio::time::timeout_at(deadline, writer.write_all(&frame)).await {
            Err(_) => break,
            // Reset or broken pipe: the server closed the connection.
            Ok(Err(_)) => {
                refused = true;
                break;
            }
            Ok(Ok(())) => written.fetch_add(frame.len() as u64, Ordering::Relaxed),
        };
        frame = junk[(index + frames) % junk.len()].clone();
        frames += 1;
    }
    let (closed, goaway) = read.await.expect("reader task");
    // Dropping both halves closes the socket (no close_notify: that could wait on the server).
    drop(writer);
    Outcome {
        cut_off: closed || goaway.is_some() || refused,
        goaway,
    }
}

/// The error code of the first GOAWAY frame among the complete frames in `buf`.
fn goaway_code(buf: &[u8]) -> Option<u32> {
    let mut rest = buf;
    while rest.len() >= 9 {
        let len = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
        if rest.len() < 9 + len {
            return None;
        }
        if rest[3] == TYPE_GOAWAY && len >= 8 {
            let code = &rest[9 + 4..9 + 8];
            return Some(u32::from_be_bytes(code.try_into().unwrap()));
        }
        rest = &rest[9 + len..];
    }
    None
}

/// The 9-byte frame header: 24-bit length, type, flags, 31-bit stream id.
fn frame_header(len: usize, kind: u8, flags: u8, stream_id: u32) -> [u8; 9] {
    assert!(len < 1 << 24);
    let len = (len as u32).to_be_bytes();
    let id = (stream_id & 0x7fff_ffff).to_be_bytes();
    [
        len[1], len[2], len[3], kind, flags, id[0], id[1], id[2], id[3],
    ]
}

/// `JUNK_FRAMES` CONTINUATION frames without END_HEADERS, each carrying exactly
/// `FRAME_PAYLOAD` bytes of whole HPACK literal header fields (so any order of them decodes).
fn junk_frames() -> Vec<Bytes> {
    let mut rng = Rng(0x5eed);
    (0..JUNK_FRAMES)
        .map(|_| {
            let mut frame = frame_header(FRAME_PAYLOAD, TYPE_CONTINUATION, 0, STREAM).to_vec();
            fill_with_junk_headers(&mut frame, 9 + FRAME_PAYLOAD, &mut rng);
            Bytes::from(frame)
        })
        .collect()
}

/// Appends "literal header field without indexing, new name" representations (RFC 7541
/// 6.2.2, no Huffman coding) with random names of 8..=24 letters and values of
/// `JUNK_VALUE` letters until `out` is exactly `len` bytes.
fn fill_with_junk_headers(out: &mut Vec<u8>, len: usize, rng: &mut Rng) {
    assert!(len > out.len() + 64);
    let (shortest, longest) = (*JUNK_VALUE.start(), *JUNK_VALUE.end());
    // The largest field, plus room for a last field of any fitting size after it.
    let longest_field = 2 + 24 + 3 + longest;
    while out.len() < len {
        let room = len - out.len();
        let (name, value) = if room > longest_field + 64 {
            (
                8 + rng.below(17),
                shortest + rng.below(longest - shortest + 1),
            )
        } else {
            // The last field fills the frame exactly: a name and value length whose
            // encodings add up to `room` (room > 64 here, so some (name, value) fits).
            (8..=24)
                .rev()
                .flat_map(|name| (1..=3).map(move |k| (name, k)))
                .find_map(|(name, k)| {
                    let value = room.checked_sub(2 + name + k)?;
                    (int_len(value) == k).then_some((name, value))
                })
                .expect("a last field fits")
        };
        out.push(0x00);
        encode_int(out, name);
        out.extend((0..name).map(|_| b'a' + rng.below(26) as u8));
        encode_int(out, value);
        out.extend((0..value).map(|_| b'A' + rng.below(26) as u8));
    }
    assert_eq!(out.len(), len);
}

/// An HPACK integer with a 7-bit prefix (RFC 7541 5.1), as string lengths are encoded
/// (the H bit, left 0, is the prefix byte's top bit).
fn encode_int(out: &mut Vec<u8>, mut n: usize) {
    if n < 127 {
        out.push(n as u8);
        return;
    }
    out.push(127);
    n -= 127;
    while n >= 128 {
        out.push((n % 128) as u8 | 0x80);
        n /= 128;
    }
    out.push(n as u8);
}

fn int_len(n: usize) -> usize {
    let mut out = Vec::new();
    encode_int(&mut out, n);
    out.len()
}

/// xorshift64: enough randomness for junk, without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// rustls client configuration trusting the certificate a [`spawn_backend_process`] in
/// `dir` generated, offering only h2.
fn tls_config_trusting(dir: &std::path::Path) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(dir.join("certs/cert.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config =
        rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// The process's resident set size in KiB.
fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("backend alive");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
