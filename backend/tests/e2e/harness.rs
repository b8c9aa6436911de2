//! What every browser test shares: the backend binary serving the release build,
//! chromedriver, a headless Chromium page, and small helpers to read the page.

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use testkit::BackendProcess;
use tokio::process::{Child, Command};

pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The backend as a child process (started by `testkit`, which reads its announce line).
pub(crate) struct Backend {
    pub process: BackendProcess,
    /// `https://127.0.0.1:PORT/`, with the trailing slash.
    pub url: String,
}

pub(crate) fn release_dist() -> PathBuf {
    std::env::var_os("H2CHAT_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("dist"))
}

pub(crate) async fn start_backend(listen: &str, certs: &std::path::Path) -> Backend {
    start_backend_serving(listen, certs, &release_dist(), &["--db", ":memory:"]).await
}

pub(crate) async fn start_backend_serving(
    listen: &str,
    certs: &std::path::Path,
    dist: &std::path::Path,
    extra: &[&str],
) -> Backend {
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: run `trunk build --release` (cargo xtask test does)",
        dist.display()
    );
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_backend"));
    cmd.args(["--listen", listen, "--heartbeat-secs", "2", "--static-dir"])
        .arg(dist)
        .arg("--certs-dir")
        .arg(certs)
        .args(extra)
        .env(
            "RUST_LOG",
            std::env::var("TEST_LOG").map_or("warn".into(), |_| "info".to_owned()),
        );
    let process = tokio::task::spawn_blocking(move || BackendProcess::start(cmd, WAIT))
        .await
        .unwrap()
        .expect("backend starts and serves");
    let url = format!("{}/", process.url());
    Backend { process, url }
}

impl Backend {
    /// SIGTERM, then wait for the process to exit.
    pub(crate) async fn stop(self) {
        let exit = tokio::task::spawn_blocking(move || self.process.stop(WAIT))
            .await
            .unwrap()
            .expect("backend stops after SIGTERM");
        assert!(exit.success(), "{exit:?}");
    }
}

/// chromedriver on a free port, killed when dropped.
pub(crate) async fn start_chromedriver() -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts (apt-get install chromium-driver)");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

pub(crate) async fn open_browser(webdriver: &str, profile: &std::path::Path) -> Client {
    open_browser_with(webdriver, profile, &[]).await
}

/// [`open_browser`] with more Chromium switches.
pub(crate) async fn open_browser_with(
    webdriver: &str,
    profile: &std::path::Path,
    extra: &[&str],
) -> Client {
    let mut caps = json!({
        "acceptInsecureCerts": true,
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=900,640",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    if let Some(args) = caps["goog:chromeOptions"]["args"].as_array_mut() {
        args.extend(extra.iter().map(|a| json!(a)));
    }
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::rustls()
        .expect("rustls client")
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("webdriver session")
}

/// A WebDriver command fantoccini has no method for (chromedriver's extensions), sent to
/// `webdriver` for `page`'s session: `path` follows `/session/{id}`.
pub(crate) async fn driver_command(webdriver: &str, page: &Client, path: &str, body: Value) {
    let session = page.session_id().await.unwrap().expect("a session");
    let response = reqwest::Client::new()
        .post(format!("{webdriver}/session/{session}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(
        status.is_success(),
        "{path}: {status} {}",
        response.text().await.unwrap_or_default()
    );
}

pub(crate) async fn js(page: &Client, script: &str) -> Value {
    page.execute(script, vec![]).await.expect("script runs")
}

pub(crate) async fn link_state(page: &Client) -> String {
    js(
        page,
        "const p = document.querySelector('.link-dot'); return p ? p.dataset.state : 'none';",
    )
    .await
    .as_str()
    .unwrap_or("none")
    .to_owned()
}

pub(crate) async fn texts(page: &Client) -> Vec<String> {
    let v = js(
        page,
        "return Array.from(document.querySelectorAll('.message .text')).map(e => e.textContent);",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// Polls `check` until it holds; panics with `what` after WAIT.
pub(crate) async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn send(page: &Client, user: &str, text: &str) {
    let name = page
        .find(fantoccini::Locator::Css("input.user"))
        .await
        .unwrap();
    name.clear().await.unwrap();
    name.send_keys(user).await.unwrap();
    let area = page
        .find(fantoccini::Locator::Css("textarea.text"))
        .await
        .unwrap();
    area.send_keys(text).await.unwrap();
    // WebDriver's Enter key: Enter sends.
    area.send_keys("\u{E007}").await.unwrap();
}

/// Fills a form field by its `id` (the form components name their inputs so), once the
/// page has drawn it: a navigation ends when the document has loaded, before the wasm
/// module has run, so right after `goto` the form may not be there yet.
pub(crate) async fn fill(page: &Client, id: &str, value: &str) {
    wait_for(&format!("the field #{id}"), || async {
        page.find(fantoccini::Locator::Id(id)).await.is_ok()
    })
    .await;
    let input = page.find(fantoccini::Locator::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Sends `text` from a signed-in page's composer (Enter sends).
pub(crate) async fn send_as_member(page: &Client, text: &str) {
    let area = page
        .find(fantoccini::Locator::Css("textarea.text"))
        .await
        .unwrap();
    area.send_keys(text).await.unwrap();
    area.send_keys("\u{E007}").await.unwrap();
}

/// A screenshot to `$H2CHAT_SCREENSHOT_DIR/NAME` when that is set (the docs' pictures).
pub(crate) async fn screenshot(page: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("H2CHAT_SCREENSHOT_DIR") {
        let png = page.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
    }
}
