//! The audit log on `/admin`: a page of entries at a time, newest first, and the whole log as
//! JSON Lines (`/admin/audit.jsonl`), oldest first, read a page at a time as it is sent so a
//! long log costs the server no more memory than a short one. Nothing here can change it.

use bytes::Bytes;
use futures_util::stream;
use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, handler};

use super::admin_of;
use crate::store::Audited;
use crate::web::pages::{State, ago};

/// Entries on one page of the log.
const PAGE: usize = 50;
/// Entries read at a time for the download.
const CHUNK: usize = 500;

pub(super) async fn part(state: &State, before: Option<u64>) -> Markup {
    let now = state.clock.now_ms();
    let entries = state.auth.audit_newest(before, PAGE + 1).await;
    html! {
        section.card #audit aria-labelledby="audit-title" {
            h2 #audit-title { "Audit log" }
            p.muted {
                "Every administrative and moderation action: who did it, from where, and when. Entries are never changed or removed. "
                a href="/admin/audit.jsonl" download { "Download the whole log" }
                " (JSON Lines)."
            }
            @match &entries {
                Err(_) => p.muted { "The audit log cannot be read right now." },
                Ok(entries) if entries.is_empty() => p.muted { "Nothing has been done yet." },
                Ok(entries) => {
                    div.table-scroll {
                        table.admin-table #audit-log {
                            thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "From" } th scope="col" { "Action" } th scope="col" { "To" } } }
                            tbody {
                                @for audited in entries.iter().take(PAGE) {
                                    (row(audited, now))
                                }
                            }
                        }
                    }
                    @if entries.len() > PAGE {
                        @if let Some(last) = entries.get(PAGE - 1) {
                            p { a href={ "/admin?before=" (last.id) "#audit" } { "Older entries" } }
                        }
                    }
                }
            }
        }
    }
}

fn row(audited: &Audited, now: u64) -> Markup {
    let entry = &audited.entry;
    html! {
        tr {
            td { time datetime=(entry.at) title=(entry.at) { (ago(now, entry.at)) } }
            td { (entry.by) }
            td { (entry.from) }
            td { code { (entry.action) } @if let Some(detail) = &entry.detail { " " (detail) } }
            td { (entry.target) }
        }
    }
}

/// One line of the download: the entry with its id.
fn line(audited: &Audited) -> Bytes {
    let mut value = serde_json::to_value(&audited.entry).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("id".into(), audited.id.into());
    }
    let mut line = value.to_string();
    line.push('\n');
    Bytes::from(line)
}

#[handler]
pub async fn download_audit(req: &Request, state: Data<&State>) -> Response {
    if let Err(answer) = admin_of(&state, req).await {
        return answer;
    }
    let state = State::clone(&state);
    // Pages of the log after the last id sent; a page that cannot be read ends the download
    // short, which the client sees as a broken transfer rather than a complete log.
    let pages = stream::unfold(Some(0u64), move |after| {
        let state = State::clone(&state);
        async move {
            let after = after?;
            match state.auth.audit_oldest(after, CHUNK).await {
                Ok(entries) if entries.is_empty() => None,
                Ok(entries) => {
                    let next = entries.last().map(|audited| audited.id);
                    let mut chunk = Vec::new();
                    for audited in &entries {
                        chunk.extend_from_slice(&line(audited));
                    }
                    Some((Ok(Bytes::from(chunk)), next))
                }
                Err(err) => Some((Err(std::io::Error::other(err.to_string())), None)),
            }
        }
    });
    Body::from_bytes_stream(pages)
        .into_response()
        .with_content_type("application/x-ndjson; charset=utf-8")
        .with_header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"confab-audit.jsonl\"",
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}
