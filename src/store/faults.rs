//! A storage backend that can be told to fail, for proving what happens when the disk does:
//! writes that fail with an I/O error or "no space left", or an fsync that fails. Production
//! opens the file directly; tests open the same file through this wrapper and flip the switch.

use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};

/// Which operations fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Everything works.
    None = 0,
    /// Writes fail with an I/O error.
    WriteError = 1,
    /// Writes fail with "no space left on device".
    DiskFull = 2,
    /// Flushing to disk (fsync) fails.
    SyncError = 3,
    /// Reads fail too: the file cannot even be opened again.
    Unreadable = 4,
}

/// Shared switch: flip it from a test while the server runs.
#[derive(Clone, Default)]
pub struct FaultSwitch(Arc<AtomicU8>);

impl FaultSwitch {
    pub fn new() -> Self {
        FaultSwitch::default()
    }

    pub fn set(&self, fault: Fault) {
        self.0.store(fault as u8, Ordering::SeqCst);
    }

    pub(super) fn get(&self) -> Fault {
        match self.0.load(Ordering::SeqCst) {
            1 => Fault::WriteError,
            2 => Fault::DiskFull,
            3 => Fault::SyncError,
            4 => Fault::Unreadable,
            _ => Fault::None,
        }
    }
}

impl fmt::Debug for FaultSwitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultSwitch({:?})", self.get())
    }
}

/// The file backend, with failures on demand.
#[derive(Debug)]
pub struct FaultyBackend {
    inner: FileBackend,
    faults: FaultSwitch,
}

impl FaultyBackend {
    pub fn new(file: File, faults: FaultSwitch) -> Result<Self, redb::DatabaseError> {
        Ok(FaultyBackend {
            inner: FileBackend::new(file)?,
            faults,
        })
    }

    fn check_write(&self) -> io::Result<()> {
        match self.faults.get() {
            Fault::WriteError | Fault::Unreadable => Err(io::Error::other("injected write error")),
            Fault::DiskFull => Err(io::Error::from_raw_os_error(28)), // ENOSPC
            _ => Ok(()),
        }
    }
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        if self.faults.get() == Fault::Unreadable {
            return Err(io::Error::other("injected read error"));
        }
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.check_write()?;
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        if self.faults.get() == Fault::SyncError {
            return Err(io::Error::other("injected fsync error"));
        }
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.check_write()?;
        self.inner.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}
