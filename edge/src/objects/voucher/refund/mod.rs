//! A voucher object's refunds: they live in the voucher's own storage, so every create
//! and every move is serialised with the payments it refunds (no await between reading
//! what is refundable and writing the refund), and each commits with its event in one
//! transaction. The rules are `vale_shared::refund`'s (`open` for a create, `flow::decide`
//! for every move); these files load, ask, write.

mod listing;
mod moves;
mod open;
mod request;
mod rows;
pub(super) mod splits;
mod view;

use open::*;
use request::*;
use rows::*;
use view::*;

pub(super) use rows::{CHOOSE_WITHIN, COLLECT_WITHIN, Row, load_all, schedule_facts};
