//! Serves the built frontend (trunk's `dist/`) on the same HTTPS origin as the API.
//!
//! - `index.html` is read per request and sent with `no-cache` and a Content-Security-Policy
//!   that allows exactly its own inline loader scripts (by hash), our own files and the wasm.
//! - Files whose names carry trunk's content hash never change: cached for a year.
//! - Every response gets `x-content-type-options: nosniff` and `strict-transport-security`.

use crate::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The policy for pages, given the `'sha256-…'` sources of their inline scripts.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push_str(&format!(" '{hash}'"));
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// `sha256-…` of the body of every `<script>` without a `src` attribute.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after_open = &rest[open..];
        let Some(tag_end) = after_open.find('>') else {
            break;
        };
        let tag = &after_open[..tag_end];
        let body_and_more = &after_open[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// `Link` header value that preloads what the page will fetch at once: trunk's JS module
/// (`modulepreload`), its wasm (`preload` as fetch) and stylesheets. This is what replaced
/// HTTP/2 server push: the browser learns of the files with the page's headers and fetches
/// them in parallel with parsing the page, over the same HTTP/2 connection.
///
/// Each preload carries the `integrity` trunk gave the page's own tag: a browser uses a
/// preload only for a request with the same integrity, and without it Chromium fetched the
/// stylesheet and the module twice ("not used due to an integrity mismatch").
pub fn preload_links(html: &str) -> Option<String> {
    let mut links = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<link") {
        let after = &rest[start..];
        let Some(end) = after.find('>') else { break };
        let tag = &after[..end];
        rest = &after[end..];
        let (Some(rel), Some(href)) = (attribute(tag, "rel"), attribute(tag, "href")) else {
            continue;
        };
        if !href.starts_with('/') {
            continue;
        }
        let cors = if tag.contains("crossorigin") {
            "; crossorigin"
        } else {
            ""
        };
        let integrity = attribute(tag, "integrity")
            .map_or_else(String::new, |i| format!("; integrity=\"{i}\""));
        match rel {
            "modulepreload" => links.push(format!("<{href}>; rel=modulepreload{cors}{integrity}")),
            "preload" if attribute(tag, "as") == Some("fetch") => links.push(format!(
                "<{href}>; rel=preload; as=fetch; type=\"application/wasm\"{cors}{integrity}"
            )),
            "stylesheet" => links.push(format!("<{href}>; rel=preload; as=style{integrity}")),
            _ => {}
        }
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// The value of `name="..."` in a tag, if present.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// True for names trunk stamps with a content hash, like `frontend-1a2b3c4d5e6f7a8b_bg.wasm`.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['-', '_', '.'])
        .any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where the frontend lives; `index.html` is looked up per request so a rebuild is picked
/// up without a restart.
#[derive(Debug, Clone)]
pub struct StaticDir(pub PathBuf);

/// `GET /` and `GET /index.html`.
pub async fn index(dir: web::Data<StaticDir>) -> Result<HttpResponse, ApiError> {
    let path = dir.0.join("index.html");
    let html =
        match tokio::task::spawn_blocking(move || std::fs::read_to_string(path)).await {
            Ok(Ok(html)) => html,
            _ => return Err(ApiError::NotFound(
                "index.html (the frontend is not built: run `cargo xtask run` or `trunk build`)"
                    .into(),
            )),
        };
    let csp = content_security_policy(&inline_script_hashes(&html));
    let mut response = HttpResponse::Ok();
    if let Some(links) = preload_links(&html) {
        response.insert_header((header::LINK, links));
    }
    Ok(response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(html))
}

/// `GET /sw.js`: the page's service worker (offline start, notification clicks). Its own
/// handler so its headers do not depend on a file-type table: browsers register a worker
/// only when it is JavaScript, `no-cache` makes them look for a new one on every visit,
/// and `Service-Worker-Allowed: /` states the scope it asks for (the whole origin).
pub async fn service_worker(dir: web::Data<StaticDir>) -> Result<HttpResponse, ApiError> {
    let path = dir.0.join("sw.js");
    let script = match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(script)) => script,
        _ => {
            return Err(ApiError::NotFound(
                "sw.js (the frontend is not built)".into(),
            ))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("service-worker-allowed", "/"))
        .body(script))
}

/// The other files of `dir` (wasm, js, css, images).
pub fn files(dir: &Path) -> actix_files::Files {
    actix_files::Files::new("/", dir)
        .prefer_utf8(true)
        .use_etag(true)
        .use_last_modified(true)
        .default_handler(web::to(super::not_found))
}

/// Security and caching headers for every response.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hashed = is_hashed_asset(req.path());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        let policy = if hashed && res.status().is_success() {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = "<script src=\"/a.js\"></script><script type=\"module\">init()</script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("sha256-{expected}"));
        let csp = content_security_policy(&hashes);
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(csp.contains(&hashes[0]));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn preloads_what_trunk_links_with_its_integrity() {
        let html = r#"<link rel="stylesheet" href="/style-0123456789abcdef.css" integrity="x"/>
<link rel="modulepreload" href="/app-0123456789abcdef.js" crossorigin="anonymous" integrity="y"><link rel="preload" href="/app-0123456789abcdef_bg.wasm" crossorigin="anonymous" integrity="z" as="fetch" type="application/wasm"><link rel="icon" href="data:,">"#;
        assert_eq!(
            preload_links(html).unwrap(),
            "</style-0123456789abcdef.css>; rel=preload; as=style; integrity=\"x\", \
             </app-0123456789abcdef.js>; rel=modulepreload; crossorigin; integrity=\"y\", \
             </app-0123456789abcdef_bg.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin; integrity=\"z\""
        );
        assert_eq!(preload_links("<html></html>"), None);
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("/frontend-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/frontend-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_asset("/style-00ff00ff00ff00ff.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/favicon.ico"));
    }
}
