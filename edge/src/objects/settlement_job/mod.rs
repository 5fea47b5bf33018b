//! The settlement job: one Durable Object per settlement that applies a file's lines to
//! their vouchers in bounded runs ([`object`], its [`phases`]), what it takes
//! ([`protocol`]) and stores ([`store`]), and what a settlement reports ([`report`]).

mod object;
mod phases;
mod protocol;
pub mod report;
mod store;

pub use object::SettlementJob;
pub use protocol::*;
