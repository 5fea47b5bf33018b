//! The merchant's index: one Durable Object per merchant ([`object`]) and what it takes
//! ([`protocol`]).

mod index;
mod object;
mod protocol;
mod refund_rows;
mod review_rows;
mod settled;
mod store;
mod wakeups;

pub use object::Ledger;
pub use protocol::*;
