//! The Durable Objects, thin shells over `vale_shared`'s decisions. [`shell`] is the shell
//! itself, written once (storage migrated once, serve, alarm, the typed client). Each
//! folder holds one object in the same files: `object.rs` (the `#[durable_object]` struct
//! over a [`shell::SqlShell`] and its dispatch),
//! `protocol.rs` (the commands it takes and its client), `store.rs` where it has one (what
//! it stores and its numbered migrations), then one file per command family.

pub mod events;
pub mod ledger;
pub mod risk_counter;
pub mod seller_ledger;
pub mod settlement_job;
pub mod shell;
pub mod voucher;
