use thiserror::Error;

/// Everything that can go wrong below the storage seam.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the database is already open in another process")]
    AlreadyOpen,
    #[error(
        "the data folder was written by a newer confab (schema {found}, this build knows {known})"
    )]
    NewerSchema { found: u64, known: u64 },
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
    #[error("that username is taken")]
    UsernameTaken,
    #[error("the database is being reopened after a failed write")]
    Unavailable,
    #[error("not found")]
    NotFound,
    /// A change would leave the server with no admin who can sign in.
    #[error("the server would have no admin left; promote someone else first")]
    LastAdmin,
    /// An import would write something twice, or name something that is not there.
    #[error("{0}")]
    Conflict(String),
    #[error("storage error: {0}")]
    Db(#[from] redb::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

macro_rules! via_redb_error {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StoreError {
            fn from(err: $ty) -> Self {
                StoreError::Db(err.into())
            }
        }
    )*};
}

via_redb_error!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::SetDurabilityError
);

impl From<redb::DatabaseError> for StoreError {
    fn from(err: redb::DatabaseError) -> Self {
        match err {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen,
            other => StoreError::Db(other.into()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}
