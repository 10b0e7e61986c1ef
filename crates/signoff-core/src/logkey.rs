//! The activity log's key, and the head recorded beside it: the only files
//! under the data directory the core writes besides the vault's.
//!
//! `<data>/log-key/` (mode 0700) holds:
//! - `checkpoint.key`: 32 random bytes as hex, mode 0600, created once (on
//!   first use of a workspace, or when a database from before the
//!   checkpoint is first opened) and never rewritten. The store keys the
//!   log's checkpoint with it (`activity::checkpoint_mac`). It is never in
//!   the database, so someone who edits only the database cannot make a
//!   checkpoint for the log they made.
//! - `head`: the newest checkpoint, copied after each commit. The database
//!   can be replaced by an older copy of itself, whose checkpoint is
//!   genuine; this copy outside it shows that the log once went further.
//!   It is written best effort, after the commit and without waiting for
//!   the disk: it may lag behind the database (harmless), never lead it.
//!   One fixed-length line (`seq` padded to 20 digits, hash, HMAC), so it
//!   is overwritten in place.
//!
//! The folder is a sibling of `signoff-signature`'s `identity/`, not inside
//! it: that crate owns its folder, and the core does not depend on it.
//! What this protects against, and what not, is in ARCHITECTURE.md.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

use crate::activity::{Checkpoint, checkpoint_mac, checkpoint_verifies};
use crate::error::{Error, Result};
use crate::template::hex;

/// The key folder's name inside the data directory.
pub const DIR: &str = "log-key";
/// The key file's name inside [`DIR`].
pub const KEY_FILE: &str = "checkpoint.key";
/// The copy of the newest checkpoint inside [`DIR`].
pub const HEAD_FILE: &str = "head";

/// The log key (the bytes are never printed).
#[derive(Clone)]
pub struct LogKey {
    key: [u8; 32],
    dir: PathBuf,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// What opening the workspace found of the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    Present,
    Missing,
    Unreadable(String),
}

impl LogKey {
    pub fn bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// A checkpoint for entry `seq` with hash `hash`.
    pub fn checkpoint(&self, seq: i64, hash: &str) -> Checkpoint {
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            mac: checkpoint_mac(&self.key, seq, hash),
        }
    }

    /// Copies a committed checkpoint to `head`, if it is newer than the copy
    /// there. Best effort: a failure only leaves the copy behind.
    pub(crate) fn record_head(&self, cp: &Checkpoint) {
        if let Some(Ok(old)) = read_head(&self.dir)
            && old.seq >= cp.seq
            && checkpoint_verifies(&self.key, &old)
        {
            return;
        }
        // A fixed-length record, overwritten in place: no truncation and no
        // rename, which on ext4 would make the kernel flush the file with the
        // next commit (`auto_da_alloc`) and double the tail of the persist
        // time. A torn record (crash mid-write) reads as unreadable: a note.
        let text = format!("{:020} {} {}\n", cp.seq, cp.hash, cp.mac);
        let path = self.dir.join(HEAD_FILE);
        let overwritten = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if overwritten.is_err() {
            let tmp = self
                .dir
                .join(format!(".{HEAD_FILE}.{}.tmp", std::process::id()));
            if write_private(&tmp, text.as_bytes(), false).is_ok() {
                let _ = fs::rename(&tmp, &path);
            }
            let _ = fs::remove_file(&tmp);
        }
    }
}

/// Reads the key in `dir` (`None` when there is no key file; an error
/// string when the file is there but is not a key).
pub fn load(dir: &Path) -> std::result::Result<Option<LogKey>, String> {
    let path = dir.join(KEY_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let text = text.trim();
    let bytes = (text.len() == 64)
        .then(|| {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .flatten()
        .ok_or_else(|| "it is not 64 hexadecimal digits".to_owned())?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes);
    Ok(Some(LogKey {
        key,
        dir: dir.to_owned(),
    }))
}

/// Creates the key in `dir` (0700) as a 0600 file, atomically: it is
/// written under a temporary name and linked into place, which fails if
/// another process made one meanwhile; then that one is used.
pub fn create(dir: &Path) -> Result<LogKey> {
    let ctx = |what: &str| format!("{what} the log key in {}", dir.display());
    fs::create_dir_all(dir).map_err(|e| Error::io(ctx("creating"), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(ctx("securing"), e))?;
    }
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let tmp = dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    write_private(&tmp, format!("{}\n", hex(&key)).as_bytes(), true)
        .map_err(|e| Error::io(ctx("writing"), e))?;
    let linked = fs::hard_link(&tmp, dir.join(KEY_FILE));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(LogKey {
                key,
                dir: dir.to_owned(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load(dir)
            .map_err(|why| Error::Invalid(format!("{}: {why}", dir.join(KEY_FILE).display())))?
            .ok_or_else(|| Error::io(ctx("reading"), e)),
        Err(e) => Err(Error::io(ctx("writing"), e)),
    }
}

/// The checkpoint copied to `head` (`None` if there is none yet).
pub fn read_head(dir: &Path) -> Option<std::result::Result<Checkpoint, String>> {
    let text = fs::read_to_string(dir.join(HEAD_FILE)).ok()?;
    let mut parts = text.split_whitespace();
    let parsed = (|| {
        let seq = parts.next()?.parse().ok()?;
        let hash = parts.next()?.to_owned();
        let mac = parts.next()?.to_owned();
        Some(Checkpoint { seq, hash, mac })
    })();
    Some(parsed.ok_or_else(|| format!("{} is unreadable", dir.join(HEAD_FILE).display())))
}

/// Writes a new file readable by its owner only (never, even for an
/// instant, by anyone else).
fn write_private(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    if sync {
        f.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_private_created_once_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kdir = dir.path().join(DIR);
        assert!(load(&kdir).expect("load").is_none());
        let a = create(&kdir).expect("create");
        let b = create(&kdir).expect("second create uses the first key");
        assert_eq!(a.bytes(), b.bytes());
        assert_eq!(load(&kdir).expect("load").expect("key").bytes(), a.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&kdir), 0o700);
            assert_eq!(mode(&kdir.join(KEY_FILE)), 0o600);
        }
        assert!(!format!("{a:?}").contains(&hex(a.bytes())), "never printed");
        fs::write(kdir.join(KEY_FILE), "short\n").expect("write");
        assert!(load(&kdir).is_err());
    }

    #[test]
    fn the_head_copy_only_moves_forward() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = create(&dir.path().join(DIR)).expect("create");
        key.record_head(&key.checkpoint(5, "h5"));
        key.record_head(&key.checkpoint(4, "h4"));
        let head = read_head(&dir.path().join(DIR))
            .expect("some")
            .expect("readable");
        assert_eq!((head.seq, head.hash.as_str()), (5, "h5"));
    }
}
