//! `/files/ID/NAME` and `/previews/ID`: attached files, to people who may read their room
//! (`files::download` decides). Nothing served here can run in this site's origin: the type is
//! one `files::names` made safe, `nosniff` keeps the browser to it, everything but a picture
//! the server read is an attachment, and the `sandbox` policy leaves a file opened on its own
//! no script, no origin and no network. Single byte ranges are honoured, so a video seeks and a
//! large download resumes.

use std::io::SeekFrom;
use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::errors::Failure;
use crate::files::download::{Download, Part};
use crate::files::names::content_disposition;
use crate::files::{FileError, parse_file_id};
use crate::web::AppState;
use crate::web::security::error_response;

/// What a file opened on its own may do: nothing.
const FILE_CSP: &str = "sandbox; default-src 'none'";
/// Kept in the browser of the person who may read it, not in shared caches; an hour, since
/// leaving a room ends the right to its files.
const CACHE_CONTROL: &str = "private, max-age=3600";

/// The bytes a `Range` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// No range, several, or one the server does not read: the whole file.
    Whole,
    /// From the first byte to the last, both included.
    Part(u64, u64),
    /// A range that starts past the end.
    Unsatisfiable,
}

/// Reads a `Range` header for a file of `size` bytes: one `bytes=` range, `a-b`, `a-` or
/// `-n` (the last n bytes).
pub fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let number = |text: &str| {
        let text = text.trim();
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    match (number(first), number(last), last.trim().is_empty()) {
        (None, Some(suffix), _) if first.trim().is_empty() => {
            if suffix == 0 || size == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part(size.saturating_sub(suffix), size - 1)
            }
        }
        (Some(start), _, true) if start < size => Wanted::Part(start, size - 1),
        (Some(start), Some(end), false) if start <= end && start < size => {
            Wanted::Part(start, end.min(size - 1))
        }
        (Some(start), None, true) | (Some(start), Some(_), false) if start >= size => {
            Wanted::Unsatisfiable
        }
        _ => Wanted::Whole,
    }
}

#[handler]
pub async fn serve_file(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((id, _name)): Path<(String, String)>,
) -> poem::Result<Response> {
    serve(req, &state, &id, Part::Original).await
}

#[handler]
pub async fn serve_preview(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    serve(req, &state, &id, Part::Preview).await
}

async fn serve(req: &Request, state: &AppState, id: &str, part: Part) -> poem::Result<Response> {
    let session = match state.session(req).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(poem::Error::from_status(StatusCode::UNAUTHORIZED)),
        Err(_) => return Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE)),
    };
    let refused = |err: FileError| Ok(error_response(req.uri().path(), &Failure::from(&err)));
    let Some(id) = parse_file_id(id) else {
        return refused(FileError::NotFound);
    };
    let download = match state.files.download(session.actor(), id, part).await {
        Ok(download) => download,
        Err(err) => return refused(err),
    };
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    match respond(&download, wanted(range, download.size)).await {
        Ok(response) => Ok(response),
        Err(err) => refused(FileError::Io(err)),
    }
}

async fn respond(download: &Download, wanted: Wanted) -> std::io::Result<Response> {
    let size = download.size;
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, download.mime.as_str())
        .header(
            header::CONTENT_DISPOSITION,
            content_disposition(&download.name, download.inline),
        )
        .header(header::CONTENT_SECURITY_POLICY, FILE_CSP)
        .header("cross-origin-resource-policy", "same-origin")
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, format!("\"{}\"", download.etag));
    let (start, end) = match wanted {
        Wanted::Unsatisfiable => {
            return Ok(builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty()));
        }
        Wanted::Whole => (0, size.saturating_sub(1)),
        Wanted::Part(start, end) => {
            builder = builder
                .status(StatusCode::PARTIAL_CONTENT)
                .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
            (start, end)
        }
    };
    let length = if size == 0 { 0 } else { end - start + 1 };
    let mut file = tokio::fs::File::open(&download.path).await?;
    file.seek(SeekFrom::Start(start)).await?;
    Ok(builder
        .header(header::CONTENT_LENGTH, length)
        .body(Body::from_async_read(file.take(length))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_range_is_read_and_anything_else_is_the_whole_file() {
        let size = 1000;
        assert_eq!(wanted(None, size), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-99"), size), Wanted::Part(0, 99));
        assert_eq!(wanted(Some("bytes=900-"), size), Wanted::Part(900, 999));
        assert_eq!(wanted(Some("bytes=-100"), size), Wanted::Part(900, 999));
        assert_eq!(wanted(Some("bytes=-5000"), size), Wanted::Part(0, 999));
        assert_eq!(wanted(Some("bytes=990-5000"), size), Wanted::Part(990, 999));
        assert_eq!(wanted(Some("bytes=1000-"), size), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=1000-1001"), size), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), size), Wanted::Unsatisfiable);
        for whole in [
            "bytes=0-1,5-6",
            "bytes=5-1",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
            "bytes=18446744073709551616-",
        ] {
            assert_eq!(wanted(Some(whole), size), Wanted::Whole, "{whole}");
        }
    }
}
