//! Health check and the static frontend's headers.

use crate::helpers::*;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn serves_the_frontend_with_security_and_cache_headers() {
    let app = spawn_app_with(|s| {
        let dir = tempfile::tempdir().unwrap().keep();
        std::fs::write(
            dir.join("index.html"),
            "<html><head><script type=\"module\">import init from '/app-0123456789abcdef.js';init();</script>\
             <link rel=\"modulepreload\" href=\"/app-0123456789abcdef.js\" crossorigin=\"anonymous\">\
             <link rel=\"preload\" href=\"/app-0123456789abcdef_bg.wasm\" crossorigin=\"anonymous\" as=\"fetch\" type=\"application/wasm\">\
             </head><body></body></html>",
        )
        .unwrap();
        std::fs::write(dir.join("app-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("app-0123456789abcdef.js"), "export default 1;").unwrap();
        s.static_dir = Some(dir);
    })
    .await;

    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(
        csp.contains("'sha256-"),
        "inline loader allowed by hash: {csp}"
    );
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("http"), "nothing from other origins: {csp}");
    let link = h["link"].to_str().unwrap();
    assert!(
        link.contains("</app-0123456789abcdef.js>; rel=modulepreload"),
        "{link}"
    );
    assert!(
        link.contains("</app-0123456789abcdef_bg.wasm>; rel=preload; as=fetch"),
        "{link}"
    );

    let wasm = app
        .client
        .get(app.url("/app-0123456789abcdef_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert!(wasm.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));

    let js = app
        .client
        .get(app.url("/app-0123456789abcdef.js"))
        .send()
        .await
        .unwrap();
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));

    let missing = app.client.get(app.url("/nope.js")).send().await.unwrap();
    expect_json_error(missing, 404, "/nope.js").await;
}

#[tokio::test]
async fn missing_frontend_is_a_clear_404() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    expect_json_error(page, 404, "not built").await;
}

#[tokio::test]
async fn serves_the_service_worker_as_fresh_javascript_for_the_whole_origin() {
    let script = "self.addEventListener('fetch', () => {});\n";
    let app = spawn_app_with(|s| {
        let dir = tempfile::tempdir().unwrap().keep();
        std::fs::write(dir.join("index.html"), "<html></html>").unwrap();
        std::fs::write(dir.join("sw.js"), script).unwrap();
        s.static_dir = Some(dir);
    })
    .await;
    // The page registers it with its build's name in the query.
    let response = app
        .client
        .get(app.url("/sw.js?build=frontend-0123456789abcdef.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers().clone();
    assert_eq!(h["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["service-worker-allowed"], "/");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(response.text().await.unwrap(), script);

    let post = app.client.post(app.url("/sw.js")).send().await.unwrap();
    expect_json_error(post, 405, "GET").await;
}

#[tokio::test]
async fn a_missing_service_worker_is_a_404() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/sw.js")).send().await.unwrap();
    expect_json_error(response, 404, "sw.js").await;
}
