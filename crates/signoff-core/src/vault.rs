//! The evidence vault: the only code that writes under `<data>/evidence`.
//!
//! Files are content-addressed: the bytes with SHA-256 `abcd…` live at
//! `evidence/sha256/ab/abcd…`, so the same bytes are stored once however
//! many items cite them. A file is streamed (1 MiB at a time, hashed as it
//! is copied) into `evidence/tmp/`, fsync'd, made read-only and renamed into
//! place, then the directory is fsync'd: a crash leaves either no file or a
//! whole one, never a partial file under `sha256/`. Stored files are never
//! modified or deleted by this module's callers' removals (see `evidence`).
//!
//! The vault knows nothing about runs or items; the store records which
//! evidence cites which blob.

use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::template::hex;

const CHUNK: usize = 1 << 20;
/// How many leading bytes are kept to recognise the file type.
pub const SNIFF_LEN: usize = 8 << 10;

#[derive(Debug, Clone)]
pub struct Vault {
    root: PathBuf,
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// The first bytes of the content, for type detection.
    pub head: Vec<u8>,
}

impl Vault {
    /// Opens the vault under `root`, creating its folders, and removes the
    /// temporary files of imports whose writer is gone (killed mid-import):
    /// every start cleans up after a crash.
    pub fn open(root: &Path) -> Result<Vault> {
        for dir in [root.join("sha256"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(|e| Error::DataDir {
                path: dir.clone(),
                reason: e.to_string(),
            })?;
        }
        let vault = Vault {
            root: root.to_owned(),
        };
        vault.clean_stale_temps();
        Ok(vault)
    }

    /// Where the blob with this hash lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let fan = sha256.get(..2).unwrap_or("xx");
        self.root.join("sha256").join(fan).join(sha256)
    }

    /// Checks that `src` is a readable regular file; returns its size.
    pub fn check_source(src: &Path) -> Result<u64> {
        open_source(src).map(|(_, size)| size)
    }

    /// Streams a file into the vault. `progress(done, total)` is called as
    /// bytes are copied. The source is only read.
    pub fn store_file(&self, src: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<StoredBlob> {
        let (file, size) = open_source(src)?;
        self.store_reader(file, size, progress)
            .map_err(|e| match e {
                Error::Io { source, .. } if source.kind() != ErrorKind::StorageFull => {
                    Error::Input {
                        path: src.to_owned(),
                        reason: format!("could not be stored: {source}"),
                    }
                }
                other => other,
            })
    }

    /// Stores bytes held in memory (a pasted screenshot).
    pub fn store_bytes(&self, bytes: &[u8]) -> Result<StoredBlob> {
        self.store_reader(bytes, bytes.len() as u64, &mut |_, _| {})
    }

    fn store_reader(
        &self,
        mut src: impl Read,
        expected: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<StoredBlob> {
        self.clean_stale_temps();
        let temp = TempFile::create(&self.root.join("tmp"))?;
        let mut out = &temp.file;
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("reading the source file", e)),
            };
            let chunk = &buf[..n];
            hasher.update(chunk);
            if head.len() < SNIFF_LEN {
                let take = (SNIFF_LEN - head.len()).min(n);
                head.extend_from_slice(&chunk[..take]);
            }
            out.write_all(chunk)
                .map_err(|e| Error::io("writing evidence into the vault", e))?;
            size += n as u64;
            progress(size, expected.max(size));
        }
        temp.file
            .sync_all()
            .map_err(|e| Error::io("flushing evidence to disk", e))?;
        let sha256 = hex(&hasher.finalize());
        let dest = self.path_of(&sha256);
        let parent = dest.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&parent).map_err(|e| Error::io("creating a vault folder", e))?;
        let already = fs::metadata(&dest)
            .map(|m| m.len() == size)
            .unwrap_or(false);
        if !already {
            let mut perms = temp
                .file
                .metadata()
                .map_err(|e| Error::io("reading the temporary file", e))?
                .permissions();
            perms.set_readonly(true);
            fs::set_permissions(&temp.path, perms)
                .map_err(|e| Error::io("making the evidence file read-only", e))?;
            fs::rename(&temp.path, &dest)
                .map_err(|e| Error::io("moving evidence into place", e))?;
            sync_dir(&parent)?;
        }
        drop(temp); // removes the temporary file if it was not renamed
        Ok(StoredBlob { sha256, size, head })
    }

    /// Reads a stored blob whole, refusing blobs over `max` bytes.
    pub fn read(&self, sha256: &str, max: u64) -> Result<Vec<u8>> {
        let path = self.path_of(sha256);
        let size = fs::metadata(&path)
            .map_err(|e| Error::io(format!("reading stored evidence {sha256}"), e))?
            .len();
        if size > max {
            return Err(Error::Invalid(format!(
                "the evidence is {size} bytes; previews are limited to {max} bytes"
            )));
        }
        fs::read(&path).map_err(|e| Error::io(format!("reading stored evidence {sha256}"), e))
    }

    /// Re-reads a stored blob; returns a description of what is wrong with
    /// it, or `None` if its bytes still hash to `sha256` and `size`.
    pub fn check(&self, sha256: &str, size: u64) -> Option<String> {
        let path = self.path_of(sha256);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Some(format!("the file is missing ({})", path.display()));
            }
            Err(e) => return Some(format!("cannot read {}: {e}", path.display())),
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut n_total = 0u64;
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    n_total += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Some(format!("cannot read {}: {e}", path.display())),
            }
        }
        let actual = hex(&hasher.finalize());
        if actual != sha256 {
            Some(format!(
                "its content changed: it now hashes to {actual} ({n_total} bytes, {size} recorded) ({})",
                path.display()
            ))
        } else if n_total != size {
            Some(format!("its size is {n_total} bytes, {size} recorded"))
        } else {
            None
        }
    }

    /// Hashes of every blob file present on disk.
    pub fn stored_hashes(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let top = self.root.join("sha256");
        for fan in fs::read_dir(&top).map_err(|e| Error::io("listing the vault", e))? {
            let fan = fan.map_err(|e| Error::io("listing the vault", e))?;
            if !fan.path().is_dir() {
                continue;
            }
            for f in fs::read_dir(fan.path()).map_err(|e| Error::io("listing the vault", e))? {
                let f = f.map_err(|e| Error::io("listing the vault", e))?;
                out.push(f.file_name().to_string_lossy().into_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Temporary files left by an interrupted import whose writer is gone.
    pub fn stale_temps(&self) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(self.root.join("tmp")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                // A live writer holds an exclusive lock on its temp file.
                File::open(p).map(|f| f.try_lock().is_ok()).unwrap_or(false)
            })
            .collect()
    }

    fn clean_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(self.root.join("tmp")) else {
            return;
        };
        for p in entries.flatten().map(|e| e.path()) {
            // Removed while this lock is held: a writer that was about to
            // lock it gets the lock only after, sees the name gone
            // (`still_named`) and makes another.
            if let Ok(f) = File::open(&p)
                && f.try_lock().is_ok()
            {
                let _ = fs::remove_file(&p);
            }
        }
    }
}

/// A temporary file, locked while written and removed on drop unless it
/// was renamed away.
struct TempFile {
    path: PathBuf,
    file: File,
}

impl TempFile {
    fn create(dir: &Path) -> Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // Between creating the file and locking it, a process that is
        // starting may take it for a killed import's and remove it; then the
        // name no longer leads to this file, and another one is made.
        let mut attempt = 0;
        loop {
            let path = dir.join(format!(
                "{}-{}-{nanos}.part",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            let file = File::options()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| match e.kind() {
                    ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => Error::DataDir {
                        path: dir.to_owned(),
                        reason: format!("cannot write evidence there: {e}"),
                    },
                    _ => Error::io(format!("creating a temporary file in {}", dir.display()), e),
                })?;
            file.lock()
                .map_err(|e| Error::io("locking a temporary file", e))?;
            attempt += 1;
            if still_named(&file, &path) || attempt >= 10 {
                return Ok(TempFile { path, file });
            }
        }
    }
}

/// Whether `path` still names the open `file` (another process may have
/// removed it). Where files cannot be removed while open, it always does.
/// The vault's staging files and the report writers' temp files both check it.
pub fn still_named(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("flushing a vault folder", e))?;
    let _ = dir;
    Ok(())
}

/// Opens a file someone handed to Signoff (evidence, a checklist) for
/// reading, refusing anything but a regular file: a directory, a device
/// such as `/dev/zero` (also behind a symlink), a FIFO or a socket, each of
/// which would be read for ever or block. The file is opened non-blocking,
/// so a FIFO swapped in after the first check cannot hang the open, and its
/// type is checked again on the open descriptor, so what is read is what
/// was checked. Returns the file and its size. The one place that decides
/// what may be read as input; evidence and template import both call it.
pub fn open_source(src: &Path) -> Result<(File, u64)> {
    let bad = |reason: String| Error::Input {
        path: src.to_owned(),
        reason,
    };
    let regular = |meta: &fs::Metadata| {
        if meta.is_dir() {
            Err(bad("is a directory, not a file".into()))
        } else if !meta.is_file() {
            Err(bad(
                "is not a regular file (a device, socket or pipe)".into()
            ))
        } else {
            Ok(())
        }
    };
    // The path's metadata first: opening a socket fails with an error that
    // says less than this check does.
    regular(&fs::metadata(src).map_err(|e| bad(describe_read_error(&e)))?)?;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Has no effect on reading a regular file.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(src)
        .map_err(|e| bad(describe_read_error(&e)))?;
    let meta = file.metadata().map_err(|e| bad(describe_read_error(&e)))?;
    regular(&meta)?;
    Ok((file, meta.len()))
}

fn describe_read_error(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied: Signoff cannot read this file".into(),
        ErrorKind::IsADirectory => "is a directory, not a file".into(),
        _ => format!("cannot be read: {e}"),
    }
}
