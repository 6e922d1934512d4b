//! The data folder: created on first start, readable by its owner only, with errors an
//! operator can act on.

use std::path::Path;

use anyhow::Context;

use super::{Store, StoreError};

/// Opens (creating if needed) the data folder's store, with errors an operator can act on.
pub fn open_data_folder(data_dir: &Path) -> anyhow::Result<Store> {
    create_data_dir(data_dir)?;
    Store::open(data_dir).map_err(|err| match err {
        StoreError::AlreadyOpen => anyhow::anyhow!(
            "data folder {} is in use by another confab process; stop it or pass --data DIR",
            data_dir.display()
        ),
        other => anyhow::anyhow!(
            "cannot open data folder {}: {other}; pass --data DIR",
            data_dir.display()
        ),
    })
}

/// Creates the data folder if it is missing, readable by its owner only: it holds password
/// hashes and session keys.
pub fn create_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if data_dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .with_context(|| {
            format!(
                "cannot create data folder {}; pass --data DIR",
                data_dir.display()
            )
        })
}
