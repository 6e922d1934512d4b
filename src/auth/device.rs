//! The device a session was started from, as people recognise it in their list of sessions:
//! "Firefox on Linux", from the `User-Agent` header, and the address it came from.

use std::net::IpAddr;

/// Bytes of a `User-Agent` kept with a session: enough for every real browser's.
const USER_AGENT_MAX: usize = 400;

/// Where a sign-in comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Device {
    pub fn new(ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|ua| cut(ua.trim(), USER_AGENT_MAX))
            .filter(|ua| !ua.is_empty())
            .map(str::to_owned);
        Device { ip, user_agent }
    }
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// "Firefox on Linux", "Safari on iOS", or "Unknown browser" for what is not a browser.
pub fn describe(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or("");
    match (browser(ua), os(ua)) {
        (Some(browser), Some(os)) => format!("{browser} on {os}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(os)) => format!("A browser on {os}"),
        (None, None) if ua.is_empty() => "Unknown device".to_owned(),
        (None, None) => cut(ua, 60).to_owned(),
    }
}

/// The browser's family. The order matters: Edge and Opera also say "Chrome", Chrome also
/// says "Safari".
fn browser(ua: &str) -> Option<&'static str> {
    const FAMILIES: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("HeadlessChrome/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    FAMILIES
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name)
}

fn os(ua: &str) -> Option<&'static str> {
    const SYSTEMS: &[(&str, &str)] = &[
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
        ("FreeBSD", "FreeBSD"),
    ];
    SYSTEMS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0",
                "Opera on ChromeOS",
            ),
            ("curl/8.5.0", "curl"),
        ];
        for (ua, want) in cases {
            assert_eq!(describe(Some(ua)), want, "{ua}");
        }
    }

    #[test]
    fn anything_else_is_shown_as_little_as_it_says() {
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(describe(Some("")), "Unknown device");
        assert_eq!(describe(Some("my-bot/1.0")), "my-bot/1.0");
        assert_eq!(describe(Some(&"é".repeat(100))).len(), 60);
    }

    #[test]
    fn a_long_user_agent_is_cut_at_a_character() {
        let device = Device::new(None, Some(&"é".repeat(1_000)));
        let kept = device.user_agent.unwrap();
        assert_eq!(kept.len(), USER_AGENT_MAX);
        assert_eq!(Device::new(None, Some("   ")).user_agent, None);
    }
}
