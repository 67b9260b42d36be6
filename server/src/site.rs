//! The site's files (the WASM and its chunks, the scripts, the stylesheet, the icon) as a real
//! site serves them. `scripts/build.sh` names the built files by their contents and compresses
//! every one once, beside itself (`.br`, `.gz`); here:
//!
//! - the copy the browser asks for (`Accept-Encoding`: brotli, then gzip, else as built);
//! - a file named by its contents is kept by browsers and caches for a year (`immutable`): a
//!   second visit downloads none of it, and a new build's files have new names;
//! - a file other sites load by its one name (`/embed.js`, `/visitor.js`) is kept minutes, then
//!   asked again with its ETag, and answered "not modified" while it is the same;
//! - only the files the site held at start are answered, by name: no path from a request ever
//!   reaches the file system.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};

/// How long a browser keeps a file that other sites load by its one name before asking again.
const SHORT_MAX_AGE: &str = "public, max-age=600";
const FOREVER: &str = "public, max-age=31536000, immutable";

/// One file the site serves, found at start.
#[derive(Debug)]
struct SiteFile {
    path: PathBuf,
    content_type: &'static str,
    brotli: bool,
    gzip: bool,
    /// `"<modified>-<size>"` in hex, as nginx makes it: changes when the file does.
    etag: HeaderValue,
    immutable: bool,
}

/// The site's files by the path they are asked for (`/pkg/sightline.0123456789abcdef.wasm`).
#[derive(Debug, Default)]
pub struct Site {
    files: HashMap<String, SiteFile>,
}

/// Which copy of a file a request takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best copy the browser accepts (`q=0` refuses one), given which copies exist.
pub fn choose_encoding(accept: &str, brotli: bool, gzip: bool) -> Encoding {
    let accepts = |name: &str| {
        accept.split(',').any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            pieces
                .next()
                .is_some_and(|coding| coding.eq_ignore_ascii_case(name))
                && pieces
                    .filter_map(|p| p.strip_prefix("q="))
                    .all(|q| q.parse::<f32>().map_or(true, |q| q > 0.0))
        })
    };
    if brotli && accepts("br") {
        Encoding::Brotli
    } else if gzip && accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether a file's name carries the hash of its contents (`name.<16 hex digits>.ext`), as
/// `wasm-split names` gives it.
pub fn is_content_named(file_name: &str) -> bool {
    file_name.split('.').any(|part| {
        part.len() == 16
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn content_type(file_name: &str) -> Option<&'static str> {
    Some(match file_name.rsplit('.').next()? {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

impl Site {
    /// The files under `root` (the site) and `root/<pkg>`, as `scripts/build.sh` leaves them.
    /// Compressed copies and files of no type a browser loads (`hash.txt`) are not served.
    pub fn load(root: &Path, pkg: &str) -> std::io::Result<Site> {
        let mut files = HashMap::new();
        for (dir, prefix) in [
            (root.to_path_buf(), "/".to_string()),
            (root.join(pkg), format!("/{pkg}/")),
        ] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let entry = entry?;
                let metadata = entry.metadata()?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(content_type) = content_type(&name).filter(|_| metadata.is_file()) else {
                    continue;
                };
                let path = entry.path();
                let modified = metadata
                    .modified()
                    .ok()
                    .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs());
                let etag = HeaderValue::from_str(&format!("\"{modified:x}-{:x}\"", metadata.len()))
                    .expect("hex digits make a header value");
                let beside = |ext: &str| with_extension(&path, ext).is_file();
                files.insert(
                    format!("{prefix}{name}"),
                    SiteFile {
                        content_type,
                        brotli: beside(".br"),
                        gzip: beside(".gz"),
                        etag,
                        immutable: is_content_named(&name),
                        path,
                    },
                );
            }
        }
        Ok(Site { files })
    }

    async fn answer(&self, file: &SiteFile, method: &Method, headers: &HeaderMap) -> Response {
        let mut response = Response::builder()
            .header(header::CONTENT_TYPE, file.content_type)
            .header(
                header::CACHE_CONTROL,
                if file.immutable {
                    FOREVER
                } else {
                    SHORT_MAX_AGE
                },
            )
            .header(header::ETAG, file.etag.clone())
            // Public files: other sites load `/embed.js` with `crossorigin="anonymous"`.
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        if file.brotli || file.gzip {
            response = response.header(header::VARY, "accept-encoding");
        }
        let unchanged = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .any(|t| t.trim() == file.etag || t.trim() == "*")
            });
        if unchanged {
            return response
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .unwrap_or_default();
        }
        let accept = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (path, encoding) = match choose_encoding(accept, file.brotli, file.gzip) {
            Encoding::Brotli => (with_extension(&file.path, ".br"), Some("br")),
            Encoding::Gzip => (with_extension(&file.path, ".gz"), Some("gzip")),
            Encoding::Identity => (file.path.clone(), None),
        };
        if let Some(encoding) = encoding {
            response = response.header(header::CONTENT_ENCODING, encoding);
        }
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::error!(%error, path = %path.display(), "a site file went missing since start");
                return StatusCode::NOT_FOUND.into_response();
            }
        };
        response = response.header(header::CONTENT_LENGTH, bytes.len());
        let body = if method == Method::HEAD {
            Body::empty()
        } else {
            Body::from(bytes)
        };
        response.body(body).unwrap_or_default()
    }
}

fn with_extension(path: &Path, ext: &str) -> PathBuf {
    let mut copy = path.to_path_buf().into_os_string();
    copy.push(ext);
    PathBuf::from(copy)
}

/// Answers a GET or HEAD of one of the site's files; anything else goes on to the routes.
pub async fn serve(State(site): State<Arc<Site>>, request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        if let Some(file) = site.files.get(request.uri().path()) {
            return site.answer(file, request.method(), request.headers()).await;
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::*;

    #[test]
    fn the_copy_is_the_best_the_browser_takes() {
        let cases = [
            ("gzip, deflate, br, zstd", true, true, Brotli),
            ("gzip, deflate, br", false, true, Gzip),
            ("gzip", true, true, Gzip),
            ("br;q=0, gzip", true, true, Gzip),
            ("BR;q=0.5", true, true, Brotli),
            ("", true, true, Identity),
            ("identity", true, true, Identity),
            ("gzip;q=0", true, true, Identity),
            ("br", false, false, Identity),
        ];
        for (accept, brotli, gzip, expected) in cases {
            assert_eq!(choose_encoding(accept, brotli, gzip), expected, "{accept}");
        }
    }

    #[test]
    fn only_names_with_their_contents_hash_are_kept_forever() {
        assert!(is_content_named("sightline.0123456789abcdef.wasm"));
        assert!(is_content_named(
            "split___work_pages_view_167.0123456789abcdef.wasm"
        ));
        assert!(!is_content_named("sightline.wasm"));
        assert!(!is_content_named("embed.js"));
        assert!(!is_content_named("sightline.0123456789ABCDEF.wasm"));
        assert!(!is_content_named("__wasm_split.______________________.js"));
    }
}
