//! The voucher object: one Durable Object per voucher, the source of truth for its money
//! state, payments, refunds, review and audit trail.

mod commit;
mod create;
pub mod market;
mod notify;
mod object;
mod orphans;
mod outbox;
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
mod wake;

pub use object::{CODE_MISMATCH, Created, VoucherObject};
pub use protocol::*;
