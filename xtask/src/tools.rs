//! Finding and installing the build tools. Each check is cheap, so `setup` runs before
//! every command and installs only what is missing or of the wrong version.

use crate::{output, run};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
/// npm's `binaryen` ships a wasm-opt that works in Chromium (Debian's 108 does not).
pub const BINARYEN_NPM_VERSION: &str = "132.0.0";
pub const WASM_OPT_VERSION: &str = "132";

pub fn setup(root: &Path) -> Result<()> {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen(root)?;
    ensure_wasm_opt(root)?;
    Ok(())
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed to add the wasm32 target")?;
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

fn ensure_trunk() -> Result<()> {
    let version = output(Command::new("trunk").arg("--version")).unwrap_or_default();
    if !version.contains(TRUNK_VERSION) {
        println!("xtask: installing trunk {TRUNK_VERSION} (about 10 minutes, once)");
        run(Command::new("cargo").args([
            "install",
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
        ]))?;
    }
    Ok(())
}

/// The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

fn ensure_wasm_bindgen(root: &Path) -> Result<()> {
    let wanted = locked_wasm_bindgen_version(root)?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner =
        output(Command::new("wasm-bindgen-test-runner").arg("--version")).unwrap_or_default();
    if !have.contains(&wanted) || !runner.contains(&wanted) {
        println!("xtask: installing wasm-bindgen-cli {wanted} (about 4 minutes, once)");
        // Not --locked: its lock file pins a crate the registry mirror lacks.
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ]))?;
    }
    Ok(())
}

/// Folder whose `wasm-opt` trunk should find first.
pub fn tools_bin(root: &Path) -> PathBuf {
    root.join(".tools/node_modules/.bin")
}

fn ensure_wasm_opt(root: &Path) -> Result<()> {
    let wasm_opt = tools_bin(root).join("wasm-opt");
    let version = output(Command::new(&wasm_opt).arg("--version")).unwrap_or_default();
    if !version.contains(&format!("version {WASM_OPT_VERSION}")) {
        run(Command::new("npm").args([
            "install",
            "--prefix",
            ".tools",
            "--no-audit",
            "--no-fund",
            &format!("binaryen@{BINARYEN_NPM_VERSION}"),
        ]))
        .context("installing binaryen's wasm-opt from npm (node and npm are needed)")?;
    }
    Ok(())
}

/// PATH with `.tools/node_modules/.bin` first, so trunk picks our wasm-opt.
pub fn path_with_tools(root: &Path) -> std::ffi::OsString {
    let mut paths = vec![tools_bin(root)];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// `trunk build --offline` into dist/: every tool is pinned and installed, nothing downloads.
pub fn trunk_build(root: &Path, release: bool) -> Result<()> {
    let mut cmd = Command::new("trunk");
    cmd.args(["build", "--offline"])
        .env("PATH", path_with_tools(root));
    if release {
        // Every crate of the wasm built for size (see the profile in Cargo.toml).
        cmd.args(["--release", "--cargo-profile", "wasm-release"]);
    }
    run(&mut cmd)
}

/// Debian packages the test suites need, by the file each one installs.
const APT_PACKAGES: [(&str, &str); 3] = [
    ("/usr/bin/chromium", "chromium"),
    ("/usr/bin/chromedriver", "chromium-driver"),
    ("/usr/bin/redis-server", "redis-server"),
];

/// Installs (with apt-get) whichever of [`APT_PACKAGES`] is missing: Chromium for the
/// browser suites, redis-server for the scale-out tests.
pub fn ensure_apt_packages() -> Result<()> {
    install_missing(&APT_PACKAGES)
}

/// Installs with apt-get each `(file, package)` whose file is missing.
pub fn install_missing(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing {} with apt-get", missing.join(" "));
    run(Command::new("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        // Another apt may be running (the machine is shared): wait for its lock, not fail.
        .args(["-o", "DPkg::Lock::Timeout=600"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .with_context(|| format!("apt-get install {} (needs root)", missing.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_locked_wasm_bindgen_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let version = locked_wasm_bindgen_version(root).unwrap();
        let trunk_toml = std::fs::read_to_string(root.join("Trunk.toml")).unwrap();
        assert!(
            trunk_toml.contains(&format!("wasm_bindgen = \"{version}\"")),
            "Trunk.toml must pin wasm-bindgen {version}, the version in Cargo.lock"
        );
        assert!(trunk_toml.contains(&format!("wasm_opt = \"version_{WASM_OPT_VERSION}\"")));
    }
}
