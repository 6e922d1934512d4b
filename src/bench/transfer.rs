//! The search scenario's history moved: the folder it built, exported whole
//! (`confab export --all`, with the server stopped) and imported into a new folder
//! (`confab import`, every entry and line checked before the one commit). Both are timed,
//! so a move of a large server has a figure to keep from growing.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use super::Row;
use crate::export::{self, Scope};
use crate::store::Store;

/// Exports the data folder at `data` and imports it into a new one; one row of both.
pub fn export_and_import(data: &Path) -> anyhow::Result<Row> {
    let scratch = tempfile::TempDir::new()?;
    let zip = scratch.path().join("everything.zip");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    let started = Instant::now();
    let written = {
        let store = Store::open(data)?;
        export::write(&store, data, &Scope::Server, &zip, now)?
    };
    let exporting = started.elapsed();
    let started = Instant::now();
    let imported = export::import(&zip, &scratch.path().join("imported"))?;
    let importing = started.elapsed();
    let messages = imported.counts.messages;
    let rate = |seconds: f64| messages as f64 / seconds.max(f64::EPSILON);
    let result = format!(
        "export {:.1} s ({:.0} messages/s), {}; import {:.1} s ({:.0} messages/s)",
        exporting.as_secs_f64(),
        rate(exporting.as_secs_f64()),
        crate::files::human_size(written.bytes),
        importing.as_secs_f64(),
        rate(importing.as_secs_f64()),
    );
    Ok(Row::new(
        "export",
        format!("the search scenario's {messages} messages, export --all then import"),
        result,
        json!({"messages": messages, "export_seconds": exporting.as_secs_f64(),
               "import_seconds": importing.as_secs_f64(), "zip_bytes": written.bytes}),
    ))
}
