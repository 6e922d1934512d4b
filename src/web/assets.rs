//! Browser assets from `ui/`, embedded in the binary and served under content-hashed names
//! (`/assets/chat.3f2a1b9c0d.js`) with a one-year immutable cache lifetime: a new build changes
//! the names, so browsers never run stale code.

use std::borrow::Cow;
use std::collections::HashMap;

use bytes::Bytes;
use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{IntoResponse, Response, handler};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "ui/"]
struct Ui;

struct Asset {
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
}

/// The embedded assets, indexed by their hashed names.
pub struct Assets {
    by_hashed_name: HashMap<String, Asset>,
    hashed_names: HashMap<String, String>,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") | Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// `chat.js` with hash `3f2a…` becomes `chat.3f2a1b9c0d.js`.
fn hashed_name(name: &str, hash: &[u8; 32]) -> String {
    let short: String = hash[..5].iter().map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
        None => format!("{name}.{short}"),
    }
}

impl Assets {
    /// The assets of this binary, indexed once.
    pub fn shared() -> &'static Assets {
        static ASSETS: std::sync::OnceLock<Assets> = std::sync::OnceLock::new();
        ASSETS.get_or_init(Assets::load)
    }

    fn load() -> Self {
        let mut by_hashed_name = HashMap::new();
        let mut hashed_names = HashMap::new();
        for name in Ui::iter() {
            let file = Ui::get(&name).expect("listed assets exist");
            let hashed = hashed_name(&name, &file.metadata.sha256_hash());
            hashed_names.insert(name.to_string(), hashed.clone());
            by_hashed_name.insert(
                hashed,
                Asset {
                    bytes: file.data,
                    content_type: content_type(&name),
                },
            );
        }
        Assets {
            by_hashed_name,
            hashed_names,
        }
    }

    /// The URL of an asset by its file name in `ui/`.
    pub fn url(&self, name: &str) -> String {
        match self.hashed_names.get(name) {
            Some(hashed) => format!("/assets/{hashed}"),
            None => {
                debug_assert!(false, "unknown asset {name}");
                format!("/assets/{name}")
            }
        }
    }

    fn get(&self, hashed: &str) -> Option<&Asset> {
        self.by_hashed_name.get(hashed)
    }
}

#[handler]
pub fn serve_asset(Path(name): Path<String>) -> Response {
    match Assets::shared().get(&name) {
        Some(asset) => Response::builder()
            .header(header::CONTENT_TYPE, asset.content_type)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .body(match &asset.bytes {
                Cow::Borrowed(bytes) => Bytes::from_static(bytes),
                Cow::Owned(bytes) => Bytes::from(bytes.clone()),
            }),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_hashed_url_that_serves_it() {
        let assets = Assets::load();
        for name in ["app.css", "chat.js", "forms.js", "favicon.svg"] {
            let url = assets.url(name);
            let hashed = url.strip_prefix("/assets/").unwrap();
            assert_ne!(hashed, name);
            assert!(assets.get(hashed).is_some(), "{url}");
        }
    }

    #[test]
    fn hashed_names_keep_the_extension() {
        assert_eq!(hashed_name("chat.js", &[0xab; 32]), "chat.ababababab.js");
        assert_eq!(content_type("x.css"), "text/css; charset=utf-8");
    }
}
