//! Signoff's core: everything a user can do, as plain Rust over an explicit
//! context ([`Workspace`]). The desktop app and the `signoff` CLI are thin
//! front ends over these functions; this crate knows nothing about either.
//!
//! Owners (see ARCHITECTURE.md): `store` is the only module with SQL,
//! `vault` the only one that writes evidence files, `template` is pure.

#![forbid(unsafe_code)]

pub mod activity;
pub mod clock;
pub mod doctor;
pub mod error;
pub mod evidence;
pub mod history;
pub mod logkey;
pub mod manifest;
pub mod model;
pub mod runs;
pub mod schedule;
pub mod signoff;
pub mod store;
pub mod template;
pub mod templates;
pub mod vault;
pub mod workspace;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, Result};
pub use model::*;
pub use signoff_codes::ErrorCode;
pub use workspace::Workspace;
