//! The seal: the archive's last entry, `archive.sha256`, holding the SHA-256 of every byte
//! before it. It always takes the same place, the last [`TAIL`] bytes of the file (its header,
//! its 64 hex digits padded to a block, and tar's two closing blocks of zeros), so a reader
//! finds it before reading anything else and knows how many bytes it covers.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use super::SEAL;

const BLOCK: usize = 512;
/// Bytes from the seal's header to the end of the archive.
pub const TAIL: u64 = 4 * BLOCK as u64;

/// The header of the seal entry.
pub fn header(mtime: u64) -> io::Result<tar::Header> {
    let mut header = tar::Header::new_ustar();
    header.set_path(SEAL)?;
    header.set_size(64);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    Ok(header)
}

/// Reads the seal from the last [`TAIL`] bytes: the hash they promise, or why they are not a
/// seal. Its header must be exactly the one [`header`] writes, byte for byte: tar's own
/// checksum reads some bytes loosely, and these bytes are not covered by the hash.
pub fn read(tail: &[u8]) -> Result<[u8; 32], String> {
    let missing = || "its closing seal is missing".to_owned();
    if tail.len() != TAIL as usize {
        return Err(missing());
    }
    let (head, rest) = tail.split_at(BLOCK);
    let mtime = tar::Header::from_byte_slice(head)
        .mtime()
        .map_err(|_| missing())?;
    match header(mtime) {
        Ok(expected) if expected.as_bytes().as_slice() == head => {}
        _ => return Err(missing()),
    }
    let (hex, zeros) = rest.split_at(64);
    if zeros.iter().any(|&b| b != 0) {
        return Err("bytes after its seal".to_owned());
    }
    std::str::from_utf8(hex)
        .ok()
        .and_then(crate::store::parse_digest)
        .ok_or_else(|| "its seal is unreadable".to_owned())
}

/// Hashes every byte written through it, for the seal.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The hash of everything written so far.
    pub fn hash(&self) -> [u8; 32] {
        self.hasher.clone().finalize().into()
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes the first `sealed` bytes read through it (those the seal covers), and counts all.
pub struct SealedReader<R> {
    inner: R,
    sealed: u64,
    read: u64,
    hasher: Sha256,
}

impl<R: Read> SealedReader<R> {
    pub fn new(inner: R, sealed: u64) -> Self {
        SealedReader {
            inner,
            sealed,
            read: 0,
            hasher: Sha256::new(),
        }
    }

    /// The hash of the sealed bytes, once all of them have been read.
    pub fn hash(&self) -> Option<[u8; 32]> {
        (self.read >= self.sealed).then(|| self.hasher.clone().finalize().into())
    }
}

impl<R: Read> Read for SealedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let covered = usize::try_from(self.sealed.saturating_sub(self.read))
            .unwrap_or(usize::MAX)
            .min(n);
        self.hasher.update(&buf[..covered]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Hashes and counts what is read through it: an entry as it is archived or read back.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            read: 0,
        }
    }

    /// How many bytes were read, and their hash.
    pub fn finish(self) -> (u64, [u8; 32]) {
        (self.read, self.hasher.finalize().into())
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}
