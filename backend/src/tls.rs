//! The server's TLS identity. Browsers only speak HTTP/2 over TLS, so there is no plain
//! HTTP listener at all.
//!
//! With `--cert/--key` the given PEM files are used. Otherwise `certs/cert.pem` and
//! `certs/key.pem` are used, and generated (self-signed, ECDSA P-256) if missing, so nobody
//! has to run openssl by hand.

use anyhow::{bail, Context};
use rustls::crypto::aws_lc_rs;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Names the generated development certificate is valid for.
pub const DEV_CERT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Where the certificate and key come from.
#[derive(Debug, Clone)]
pub struct CertPaths {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertPaths {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// Writes a new self-signed certificate and key to `paths`. The key file is created with
/// mode 0600 before any secret is written to it.
pub fn generate_dev_cert(paths: &CertPaths) -> anyhow::Result<()> {
    if let Some(dir) = paths.cert.parent() {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create certificate folder {}", dir.display()))?;
    }
    let names: Vec<String> = DEV_CERT_NAMES.iter().map(|s| s.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names)
        .context("cannot generate a self-signed certificate")?;
    write_private(&paths.key, certified.signing_key.serialize_pem().as_bytes())?;
    fs::write(&paths.cert, certified.cert.pem())
        .with_context(|| format!("cannot write {}", paths.cert.display()))?;
    Ok(())
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Resolves which files to use, generating the dev certificate when none exist yet.
/// Returns the paths and whether they were just generated.
pub fn resolve(
    cert: Option<&Path>,
    key: Option<&Path>,
    certs_dir: &Path,
) -> anyhow::Result<(CertPaths, bool)> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok((
            CertPaths {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            },
            false,
        )),
        (None, None) => {
            let paths = CertPaths::in_dir(certs_dir);
            match (paths.cert.exists(), paths.key.exists()) {
                (true, true) => Ok((paths, false)),
                (false, false) => {
                    generate_dev_cert(&paths)?;
                    Ok((paths, true))
                }
                _ => bail!(
                    "only one of {} and {} exists; remove it to have a new pair generated",
                    paths.cert.display(),
                    paths.key.display()
                ),
            }
        }
        _ => bail!("--cert and --key must be given together"),
    }
}

/// Builds the rustls configuration from PEM files. ALPN (h2, http/1.1) is added by actix.
pub fn server_config(paths: &CertPaths) -> anyhow::Result<ServerConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&paths.cert)
        .with_context(|| format!("cannot read certificate {}", paths.cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate", paths.cert.display()))?;
    if certs.is_empty() {
        bail!("{} holds no certificate", paths.cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(&paths.key)
        .with_context(|| format!("cannot read a private key from {}", paths.key.display()))?;
    // Name the provider explicitly: another crate in the process may enable a second one,
    // and then rustls refuses to guess.
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!(
                "{} and {} do not form a usable certificate and key",
                paths.cert.display(),
                paths.key.display()
            )
        })?;
    // Stateless session tickets (keys random at start, rotated every 6 hours): a browser
    // that reconnects resumes its session and skips the certificate and its signature,
    // however many browsers there are. The default server-side cache holds 256 sessions,
    // too few for a reconnect storm of thousands.
    config.ticketer = aws_lc_rs::Ticketer::new().context("TLS session tickets")?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, generated) = resolve(None, None, dir.path()).unwrap();
        assert!(generated);
        let first = fs::read(&paths.cert).unwrap();
        let (_, generated) = resolve(None, None, dir.path()).unwrap();
        assert!(!generated);
        assert_eq!(fs::read(&paths.cert).unwrap(), first);
        server_config(&paths).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&paths.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    /// Moves TLS records between the two ends until neither has anything to send.
    fn exchange(client: &mut rustls::ClientConnection, server: &mut rustls::ServerConnection) {
        fn pump(
            from: &mut rustls::ConnectionCommon<impl Sized>,
            to: &mut rustls::ConnectionCommon<impl Sized>,
        ) -> bool {
            let mut records = Vec::new();
            while from.wants_write() {
                from.write_tls(&mut records).unwrap();
            }
            let mut rest = &records[..];
            while !rest.is_empty() {
                to.read_tls(&mut rest).unwrap();
                to.process_new_packets().unwrap();
            }
            !records.is_empty()
        }
        while pump(client, server) | pump(server, client) {}
    }

    #[test]
    fn more_browsers_than_a_session_cache_holds_can_all_resume() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = resolve(None, None, dir.path()).unwrap();
        let server_config = Arc::new(server_config(&paths).unwrap());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&paths.cert).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        // Each browser keeps its own tickets. More browsers than a server-side session
        // cache of 256 could remember.
        let browsers: Vec<Arc<rustls::ClientConfig>> = (0..300)
            .map(|_| {
                let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                    aws_lc_rs::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots.clone())
                .with_no_client_auth();
                Arc::new(config)
            })
            .collect();
        let connect = |browser: &Arc<rustls::ClientConfig>| {
            let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
            let mut client = rustls::ClientConnection::new(browser.clone(), name).unwrap();
            let mut server = rustls::ServerConnection::new(server_config.clone()).unwrap();
            exchange(&mut client, &mut server);
            assert!(!client.is_handshaking() && !server.is_handshaking());
            client.handshake_kind().unwrap()
        };
        for browser in &browsers {
            assert_eq!(connect(browser), rustls::HandshakeKind::Full);
        }
        for (i, browser) in browsers.iter().enumerate() {
            assert_eq!(
                connect(browser),
                rustls::HandshakeKind::Resumed,
                "browser {i} could not resume"
            );
        }
    }

    #[test]
    fn unreadable_or_bad_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let paths = CertPaths::in_dir(dir.path());
        let err = server_config(&paths).unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot read certificate"),
            "{err:#}"
        );
        fs::write(&paths.cert, "not pem").unwrap();
        fs::write(&paths.key, "not pem").unwrap();
        let err = server_config(&paths).unwrap_err();
        assert!(format!("{err:#}").contains("no certificate"), "{err:#}");
        fs::remove_file(&paths.key).unwrap();
        let err = resolve(None, None, dir.path()).unwrap_err();
        assert!(err.to_string().contains("only one of"), "{err}");
    }
}
