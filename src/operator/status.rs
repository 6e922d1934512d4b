//! `confab status`: what the running server says of itself, read over its control socket.

use super::actions::format_utc;
use crate::config::VERSION;
use crate::web::AppState;

/// A few lines: the version, how long it has run, its sockets and rooms, and its last commit.
pub fn describe(state: &AppState, now_ms: u64) -> String {
    let metrics = &state.metrics;
    let started_ms = metrics.started_at() * 1000;
    let hub = &state.chat.hub;
    let committed = metrics.committed();
    let last = match u64::try_from(committed.last_at.get()) {
        Ok(at) if at > 0 => format!(
            "{} ago ({} UTC)",
            span(now_ms.saturating_sub(at)),
            format_utc(at)
        ),
        _ => "none since it started".to_owned(),
    };
    format!(
        "confab {VERSION}, serving {}\n\
         up {} (since {} UTC)\n\
         sockets open: {}; rooms live: {}\n\
         last commit: {last}; messages stored since it started: {}",
        state.store.path().display(),
        span(now_ms.saturating_sub(started_ms)),
        format_utc(started_ms),
        hub.socket_count(),
        hub.live_rooms(),
        committed.messages.get(),
    )
}

/// A length of time in its two largest units: `3 d 4 h`, `12 min 5 s`, `2 s`.
fn span(ms: u64) -> String {
    let secs = ms / 1000;
    let units = [(86_400, "d"), (3600, "h"), (60, "min"), (1, "s")];
    let parts: Vec<String> = units
        .iter()
        .scan(secs, |left, &(size, name)| {
            let n = *left / size;
            *left %= size;
            Some((n, name))
        })
        .skip_while(|(n, _)| *n == 0)
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, name)| format!("{n} {name}"))
        .collect();
    if parts.is_empty() {
        "0 s".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_read_in_their_two_largest_units() {
        assert_eq!(span(0), "0 s");
        assert_eq!(span(2_400), "2 s");
        assert_eq!(span(725_000), "12 min 5 s");
        assert_eq!(span((3 * 86_400 + 4 * 3600 + 59) * 1000), "3 d 4 h");
        assert_eq!(span(86_400_000), "1 d");
    }
}
