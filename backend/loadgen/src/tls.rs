//! HTTP/2 clients that trust the server's certificate (a PEM file), or any certificate with
//! `--insecure` for a quick look at a self-signed dev server.

use anyhow::Context;
use std::path::Path;

pub fn client(ca: Option<&Path>, insecure: bool) -> anyhow::Result<reqwest::Client> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(std::time::Duration::from_secs(30));
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not PEM", ca.display()))?,
        );
    }
    if insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().context("cannot build the HTTP client")
}
