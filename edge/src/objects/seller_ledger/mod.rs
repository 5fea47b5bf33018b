//! The seller ledger: one SQLite-backed Durable Object per marketplace platform and mode
//! (named `{merchant}/{test|live}`, so test and live never share storage), holding the
//! platform's seller accounts (issue #23). A thin shell: bodies are checked and accounts
//! decided by `vale_shared::marketplace`; the object loads, asks, and writes in one
//! transaction with no `await` in between.
//!
//! - [`protocol`]: the commands it takes and its client.
//! - `store`: its tables and their numbered migrations.
//! - `accounts`: the account commands.
//! - [`book`]: balance transactions fed from vouchers, balances and their listing.
//! - [`payouts`]: payouts made by hand or by the end-of-day run, closed by the rail.
//! - [`reserve`]: a voucher's sellers checked and its place held under their limits.
//! - `outbox`: its events (`account.updated`, `payout.*`), forwarded after each command.
//! - `object`: the `#[durable_object]` and its dispatch.

mod accounts;
pub mod book;
mod object;
mod outbox;
pub mod payouts;
mod protocol;
pub mod reserve;
mod store;

pub use accounts::no_such_account;
pub use object::SellerLedger;
pub use protocol::{AccountQuery, Command, Idempotency, SellerLedgerClient};
