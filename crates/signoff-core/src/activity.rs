//! The activity log's hash chain, as pure functions. Each entry's hash is
//! SHA-256 over the previous entry's hash and the entry's own fields, so
//! changing, removing or reordering any entry breaks every hash after it.
//! The store appends entries (in the same transaction as the change they
//! record); `doctor` and the report verifier recompute the chain with these.

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
    fn field_boundaries_are_unambiguous() {
        assert_ne!(
            entry_hash(GENESIS, 1, "t", "ab", "c", "s", "{}"),
            entry_hash(GENESIS, 1, "t", "a", "bc", "s", "{}")
        );
    }
}
