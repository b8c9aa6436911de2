//! `cargo xtask bench frontend`: what the page costs a browser. The gzip size of the wasm
//! and JS that trunk's release build emits, and the time from navigation to the first
//! history on screen (the page's `h2chat:first-history` performance mark), each in a
//! fresh headless Chromium profile, so nothing is cached.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const RUNS: usize = 5;

fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("gzip -9c '{}' | wc -c", path.display()))
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// Sum of the gzip sizes of the wasm and JS in `dist`.
pub fn bundle_gzip(dist: &Path) -> Result<(u64, u64)> {
    let (mut wasm, mut js) = (0, 0);
    for entry in std::fs::read_dir(dist).context("reading dist/")? {
        let path = entry?.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => wasm += gzip_size(&path)?,
            Some("js") => js += gzip_size(&path)?,
            _ => {}
        }
    }
    Ok((wasm, js))
}

pub fn run(root: &Path, server_url: &str) -> Result<()> {
    let dist = root.join("dist");
    let (wasm, js) = bundle_gzip(&dist)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let paints = runtime.block_on(first_paints(server_url, RUNS))?;
    let mut sorted = paints.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    println!("\n| frontend | value | target |");
    println!("| --- | ---: | ---: |");
    println!(
        "| wasm + JS, gzip -9 | {:.1} KiB ({:.1} + {:.1}) | ≤ 120 KB |",
        (wasm + js) as f64 / 1024.0,
        wasm as f64 / 1024.0,
        js as f64 / 1024.0
    );
    println!(
        "| first history painted after navigation (median of {RUNS} cold loads) | {:.0} ms | ≤ 500 ms |",
        sorted[sorted.len() / 2]
    );
    println!("\n(cold loads: {paints:.0?} ms)");
    Ok(())
}

/// Time to first history in `runs` cold loads of `url`, each in a fresh profile.
pub async fn first_paints(url: &str, runs: usize) -> Result<Vec<f64>> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut driver = tokio::process::Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting chromedriver")?;
    let webdriver = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut paints = Vec::new();
    for run in 0..runs {
        let profile =
            std::env::temp_dir().join(format!("h2chat-paint-{}-{run}", std::process::id()));
        let caps = json!({
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--window-size=900,640",
                         format!("--user-data-dir={}", profile.display())]
            }
        });
        let Value::Object(caps) = caps else {
            bail!("capabilities")
        };
        let page = fantoccini::ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .context("webdriver session")?;
        page.goto(url).await?;
        let mut mark = None;
        for _ in 0..200 {
            let v = page
                .execute(
                    "const m = performance.getEntriesByName('h2chat:first-history'); return m.length ? m[0].startTime : null;",
                    vec![],
                )
                .await?;
            if let Some(ms) = v.as_f64() {
                mark = Some(ms);
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        page.close().await?;
        let _ = std::fs::remove_dir_all(&profile);
        paints.push(mark.context("the page never painted its history")?);
    }
    let _ = driver.kill().await;
    Ok(paints)
}
