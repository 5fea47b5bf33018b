//! The merchant's index: one Durable Object per merchant ([`object`]) and what it takes
//! ([`protocol`]).

mod object;
mod protocol;
mod store;

pub use object::Ledger;
pub use protocol::*;
