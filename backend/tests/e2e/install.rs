//! Installable: the page links a web app manifest the browser can read (name, standalone
//! display, start URL) with icons of the sizes browsers ask for, all served by the backend
//! itself (no CDN).

use crate::harness::*;
use serde_json::json;

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn the_page_links_a_manifest_with_icons_the_browser_can_load() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let backend = start_backend("127.0.0.1:0", &scratch.path().join("certs")).await;
    let (_driver, webdriver) = start_chromedriver().await;
    let page = open_browser(&webdriver, &scratch.path().join("page")).await;
    page.goto(&backend.url).await.unwrap();
    wait_for("the page is live", || async {
        link_state(&page).await == "live"
    })
    .await;

    let manifest = page
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const link = document.querySelector('link[rel=manifest]');
             fetch(link.href).then(async r => done({
               type: r.headers.get('content-type'),
               body: await r.json(),
             })).catch(e => done({ error: String(e) }));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        manifest["type"],
        json!("application/manifest+json"),
        "{manifest}"
    );
    let body = &manifest["body"];
    assert_eq!(body["name"], json!("h2chat"));
    assert_eq!(body["display"], json!("standalone"));
    assert_eq!(body["start_url"], json!("/"));

    // Every icon loads, at the size the manifest says; none comes from another host.
    let sizes = page
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const link = document.querySelector('link[rel=manifest]');
             fetch(link.href).then(r => r.json()).then(m => Promise.all(m.icons.map(icon =>
               new Promise(resolve => {
                 const img = new Image();
                 img.onload = () => resolve([icon.src, icon.sizes, img.naturalWidth,
                                             new URL(img.src).origin === location.origin]);
                 img.onerror = () => resolve([icon.src, icon.sizes, 0, false]);
                 img.src = icon.src;
               })))).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let sizes: Vec<(String, String, u32, bool)> = serde_json::from_value(sizes).unwrap();
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    for (src, declared, width, same_origin) in &sizes {
        assert!(*same_origin && *width > 0, "{src} did not load from here");
        if declared != "any" {
            assert_eq!(declared, &format!("{width}x{width}"), "{src}");
        }
    }
    page.close().await.unwrap();
    backend.stop().await;
}
