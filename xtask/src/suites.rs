//! The test suites, in order from fastest to slowest, with a summary at the end.

use crate::run;
use crate::test_redis::{TestRedis, URL_VAR};
use crate::tools::{path_with_tools, trunk_build};
use anyhow::Result;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub fn run_all(root: &Path) -> Result<()> {
    let started = Instant::now();
    let redis = TestRedis::start_or_use(root)?;
    let mut done: Vec<(&str, f64)> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        println!("\nxtask: === {name} ===");
        let t = Instant::now();
        f()?;
        done.push((name, t.elapsed().as_secs_f64()));
        Ok(())
    };

    step(
        "native unit and integration tests (common, backend, loadgen, xtask)",
        &mut || {
            run(Command::new("cargo")
                .args(["test", "--workspace", "--exclude", "frontend"])
                .env(URL_VAR, &redis.url))
        },
    )?;
    step(
        "the account, access, room, typing, edit, reaction, presence, read marker, mention, moderation, search and bot API tests again, on Redis",
        &mut || {
            run(Command::new("cargo")
                .args([
                    "test",
                    "-p",
                    "backend",
                    "--test",
                    "api",
                    "--",
                    "accounts::",
                    "access::",
                    "rooms::",
                    "rooms_stream::",
                    "typing::",
                    "edits::",
                    "reactions::",
                    "reads::",
                    "reads_older::",
                    "last_ids::",
                    "mentions::",
                    "presence::",
                    "presence_storm::",
                    "moderation::",
                    "search::",
                    "bots::",
                    "bots_webhooks::",
                ])
                .env(URL_VAR, &redis.url)
                .env("H2CHAT_TEST_STORE", "redis"))
        },
    )?;
    step("frontend logic tests (native)", &mut || {
        run(Command::new("cargo").args(["test", "-p", "frontend", "--lib"]))
    })?;
    step(
        "frontend wasm-bindgen tests in headless Chromium",
        &mut || {
            // Chromium leaves its profile (~120 MB a test binary) in the temporary folder
            // when the runner ends it: give it a folder of its own, removed afterwards.
            let scratch = std::env::temp_dir().join(format!("h2chat-wasm-{}", std::process::id()));
            std::fs::create_dir_all(&scratch)?;
            let outcome = run(Command::new("cargo")
                .args([
                    "test",
                    "-p",
                    "frontend",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    "wasm-bindgen-test-runner",
                )
                .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
                .env(
                    "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                    root.join("frontend/webdriver.json"),
                )
                .env("TMPDIR", &scratch)
                .env("PATH", path_with_tools(root)));
            let _ = std::fs::remove_dir_all(&scratch);
            outcome
        },
    )?;
    step("release frontend build (trunk)", &mut || {
        trunk_build(root, true)
    })?;
    step("end-to-end in headless Chromium", &mut || {
        run(Command::new("cargo")
            .args([
                "test",
                "-p",
                "backend",
                "--test",
                "e2e_browser",
                "--",
                "--ignored",
            ])
            .env("H2CHAT_DIST", root.join("dist")))
    })?;

    println!(
        "\nxtask: all suites passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    for (name, secs) in done {
        println!("xtask:   {secs:>6.1} s  {name}");
    }
    Ok(())
}
