//! The site's files as the performance issue asks a real site to serve them: the copy the
//! browser asks for (brotli, gzip, as built), files named by their contents kept a year,
//! `/embed.js` kept minutes and then asked again with its ETag, pages never kept, and nothing
//! but the site's own files answered.

use crate::common::live::start;
use crate::common::{Backend, TestDb};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

fn h(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The files a page names: its stylesheet, module and WASM (`href="/pkg/..."`).
fn named_files(page: &str) -> Vec<String> {
    page.split("href=\"/pkg/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|name| format!("/pkg/{name}"))
        .collect()
}

fn site_file(path: &str) -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"))
        .join(path.trim_start_matches('/'))
}

#[test]
fn a_browser_downloads_each_file_once_and_compressed() {
    crate::common::run(async {
        let live = start(TestDb::new(Backend::Sqlite).await).await;
        let client = live.client();
        let page = client.get(live.url("/login")).send().await.unwrap();
        assert_eq!(
            h(page.headers(), "cache-control"),
            "no-store",
            "a page is never kept"
        );
        let page = page.text().await.unwrap();
        let files = named_files(&page);
        let kinds: Vec<&str> = files.iter().filter_map(|f| f.rsplit('.').next()).collect();
        assert!(
            ["css", "js", "wasm"].iter().all(|k| kinds.contains(k)),
            "the sign-in page names its stylesheet, module and WASM: {files:?}"
        );
        for file in &files {
            let name = file.rsplit('/').next().unwrap();
            assert!(
                server::site::is_content_named(name),
                "{file} is named by its contents"
            );
            for (accept, encoding, copy) in [
                ("gzip, deflate, br, zstd", "br", ".br"),
                ("gzip, deflate", "gzip", ".gz"),
                ("", "", ""),
            ] {
                let response = client
                    .get(live.url(file))
                    .header("accept-encoding", accept)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{file}");
                let headers = response.headers().clone();
                assert_eq!(
                    h(&headers, "content-encoding"),
                    encoding,
                    "{file} for {accept:?}"
                );
                assert_eq!(
                    h(&headers, "cache-control"),
                    "public, max-age=31536000, immutable",
                    "{file}"
                );
                assert_eq!(h(&headers, "vary"), "accept-encoding", "{file}");
                let body = response.bytes().await.unwrap();
                let on_disk =
                    std::fs::read(format!("{}{copy}", site_file(file).display())).unwrap();
                assert_eq!(
                    body.as_ref(),
                    on_disk.as_slice(),
                    "{file}: the {copy:?} copy"
                );
            }
        }
        // The WASM as sent is the brotli copy: a fraction of it.
        let wasm = files.iter().find(|f| f.ends_with(".wasm")).unwrap();
        let raw = std::fs::metadata(site_file(wasm)).unwrap().len();
        let sent = std::fs::metadata(format!("{}.br", site_file(wasm).display()))
            .unwrap()
            .len();
        assert!(sent * 3 < raw, "{wasm}: {sent} bytes sent of {raw}");

        // A HEAD says the same without the body.
        let head = client.head(live.url(wasm)).send().await.unwrap();
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(h(head.headers(), "content-length"), raw.to_string());
        assert!(head.bytes().await.unwrap().is_empty());
    })
}

#[test]
fn scripts_other_sites_load_by_name_are_asked_again_with_their_etag() {
    crate::common::run(async {
        let live = start(TestDb::new(Backend::Sqlite).await).await;
        let client = live.client();
        for script in ["/embed.js", "/embed-frame.js", "/visitor.js", "/marks.js"] {
            let first = client
                .get(live.url(script))
                .header("accept-encoding", "br")
                .send()
                .await
                .unwrap();
            assert_eq!(first.status(), StatusCode::OK, "{script}");
            let headers = first.headers().clone();
            assert_eq!(
                h(&headers, "cache-control"),
                "public, max-age=600",
                "{script}"
            );
            assert_eq!(h(&headers, "content-encoding"), "br", "{script}");
            assert_eq!(h(&headers, "access-control-allow-origin"), "*", "{script}");
            let etag = h(&headers, "etag");
            assert!(etag.starts_with('"') && etag.len() > 2, "{script}: {etag}");
            let again = client
                .get(live.url(script))
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{script}");
            assert_eq!(h(again.headers(), "etag"), etag);
            assert!(again.bytes().await.unwrap().is_empty());
            let changed = client
                .get(live.url(script))
                .header("if-none-match", "\"an-older-one\"")
                .send()
                .await
                .unwrap();
            assert_eq!(changed.status(), StatusCode::OK, "{script}");
        }
    })
}

#[test]
fn only_the_site_files_are_answered() {
    crate::common::run(async {
        let live = start(TestDb::new(Backend::Sqlite).await).await;
        let client = live.client();
        for path in [
            "/hash.txt",
            "/pkg/sightline.wasm",
            "/pkg/sightline.css",
            "/embed.js.br",
            "/pkg/../hash.txt",
            "/pkg/%2e%2e/hash.txt",
            "/../Cargo.toml",
        ] {
            let response = client.get(live.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(
                h(response.headers(), "content-type").starts_with("text/html"),
                "{path}: the portal's not-found page"
            );
        }
    })
}
