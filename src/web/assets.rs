//! Browser assets from `ui/`, embedded in the binary and served under one content-hashed
//! folder (`/assets/3f2a1b9c0d/js/app.js`) with a one-year immutable cache lifetime. The hash
//! covers the whole tree, so the browser code's relative imports (`./lib/protocol.js`) resolve
//! to files of the same build, and a new build changes every URL: browsers never run stale
//! code or mix two versions.

use std::borrow::Cow;
use std::collections::HashMap;

use bytes::Bytes;
use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{IntoResponse, Response, handler};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "ui/"]
struct Ui;

struct Asset {
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
}

/// The embedded assets and the hash of the whole tree.
pub struct Assets {
    by_path: HashMap<String, Asset>,
    tree: String,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") | Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

impl Assets {
    /// The assets of this binary, indexed once.
    pub fn shared() -> &'static Assets {
        static ASSETS: std::sync::OnceLock<Assets> = std::sync::OnceLock::new();
        ASSETS.get_or_init(Assets::load)
    }

    fn load() -> Self {
        let mut by_path = HashMap::new();
        let mut names: Vec<String> = Ui::iter().map(|name| name.to_string()).collect();
        names.sort();
        let mut tree = Sha256::new();
        for name in names {
            let file = Ui::get(&name).expect("listed assets exist");
            tree.update(name.as_bytes());
            tree.update([0]);
            tree.update(file.metadata.sha256_hash());
            by_path.insert(
                name.clone(),
                Asset {
                    bytes: file.data,
                    content_type: content_type(&name),
                },
            );
        }
        let tree = tree.finalize()[..5]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Assets { by_path, tree }
    }

    /// The URL of an asset by its path in `ui/` (`js/app.js`).
    pub fn url(&self, path: &str) -> String {
        debug_assert!(self.by_path.contains_key(path), "unknown asset {path}");
        format!("/assets/{}/{path}", self.tree)
    }

    /// Whether this build has the asset at `path` in `ui/`.
    pub fn has(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// Every asset's path in `ui/`, sorted.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.by_path.keys().map(String::as_str).collect();
        paths.sort_unstable();
        paths
    }

    /// An asset's bytes.
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.by_path.get(path).map(|asset| asset.bytes.as_ref())
    }

    fn get(&self, tree: &str, path: &str) -> Option<&Asset> {
        (tree == self.tree)
            .then(|| self.by_path.get(path))
            .flatten()
    }
}

/// `/assets/{tree hash}/{path}`: only the current build's tree is served; a page of an earlier
/// build asks for an old hash and gets 404 (and is reloaded by then anyway).
#[handler]
pub fn serve_asset(Path((tree, path)): Path<(String, String)>) -> Response {
    match Assets::shared().get(&tree, &path) {
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
    fn every_asset_is_served_under_the_tree_hash() {
        let assets = Assets::load();
        for name in [
            "css/base.css",
            "js/app.js",
            "js/lib/protocol.js",
            "favicon.svg",
        ] {
            let url = assets.url(name);
            let rest = url.strip_prefix("/assets/").unwrap();
            let (tree, path) = rest.split_once('/').unwrap();
            assert_eq!((tree.len(), path), (10, name));
            assert!(assets.get(tree, path).is_some(), "{url}");
            assert!(
                assets.get("0000000000", path).is_none(),
                "another build's tree"
            );
        }
    }

    #[test]
    fn modules_are_served_as_javascript() {
        assert_eq!(
            content_type("js/lib/x.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("x.css"), "text/css; charset=utf-8");
    }
}
