//! `/api/docs`: the API's reference as the Swagger UI page that poem-openapi bundles, mended so
//! that people using a screen reader, the keyboard or low vision can work from it, and served
//! under a policy that allows its inline scripts by their hashes.
//!
//! As bundled, the page has no language, its method badges and a few labels lack contrast,
//! some icon buttons and the servers `<select>` have no names, and its deep links put a link
//! inside each operation's summary button. Rather than fork the bundle, the page is mended at
//! a few known places: a stylesheet of darker colours, a `main` landmark, deep links off, and
//! a small script that names controls as Swagger UI draws them. A bundle without one of those
//! places is served as it is rather than broken; the unit test below finds them all.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poem::http::header;
use poem::{Endpoint, EndpointExt, Response, endpoint::make_sync};
use sha2::{Digest, Sha256};

/// Colours of at least 4.5:1 against Swagger UI's own backgrounds (WCAG 2.1 AA); the
/// highlighted JSON's numbers are coloured inline, hence `!important`.
const CONTRAST: &str = r#"<style>
.swagger-ui .opblock.opblock-get .opblock-summary-method{background:#1565c0}
.swagger-ui .opblock.opblock-post .opblock-summary-method{background:#137a47}
.swagger-ui .opblock.opblock-put .opblock-summary-method{background:#9a5200}
.swagger-ui .opblock.opblock-delete .opblock-summary-method{background:#c62828}
.swagger-ui .opblock.opblock-patch .opblock-summary-method{background:#006b5a}
.swagger-ui .opblock.opblock-head .opblock-summary-method{background:#6a1b9a}
.swagger-ui .opblock.opblock-options .opblock-summary-method{background:#1d5fa8}
.swagger-ui .info .title small{background:#4f5663}
.swagger-ui .info .title small.version-stamp{background-color:#4b6b00}
.swagger-ui .parameter__in,.swagger-ui .parameter__extension{color:#595959}
.swagger-ui .btn.cancel{border-color:#b71c1c;color:#b71c1c}
.swagger-ui .btn.execute{background-color:#1d5fa8;border-color:#1d5fa8}
.swagger-ui .download-contents{background:#4f5663}
.swagger-ui .markdown code,.swagger-ui .renderedMarkdown code{color:#6b0fc0}
.swagger-ui .btn.authorize{border-color:#137a47;color:#137a47}
.swagger-ui .btn.authorize svg{fill:#137a47}
.swagger-ui .microlight span[style*="rgb(211, 99, 99)"]{color:#f29191!important}
</style>
"#;

/// Names Swagger UI's unnamed controls as it draws them (it redraws as people open
/// operations, so this watches rather than runs once).
const NAMES: &str = r#"<main id="ui"></main>
<script>
(() => {
    const name = (selector, label) => {
        for (const element of document.querySelectorAll(selector)) {
            if (element.getAttribute('aria-label') !== label) element.setAttribute('aria-label', label);
        }
    };
    const mend = () => {
        name('#servers', 'Server');
        name('.copy-to-clipboard > button', 'Copy to clipboard');
        name('textarea.body-param__text', 'Request body');
        name('.opblock-section-request-body input[type=file]', 'Request body');
        name('.close-modal', 'Close');
        // Code that scrolls sideways must be reachable from the keyboard to be scrolled.
        for (const code of document.querySelectorAll('pre.microlight:not([tabindex])')) code.tabIndex = 0;
        // Its visible text ("Example Value", "Schema") is its name; the label hid it.
        for (const tab of document.querySelectorAll('.modal-btn[aria-label]')) tab.removeAttribute('aria-label');
        // Every operation's responses are a region; each needs its own name.
        for (const table of document.querySelectorAll('table.responses-table[role=region]')) {
            const operation = table.closest('.opblock');
            const method = operation?.querySelector('.opblock-summary-method')?.textContent ?? '';
            const path = operation?.querySelector('.opblock-summary-path')?.textContent ?? '';
            const label = `Responses of ${method} ${path}`.replace(/\u200b/g, '');
            if (table.getAttribute('aria-label') !== label) table.setAttribute('aria-label', label);
        }
    };
    new MutationObserver(mend).observe(document.getElementById('ui'), { childList: true, subtree: true });
})();
</script>"#;

/// The start of the inline `<script>` that holds the Swagger UI bundle.
const BUNDLE: &str = r#"<script charset="UTF-8">"#;

/// The bundled page with every mend made, or `None` if one of its places is not there.
fn mended(bundled: &str) -> Option<String> {
    let mut page = bundled.to_owned();
    replace(
        &mut page,
        At::First,
        r#"<html charset="UTF-8">"#,
        r#"<html lang="en">"#,
    )?;
    replace(
        &mut page,
        At::First,
        "<title>Swagger UI</title>",
        "<title>confab API</title>",
    )?;
    // After the bundle's own stylesheet, so that these rules win.
    replace(&mut page, At::First, BUNDLE, &format!("{CONTRAST}{BUNDLE}"))?;
    replace(&mut page, At::Last, r#"<div id="ui"></div>"#, NAMES)?;
    replace(
        &mut page,
        At::Last,
        "deepLinking: true,",
        "deepLinking: false,",
    )?;
    Some(page)
}

/// Which occurrence is replaced: the page's head comes first, its body's script last, and
/// the bundle in between may hold anything.
enum At {
    First,
    Last,
}

fn replace(page: &mut String, at: At, find: &str, with: &str) -> Option<()> {
    let start = match at {
        At::First => page.find(find)?,
        At::Last => page.rfind(find)?,
    };
    page.replace_range(start..start + find.len(), with);
    Some(())
}

/// The docs page, made by `bundled` on its first request (a megabyte and a half that an idle
/// server need not hold) and mended when it can be, with a Content-Security-Policy that allows
/// exactly its inline scripts by their hashes rather than weakening it with `'unsafe-inline'`.
pub fn endpoint(bundled: impl Fn() -> String + Send + Sync + 'static) -> impl Endpoint {
    let page: OnceLock<(bytes::Bytes, String)> = OnceLock::new();
    make_sync(move |_| {
        let (html, csp) = page.get_or_init(|| served(bundled()));
        Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_SECURITY_POLICY, csp.as_str())
            .body(html.clone())
    })
    .map_to_response()
}

/// The page as served, and its policy.
fn served(bundled: String) -> (bytes::Bytes, String) {
    let html = mended(&bundled).unwrap_or_else(|| {
        tracing::warn!("the bundled API docs page changed; it is served without its mends");
        bundled
    });
    let csp = format!(
        "default-src 'self'; script-src{}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        script_hashes(&html)
    );
    (bytes::Bytes::from(html), csp)
}

/// ` 'sha256-…'` for each inline `<script>` of the page.
fn script_hashes(html: &str) -> String {
    let mut hashes = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else {
            break;
        };
        let body_and_rest = &after_tag[open_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else {
            break;
        };
        let script = &body_and_rest[..close];
        hashes.push_str(&format!(
            " 'sha256-{}'",
            STANDARD.encode(Sha256::digest(script.as_bytes()))
        ));
        rest = &body_and_rest[close..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> String {
        super::super::described().swagger_ui_html()
    }

    #[test]
    fn the_bundled_page_is_mended_at_every_place() {
        let page = mended(&bundled()).expect("every place to mend is in the bundled page");
        assert!(page.starts_with("\n<html lang=\"en\">"));
        assert!(page.contains("<title>confab API</title>"));
        assert!(
            page.find(".btn.execute{background-color:#1d5fa8").unwrap()
                < page.find(BUNDLE).unwrap()
        );
        assert!(page.contains("<main id=\"ui\"></main>") && !page.contains("<div id=\"ui\">"));
        assert!(page.contains("deepLinking: false,") && !page.contains("deepLinking: true,"));
    }

    #[test]
    fn a_page_that_changed_is_not_mended_by_halves() {
        let changed = bundled().replace("deepLinking: true,", "deepLinking: !0,");
        assert_eq!(mended(&changed), None);
    }

    #[test]
    fn every_inline_script_is_allowed_by_its_hash() {
        let page = mended(&bundled()).unwrap();
        let hashes = script_hashes(&page);
        // The bundle, the names and the start-up script.
        assert_eq!(hashes.matches(" 'sha256-").count(), 3);
        let names = &NAMES
            [NAMES.find("<script>").unwrap() + "<script>".len()..NAMES.rfind("</script>").unwrap()];
        let expected = STANDARD.encode(Sha256::digest(names.as_bytes()));
        assert!(hashes.contains(&expected));
    }
}
