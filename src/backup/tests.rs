use std::path::{Path, PathBuf};

use redb::Durability;
use tempfile::TempDir;

use super::*;
use crate::files::blobs::Blobs;
use crate::store::{Store, UploadRecord, UploadState};

/// A data folder with an account, an upload (its bytes stored) and a cached certificate.
struct Folder {
    dir: TempDir,
    store: Store,
    bytes: Vec<u8>,
}

fn folder() -> Folder {
    let dir = TempDir::new().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.create_user("alice", "hash", 1, false).unwrap();
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let stored = Blobs::open(dir.path()).unwrap().put(&bytes).unwrap();
    let record = UploadRecord {
        uploader: 1,
        room_id: 1,
        digest: stored.digest.0,
        size: stored.size,
        name: "notes.bin".into(),
        mime: "application/octet-stream".into(),
        created: 1,
        pixels: None,
        preview: None,
        state: UploadState::Unsent { since: 1 },
    };
    store
        .transact(Durability::Immediate, 1, |tx| tx.add_upload(7, &record))
        .unwrap();
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    std::fs::write(dir.path().join("acme/cached_cert_abc"), b"-----BEGIN-----").unwrap();
    std::fs::write(dir.path().join("acme/.cached_cert_abc.tmp"), b"half").unwrap();
    Folder { dir, store, bytes }
}

fn backup(folder: &Folder) -> (PathBuf, Written) {
    let dest = folder.dir.path().join("backup.tar");
    let written = write(&folder.store, folder.dir.path(), &dest, 1_700_000_000_000).unwrap();
    (dest, written)
}

fn verify_it(archive: &Path) -> Result<Checked, BackupError> {
    verify(archive, &[archive.parent().unwrap()])
}

#[test]
fn a_backup_verifies_and_restores_to_the_same_data() {
    let folder = folder();
    let (archive, written) = backup(&folder);
    assert_eq!(written.census.rows("users"), 1);
    assert_eq!(written.census.files.len(), 1);
    // Nothing but the archive is left beside it.
    let beside: Vec<_> = std::fs::read_dir(folder.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("backup"))
        .collect();
    assert_eq!(beside, ["backup.tar"]);
    // It holds password hashes and session keys.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let checked = verify_it(&archive).unwrap();
    assert_eq!(checked.census, written.census);
    assert_eq!(checked.manifest.created_ms, 1_700_000_000_000);

    let target = TempDir::new().unwrap();
    let data = target.path().join("restored");
    restore(&archive, &data).unwrap();
    let restored = Store::open(&data).unwrap();
    assert!(restored.find_user("alice").unwrap().is_some());
    let hex = crate::store::digest_hex(&written.census.files[0]);
    let file = data.join("files").join(&hex[..2]).join(&hex);
    assert_eq!(std::fs::read(file).unwrap(), folder.bytes);
    assert_eq!(
        std::fs::read(data.join("acme/cached_cert_abc")).unwrap(),
        b"-----BEGIN-----"
    );
    assert!(!data.join("acme/.cached_cert_abc.tmp").exists());
    // Only the data folder was made beside it: no scratch or staging folder is left.
    assert_eq!(std::fs::read_dir(target.path()).unwrap().count(), 1);

    // An empty folder that exists already (a mount point) is filled in place.
    let mounted = TempDir::new().unwrap();
    restore(&archive, mounted.path()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(mounted.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["acme", "confab.redb", "files"]);
    assert!(
        Store::open(mounted.path())
            .unwrap()
            .find_user("alice")
            .unwrap()
            .is_some()
    );
}

#[test]
fn any_changed_byte_is_refused() {
    let folder = folder();
    let (archive, _) = backup(&folder);
    let original = std::fs::read(&archive).unwrap();
    let len = original.len();
    // Every byte of the seal and the closing zeros, every third byte before them (the files'
    // padding, the manifest), and bytes spread over the rest (headers, the database, a file).
    let positions = (len - seal::TAIL as usize..len)
        .chain((len.saturating_sub(6 * 1024)..len).step_by(3))
        .chain((0..len).step_by(4093))
        .chain([0, 100, 148, 511, 512, len - 1]);
    let damaged = folder.dir.path().join("damaged.tar");
    for at in positions {
        let mut bytes = original.clone();
        bytes[at] ^= 0x20;
        std::fs::write(&damaged, &bytes).unwrap();
        let err = verify_it(&damaged).expect_err(&format!("a change at byte {at} of {len}"));
        assert!(
            matches!(
                err,
                BackupError::Damaged { .. } | BackupError::NotABackup { .. }
            ),
            "byte {at}: {err}"
        );
    }
}

#[test]
fn a_cut_short_archive_is_refused() {
    let folder = folder();
    let (archive, _) = backup(&folder);
    let original = std::fs::read(&archive).unwrap();
    let cut = folder.dir.path().join("cut.tar");
    for keep in [
        0,
        100,
        512,
        original.len() / 2,
        original.len() - 1024,
        original.len() - 1,
    ] {
        std::fs::write(&cut, &original[..keep]).unwrap();
        let err = verify_it(&cut).expect_err(&format!("cut at {keep}"));
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}

#[test]
fn restore_never_writes_into_a_folder_that_is_not_empty() {
    let folder = folder();
    let (archive, _) = backup(&folder);
    let target = TempDir::new().unwrap();
    std::fs::write(target.path().join("keep.txt"), b"mine").unwrap();
    let err = restore(&archive, target.path()).unwrap_err();
    assert!(matches!(err, BackupError::NotEmpty { .. }), "{err}");
    let names: Vec<_> = std::fs::read_dir(target.path()).unwrap().collect();
    assert_eq!(names.len(), 1);

    // A damaged archive leaves nothing behind either.
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&archive, bytes).unwrap();
    let empty = TempDir::new().unwrap();
    let data = empty.path().join("data");
    assert!(restore(&archive, &data).is_err());
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn an_archive_naming_a_path_outside_the_folder_is_refused() {
    let dir = TempDir::new().unwrap();
    for hostile in [
        "../evil",
        "files/../../evil",
        "acme/../evil",
        "/etc/evil",
        "acme/a/b",
    ] {
        let archive = dir.path().join("hostile.tar");
        sealed_archive(&archive, hostile);
        let data = dir.path().join("data");
        let err = restore(&archive, &data).unwrap_err();
        assert!(
            matches!(err, BackupError::NotABackup { .. }),
            "{hostile}: {err}"
        );
        assert!(!dir.path().join("evil").exists());
        assert!(!data.exists());
    }
}

/// A sealed archive holding one entry of this name, as a hostile one would be made.
fn sealed_archive(path: &Path, name: &str) {
    let out = std::fs::File::create(path).unwrap();
    let mut archive = tar::Builder::new(seal::HashingWriter::new(out));
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    header.set_entry_type(tar::EntryType::Regular);
    // Written byte for byte, as a hostile archive would be: the builder refuses `..`.
    let raw = &mut header.as_old_mut().name;
    raw[..name.len()].copy_from_slice(name.as_bytes());
    header.set_cksum();
    archive.append(&header, &b"evil"[..]).unwrap();
    let sealed = crate::store::digest_hex(&archive.get_ref().hash());
    archive
        .append(&seal::header(0).unwrap(), sealed.as_bytes())
        .unwrap();
    archive.finish().unwrap();
}
