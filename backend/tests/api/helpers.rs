//! `spawn_app`: the real server on 127.0.0.1 port 0 with a fresh certificate, and HTTP/2
//! clients that trust exactly that certificate.

use backend::hub::Hub;
use backend::ShutdownHandle;
use backend::{Application, Settings};
use common::{FrameError, LineFramer, Message, StreamEvent};
use rustls::crypto::aws_lc_rs;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
pub use testkit::BackendProcess;

pub struct TestApp {
    pub port: u16,
    pub hub: Arc<Hub>,
    pub store: backend::store::Store,
    pub certs: TempDir,
    pub client: reqwest::Client,
    pub shutdown: ShutdownHandle,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The first-run setup token the server printed (while no account exists).
    pub setup_token: Option<String>,
}

/// Server logs go to stderr only when `TEST_LOG` is set (`TEST_LOG=1 cargo test …`); a
/// normal run shows test results, not the servers' INFO lines.
fn init_test_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        backend::telemetry::init();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server with test settings adjusted by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logs();
    let certs = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::for_tests_in(certs.path());
    // `cargo xtask test` runs the account suites a second time on Redis this way.
    if std::env::var("H2CHAT_TEST_STORE").as_deref() == Ok("redis") {
        settings.redis = Some(crate::redis_server::shared_redis_url());
        settings.redis_prefix = crate::redis_server::unique_prefix("app");
    }
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("server builds");
    let port = app.port();
    let hub = app.hub();
    let store = app.store();
    let setup_token = app.setup_token();
    let shutdown = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    let mut test_app = TestApp {
        port,
        hub,
        store,
        certs,
        client: reqwest::Client::new(),
        shutdown,
        server,
        setup_token,
    };
    test_app.client = test_app.new_client(|b| b);
    test_app
}

impl TestApp {
    /// Graceful stop, then waits until the database is closed.
    pub async fn stop(self) {
        let TestApp {
            shutdown,
            server,
            store,
            ..
        } = self;
        // The database closes when the last store handle is gone.
        drop(store);
        shutdown.shutdown().await;
        tokio::time::timeout(Duration::from_secs(30), server)
            .await
            .expect("server stops")
            .expect("server task")
            .expect("server ran cleanly");
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("https://127.0.0.1:{}{path_and_query}", self.port)
    }

    /// rustls client config trusting only this server's certificate, offering h2 and
    /// http/1.1 like a browser.
    pub fn tls_config(&self, alpn: &[&[u8]]) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        let cert_path = self.certs.path().join("cert.pem");
        for cert in CertificateDer::pem_file_iter(&cert_path).expect("cert readable") {
            roots.add(cert.expect("cert parses")).expect("cert usable");
        }
        let mut config =
            rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }

    /// A client with its own connection pool (so its own TCP+TLS connection).
    pub fn new_client(
        &self,
        tweak: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> reqwest::Client {
        let builder = reqwest::Client::builder()
            .use_preconfigured_tls(self.tls_config(&[b"h2", b"http/1.1"]))
            .timeout(Duration::from_secs(60));
        tweak(builder).build().expect("client builds")
    }

    pub async fn post_json(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url("/msgs"))
            .json(body)
            .send()
            .await
            .expect("post sent")
    }

    /// Posts a valid message and returns what the server stored.
    pub async fn post(&self, user: &str, text: &str) -> Message {
        let response = self
            .post_json(&serde_json::json!({ "user": user, "text": text }))
            .await;
        assert_eq!(response.status(), 201, "post of {text:?}");
        response.json().await.expect("stored message")
    }

    pub async fn open_stream(&self, query: &str) -> LineStream {
        LineStream::open(&self.client, &self.url(&format!("/msgs{query}"))).await
    }

    /// Waits until the hub's window ends with message `id`. A 201 goes out just before
    /// the fan-out, so a stream opened right after a post may otherwise get the message as
    /// a `msgs` event instead of in its `hello` (still exactly once).
    pub async fn wait_for_window_last(&self, id: u64) {
        for _ in 0..500 {
            if self.hub.window().last().map(|m| m.id) == Some(id) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("window never reached id {id}");
    }

    /// Waits until the registry holds `n` clients.
    pub async fn wait_for_clients(&self, n: usize, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.hub.client_count() != n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "registry holds {} clients, expected {n} within {within:?}",
                self.hub.client_count()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Reads a `/msgs` response line by line with the framer from `common`.
pub struct LineStream {
    pub response: reqwest::Response,
    framer: LineFramer,
    lines: VecDeque<String>,
}

impl LineStream {
    pub async fn open(client: &reqwest::Client, url: &str) -> Self {
        let response = client.get(url).send().await.expect("stream request sent");
        assert_eq!(response.status(), 200);
        Self::from_response(response)
    }

    pub fn from_response(response: reqwest::Response) -> Self {
        Self {
            response,
            framer: LineFramer::new(),
            lines: VecDeque::new(),
        }
    }

    /// The next line, `None` at the end of the stream; panics after `within`.
    pub async fn next_line(&mut self, within: Duration) -> Option<String> {
        tokio::time::timeout(within, self.next_line_inner())
            .await
            .unwrap_or_else(|_| panic!("no line within {within:?}"))
    }

    async fn next_line_inner(&mut self) -> Option<String> {
        loop {
            if let Some(line) = self.lines.pop_front() {
                return Some(line);
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => {
                    self.framer.push(&chunk);
                    while let Some(line) = self.framer.next_line() {
                        let line: Result<String, FrameError> = line;
                        self.lines.push_back(line.expect("valid line"));
                    }
                }
                Ok(None) | Err(_) => return None,
            }
        }
    }

    pub async fn next_event(&mut self, within: Duration) -> StreamEvent {
        let line = self.next_line(within).await.expect("stream still open");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"))
    }

    /// The next line that is not a heartbeat (nor a `presence` line, which comes whenever
    /// someone comes or goes: `presence.rs` reads those).
    pub async fn next_non_heartbeat(&mut self, within: Duration) -> StreamEvent {
        loop {
            match self.next_event(within).await {
                StreamEvent::Heartbeat { .. } | StreamEvent::Presence { .. } => continue,
                other => return other,
            }
        }
    }
}

/// The backend binary as a child process: `--listen 127.0.0.1:0`, certificates in
/// `dir/certs`, plus `args` (which must name a `--db` or `--redis`). Returns once it
/// announced its URL (`BackendProcess::url`, `https://127.0.0.1:PORT`).
pub fn spawn_backend_process(dir: &std::path::Path, args: &[&str]) -> BackendProcess {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_backend"));
    cmd.args(["--listen", "127.0.0.1:0", "--certs-dir"])
        .arg(dir.join("certs"))
        .args(args)
        .env("RUST_LOG", child_log_level());
    BackendProcess::start(cmd, SOON).expect("backend binary starts and serves")
}

/// `RUST_LOG` for backend processes: silent (their stderr is not the test's, so the
/// harness cannot capture it), unless `TEST_LOG` asks for their logs.
pub fn child_log_level() -> String {
    match std::env::var("TEST_LOG") {
        Ok(_) => std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        Err(_) => "off".into(),
    }
}

/// A client trusting the certificate a [`spawn_backend_process`] in `dir` generated.
pub fn client_trusting(dir: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(dir.join("certs/cert.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

/// Asserts an error answer: `status`, a JSON body, and an `error` text containing `needle`.
pub async fn expect_json_error(response: reqwest::Response, status: u16, needle: &str) {
    assert_eq!(
        response.status(),
        status,
        "expecting an error about {needle:?}"
    );
    let body: serde_json::Value = response.json().await.expect("a JSON error body");
    let error = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error text in {body}"));
    assert!(
        error.contains(needle),
        "{error:?} should contain {needle:?}"
    );
}

pub fn ids(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.id).collect()
}

pub const SOON: Duration = Duration::from_secs(5);
