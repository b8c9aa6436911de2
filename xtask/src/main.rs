//! `cargo xtask <command>`: everything h2chat needs, from a fresh machine, in one place.
//!
//! - `setup`: installs what is missing: the wasm32 target, trunk 0.21.14, the
//!   wasm-bindgen-cli matching Cargo.lock, and binaryen's wasm-opt (npm, under `.tools/`).
//! - `build [--debug]`: `trunk build --offline` into `dist/` (release by default).
//! - `run [-- BACKEND ARGS]`: setup, release build, then the backend serving it.
//! - `test`: setup, Chromium + chromedriver (apt) if missing, then every test suite.
//! - `bench`: short benchmark runs against the release backend, printed as a table;
//!   `bench peers` runs the same loads against nginx + nchan (installed with apt if missing).
//!
//! Layout: [`tools`] finds and installs tools; [`suites`] runs the test suites (with
//! [`test_redis`] for the scale-out tests); [`bench`] runs the benchmarks.

mod bench;
mod suites;
mod test_redis;
mod tools;

use anyhow::{bail, Result};
use std::path::PathBuf;
use std::process::Command;

const USAGE: &str = "usage: cargo xtask <setup|build [--debug]|run [-- BACKEND ARGS]|test|bench [store|transports|frontend|redis|memory|peers|rooms|presence|all|baseline REV] [--features F]>";

fn main() {
    if let Err(err) = real_main() {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("setup") => tools::setup(&root),
        Some("build") => {
            tools::setup(&root)?;
            let release = !args.iter().any(|a| a == "--debug");
            tools::trunk_build(&root, release)
        }
        Some("run") => {
            tools::setup(&root)?;
            tools::trunk_build(&root, true)?;
            let backend_args: Vec<&String> =
                args.iter().skip(1).skip_while(|a| *a == "--").collect();
            let mut cmd = Command::new("cargo");
            cmd.args(["run", "--release", "-p", "backend", "--"])
                .args(backend_args);
            println!("xtask: starting the backend (Ctrl-C to stop)");
            run(&mut cmd)
        }
        Some("test") => {
            tools::setup(&root)?;
            tools::ensure_apt_packages()?;
            suites::run_all(&root)
        }
        Some("bench") => bench::run_bench(&root, &args[1..]),
        Some(other) => bail!("unknown command {other:?}\n{USAGE}"),
        None => bail!("{USAGE}"),
    }
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// Runs `cmd`, echoing it; fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    println!("xtask: $ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Runs `cmd` and returns its stdout, or `None` if it cannot start or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
