//! Clients that trust the server's certificate (a PEM file), or any certificate with
//! `--insecure` for a quick look at a self-signed dev server.

use anyhow::Context;
use rustls::crypto::aws_lc_rs;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use std::path::Path;
use std::sync::Arc;

pub fn client(ca: Option<&Path>, insecure: bool) -> anyhow::Result<reqwest::Client> {
    let _ = aws_lc_rs::default_provider().install_default();
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

/// rustls configuration trusting exactly the certificates in `pem` (ALPN set per use).
pub fn client_config(pem: &[u8]) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots.add(cert.context("bad PEM certificate")?)?;
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

/// An HTTP/2 client with exactly one connection, shared by all its streams.
pub fn h2_client(tls: Arc<rustls::ClientConfig>) -> anyhow::Result<reqwest::Client> {
    let mut config = (*tls).clone();
    config.alpn_protocols = vec![b"h2".to_vec()];
    reqwest::Client::builder()
        .use_preconfigured_tls(config)
        .http2_prior_knowledge()
        .pool_max_idle_per_host(1)
        .build()
        .context("cannot build the HTTP/2 client")
}

/// `host:port` of a base URL `https://host:port`.
pub fn authority_of(base: &str) -> anyhow::Result<String> {
    let rest = base
        .strip_prefix("https://")
        .with_context(|| format!("{base}: the URL must start with https://"))?;
    Ok(rest.split('/').next().unwrap_or(rest).to_owned())
}

/// A WebSocket client's socket: TLS over TCP.
pub type WsSocket =
    tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// A WebSocket over TLS + HTTP/1.1 to `url` (`https://host:port/path`).
pub async fn open_ws(url: &str, tls: Arc<rustls::ClientConfig>) -> anyhow::Result<WsSocket> {
    let rest = url
        .strip_prefix("https://")
        .context("URL must start with https://")?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let stream = connect(authority, tls, b"http/1.1").await?;
    let (socket, _) =
        tokio_tungstenite::client_async(format!("wss://{authority}/{path}?since=0"), stream)
            .await?;
    Ok(socket)
}

/// TCP (without Nagle's delay) and TLS to `authority` (`host:port`), offering `alpn`.
pub async fn connect(
    authority: &str,
    tls: Arc<rustls::ClientConfig>,
    alpn: &[u8],
) -> anyhow::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(authority)
        .await
        .with_context(|| format!("cannot connect to {authority}"))?;
    tcp.set_nodelay(true)?;
    let mut config = (*tls).clone();
    config.alpn_protocols = vec![alpn.to_vec()];
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let name = rustls_pki_types::ServerName::try_from(host.to_owned())?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .context("TLS handshake")
}
