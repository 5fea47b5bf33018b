//! The voucher object: one Durable Object per voucher, the source of truth for its money
//! state, payments, refunds, review and audit trail.

mod create;
mod object;
mod orphans;
pub mod payments;
mod protocol;
mod refund;
pub mod render;
pub mod review;
mod review_close;
pub mod schedule;
pub mod screen;
mod settle;
pub mod store;
mod update;

pub use object::{CODE_MISMATCH, Created, VoucherObject};
pub use protocol::*;
