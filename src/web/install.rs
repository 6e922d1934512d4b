//! What makes the chat an app a phone installs: the web app manifest at a fixed address (an
//! installed app is known by it), naming the icons in `ui/icons/` by their asset URLs; and the
//! service worker at `/sw.js`, which keeps the shell for offline starts and shows pushes.

use poem::http::header;
use poem::{IntoResponse, Response, handler};
use serde_json::json;

use super::Assets;

/// The brand colour, as the icons draw it; the pages' own bar colour follows light and dark
/// (the `theme-color` tags of every page).
const THEME: &str = "#0f766e";

/// The manifest: what a browser needs to offer "Install" or "Add to Home Screen".
pub fn manifest_json(assets: &Assets) -> serde_json::Value {
    let icon = |path: &str, sizes: &str, kind: &str, purpose: &str| json!({ "src": assets.url(path), "sizes": sizes, "type": kind, "purpose": purpose });
    json!({
        "id": "/",
        "name": "confab",
        "short_name": "confab",
        "description": "Chat with your team, live.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [
            icon("icons/icon-192.png", "192x192", "image/png", "any"),
            icon("icons/icon-512.png", "512x512", "image/png", "any"),
            icon("icons/maskable-192.png", "192x192", "image/png", "maskable"),
            icon("icons/maskable-512.png", "512x512", "image/png", "maskable"),
            icon("favicon.svg", "any", "image/svg+xml", "any"),
        ],
    })
}

/// `GET /manifest.webmanifest`.
#[handler]
pub fn manifest() -> Response {
    let body = manifest_json(Assets::shared()).to_string();
    Response::builder()
        .header(header::CONTENT_TYPE, "application/manifest+json")
        // Short: a new build names its icons anew.
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(body)
        .into_response()
}

/// The asset that is the service worker's code; it is served at `/sw.js`, not under `/assets`.
const WORKER: &str = "sw.js";

/// The service worker's code: this build's shell (every asset but the worker and the icons'
/// sources), then `ui/sw.js`.
pub fn service_worker_js(assets: &Assets) -> String {
    let shell: Vec<String> = assets
        .paths()
        .into_iter()
        .filter(|path| *path != WORKER && !path.ends_with("maskable.svg"))
        .map(|path| assets.url(path))
        .collect();
    let code = assets
        .bytes(WORKER)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or_default();
    format!(
        "const SHELL = {};\n{code}",
        serde_json::to_string(&shell).unwrap_or_else(|_| "[]".into())
    )
}

/// `GET /sw.js`: at the root, so it may serve every page. Revalidated on each visit: a new
/// build is a new worker.
#[handler]
pub fn service_worker() -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/javascript; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(service_worker_js(Assets::shared()))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_the_manifest_names_is_an_asset() {
        let assets = Assets::shared();
        let json = manifest_json(assets);
        let icons = json["icons"].as_array().unwrap();
        assert!(icons.iter().any(|icon| icon["purpose"] == "maskable"));
        let prefix = assets.url("favicon.svg").replace("favicon.svg", "");
        for icon in icons {
            let url = icon["src"].as_str().unwrap();
            let path = url.strip_prefix(&prefix).unwrap();
            assert!(assets.has(path), "{url}");
        }
    }
}

#[cfg(test)]
mod worker_tests {
    use super::*;

    #[test]
    fn the_worker_names_this_builds_shell_and_not_itself() {
        let assets = Assets::shared();
        let js = service_worker_js(assets);
        let first = js.lines().next().unwrap();
        let shell: Vec<String> = serde_json::from_str(
            first
                .strip_prefix("const SHELL = ")
                .and_then(|rest| rest.strip_suffix(';'))
                .unwrap(),
        )
        .unwrap();
        assert!(shell.contains(&assets.url("js/app.js")));
        assert!(shell.contains(&assets.url("css/chat.css")));
        assert!(shell.contains(&assets.url("icons/icon-192.png")));
        assert!(!shell.iter().any(|url| url.ends_with("/sw.js")));
        assert!(js.contains("addEventListener('push'"));
    }
}
