//! The activity log's hash chain, as pure functions. Each entry's hash is
//! SHA-256 over the previous entry's hash and the entry's own fields, so
//! changing, removing or reordering any entry breaks every hash after it.
//! The store appends entries (in the same transaction as the change they
//! record); `doctor` and the report verifier recompute the chain with these.
//!
//! The chain alone cannot show that its newest entries were deleted, or that
//! someone rewrote entries and recomputed every hash after them (the hash is
//! unkeyed). The **checkpoint** closes that gap: an HMAC-SHA256, keyed by a
//! secret kept outside the database (`logkey`), over the newest entry's
//! number and hash, updated with every append. [`check_head`] judges a log
//! against its checkpoint.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::model::ActivityEntry;
use crate::template::hex;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry with these fields, chained to `prev_hash`.
///
/// The input is a JSON array, which gives every field an unambiguous
/// boundary (no two different entries serialise to the same bytes).
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> String {
    let canonical = serde_json::json!([prev_hash, seq, at, actor, action, subject, details]);
    hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

/// Whether an entry's stored hash is the hash of its own fields.
pub fn entry_is_intact(e: &ActivityEntry) -> bool {
    entry_hash(
        &e.prev_hash,
        e.seq,
        &e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.details,
    ) == e.hash
}

/// A break in the chain, naming the entry where it shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainBreak {
    pub seq: i64,
    pub subject: String,
    pub action: String,
    pub problem: String,
}

/// Checks a whole log, in order. Returns every break found.
pub fn verify_chain(entries: &[ActivityEntry]) -> Vec<ChainBreak> {
    let mut breaks = Vec::new();
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    for e in entries {
        let mut problem = |p: String| {
            breaks.push(ChainBreak {
                seq: e.seq,
                subject: e.subject.clone(),
                action: e.action.clone(),
                problem: p,
            })
        };
        if e.seq != expected_seq {
            problem(format!(
                "entries {expected_seq}..{} are missing before it",
                e.seq - 1
            ));
        }
        if e.prev_hash != prev {
            problem("its link to the previous entry does not match (an entry before it was changed, removed or inserted)".into());
        }
        if !entry_is_intact(e) {
            problem("its content does not match its hash (the entry was altered)".into());
        }
        prev = e.hash.clone();
        expected_seq = e.seq + 1;
    }
    breaks
}

/// What the checkpoint says: "the log's newest entry is `seq`, whose hash
/// is `hash`", with the HMAC that proves the key holder said it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub mac: String,
}

/// The HMAC-SHA256 (hex) of a checkpoint for entry `seq` with hash `hash`.
/// The input is a JSON array with a format tag, like [`entry_hash`].
pub fn checkpoint_mac(key: &[u8; 32], seq: i64, hash: &str) -> String {
    hex(&checkpoint_hmac(key, seq, hash).finalize().into_bytes())
}

fn checkpoint_hmac(key: &[u8; 32], seq: i64, hash: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| {
        // HMAC accepts keys of any length; this branch cannot be taken.
        unreachable!("HMAC-SHA256 takes any key length")
    });
    mac.update(
        serde_json::json!(["signoff.log-checkpoint/1", seq, hash])
            .to_string()
            .as_bytes(),
    );
    mac
}

/// Whether the checkpoint was made with `key` (compared in constant time).
pub fn checkpoint_verifies(key: &[u8; 32], cp: &Checkpoint) -> bool {
    let Some(bytes) = unhex(&cp.mac) else {
        return false;
    };
    checkpoint_hmac(key, cp.seq, &cp.hash)
        .verify_slice(&bytes)
        .is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether the log key could be read.
#[derive(Clone, Copy, Debug)]
pub enum KeyView<'a> {
    Present(&'a [u8; 32]),
    /// No key file.
    Missing,
    /// The file exists but is not a key (reason given).
    Unreadable(&'a str),
}

/// The head a checkpoint vouches for, and the problems found checking it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeadCheck {
    /// The entry the checkpoint vouches for, when its HMAC verifies.
    pub vouched: Option<(i64, String)>,
    pub problems: Vec<String>,
}

/// Judges the log against its checkpoint: the checkpoint must verify with
/// the key and name the log's newest entry, with that entry's hash.
/// `key_path` is only used in messages.
pub fn check_head(
    log: &[ActivityEntry],
    checkpoint: Option<&Checkpoint>,
    key: KeyView<'_>,
    key_path: &str,
) -> HeadCheck {
    let mut out = HeadCheck::default();
    let last = log.last();
    let key = match key {
        KeyView::Present(k) => k,
        KeyView::Missing if log.is_empty() && checkpoint.is_none() => return out,
        KeyView::Missing => {
            out.problems.push(format!(
                "the log key {key_path} is missing, so the log's checkpoint cannot be checked: deleted newest entries or a re-hashed log would go unnoticed. \
                 Restore the key from the backup the database came from; if it is lost, only the signed reports already given out can vouch for this history"
            ));
            return out;
        }
        KeyView::Unreadable(why) => {
            out.problems.push(format!(
                "the log key {key_path} is unreadable ({why}), so the log's checkpoint cannot be checked"
            ));
            return out;
        }
    };
    let Some(cp) = checkpoint else {
        if let Some(last) = last {
            out.problems.push(format!(
                "the log ends at entry {} but has no checkpoint: the checkpoint was removed, or the log was written without its key",
                last.seq
            ));
        }
        return out;
    };
    if !checkpoint_verifies(key, cp) {
        out.problems.push(format!(
            "the checkpoint (entry {}) does not verify with the log key: it was forged or made with another key, so the log's head is not vouched for",
            cp.seq
        ));
        return out;
    }
    out.vouched = Some((cp.seq, cp.hash.clone()));
    let last_seq = last.map_or(0, |e| e.seq);
    match log.iter().find(|e| e.seq == cp.seq) {
        _ if last_seq < cp.seq => out.problems.push(format!(
            "the log ends at entry {last_seq} but its checkpoint vouches for entry {}: entries were deleted",
            cp.seq
        )),
        None => out.problems.push(format!(
            "entry {}, which the checkpoint vouches for, is missing: entries were deleted",
            cp.seq
        )),
        Some(e) if e.hash != cp.hash => out.problems.push(format!(
            "entry {} is not the entry the checkpoint vouches for (its hash differs): the log was rewritten and re-hashed without the key",
            cp.seq
        )),
        Some(_) if last_seq > cp.seq => out.problems.push(format!(
            "entries {}..{last_seq} were added after the checkpoint (entry {}) without the log key: they were inserted behind Signoff's back",
            cp.seq + 1,
            cp.seq
        )),
        Some(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<ActivityEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, seq, "t", "a", "act", "s", "{}");
                let e = ActivityEntry {
                    seq,
                    at: "t".into(),
                    actor: "a".into(),
                    action: "act".into(),
                    subject: "s".into(),
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert!(verify_chain(&chain(5)).is_empty());
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let mut altered = chain(5);
        altered[2].actor = "mallory".into();
        let b = verify_chain(&altered);
        assert_eq!(b.len(), 1, "only the altered entry's own hash fails: {b:?}");
        assert_eq!(b[0].seq, 3);

        let mut removed = chain(5);
        removed.remove(1);
        let b = verify_chain(&removed);
        assert_eq!(
            b[0].seq, 3,
            "the gap shows at the entry after the removed one"
        );

        let mut rehashed = chain(5);
        rehashed[1].details = "{\"x\":1}".into();
        rehashed[1].hash = entry_hash(&rehashed[1].prev_hash, 2, "t", "a", "act", "s", "{\"x\":1}");
        let b = verify_chain(&rehashed);
        assert_eq!(b.len(), 1, "a re-hashed entry breaks the next link: {b:?}");
        assert_eq!(b[0].seq, 3);
    }

    #[test]
    fn the_checkpoint_finds_a_deleted_tail_and_a_rehashed_log() {
        let key = [7u8; 32];
        let log = chain(5);
        let cp = Checkpoint {
            seq: 5,
            hash: log[4].hash.clone(),
            mac: checkpoint_mac(&key, 5, &log[4].hash),
        };
        let ok = check_head(&log, Some(&cp), KeyView::Present(&key), "k");
        assert!(ok.problems.is_empty(), "{ok:?}");
        assert_eq!(ok.vouched, Some((5, log[4].hash.clone())));

        let short = &log[..3];
        let p = check_head(short, Some(&cp), KeyView::Present(&key), "k").problems;
        assert!(
            p[0].contains("the log ends at entry 3 but its checkpoint vouches for entry 5"),
            "a deleted tail is named: {p:?}"
        );

        let mut rehashed = chain(5);
        rehashed[4].hash = entry_hash(&rehashed[4].prev_hash, 5, "t", "a", "x", "s", "{}");
        let p = check_head(&rehashed, Some(&cp), KeyView::Present(&key), "k").problems;
        assert!(p[0].contains("re-hashed without the key"), "{p:?}");

        let forged = Checkpoint {
            mac: checkpoint_mac(&[8u8; 32], 5, &log[4].hash),
            ..cp.clone()
        };
        let p = check_head(&log, Some(&forged), KeyView::Present(&key), "k").problems;
        assert!(p[0].contains("does not verify"), "{p:?}");

        let p = check_head(
            &log,
            Some(&cp),
            KeyView::Missing,
            "/d/log-key/checkpoint.key",
        )
        .problems;
        assert!(
            p[0].contains("/d/log-key/checkpoint.key is missing"),
            "{p:?}"
        );
        assert!(
            check_head(&[], None, KeyView::Missing, "k")
                .problems
                .is_empty(),
            "a new workspace has neither key nor checkpoint"
        );
        let p = check_head(&log, None, KeyView::Present(&key), "k").problems;
        assert!(p[0].contains("has no checkpoint"), "{p:?}");
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        assert_ne!(
            entry_hash(GENESIS, 1, "t", "ab", "c", "s", "{}"),
            entry_hash(GENESIS, 1, "t", "a", "bc", "s", "{}")
        );
    }
}
