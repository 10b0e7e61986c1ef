//! Signing identities: the signer's key pair and X.509 certificate, created
//! locally or imported from a PKCS#12 file, with the private key encrypted
//! at rest (PKCS#8, PBKDF2-SHA256 + AES-256-CBC; never written in clear).
//!
//! This crate owns `<data>/identity/` and `<data>/trust/`, PDF signatures and their
//! verification. It knows nothing about runs, the database or the UI.

#![forbid(unsafe_code)]

pub mod identity;
pub mod modifications;
pub mod pdf;
pub mod revisions;
pub mod trust;
pub mod verify;

pub use identity::{
    IdentityError, IdentityInfo, IdentityStore, KeyAlgorithm, MIN_PASSPHRASE_SCORE, NewIdentity,
    Passphrase, PassphraseStrength, Signer, passphrase_strength,
};
