//! The public resources, one file each: parse the request → ask an object → answer.

pub mod accounts;
pub mod acting_for;
pub mod balances;
pub mod checkouts;
pub mod create_voucher;
pub mod demo;
pub mod events;
pub mod hosted;
pub mod notifications;
pub mod payouts;
pub mod places;
pub mod refunds;
pub mod reviews;
pub mod sandbox;
pub mod seller_payouts;
pub mod sessions;
pub mod settlement_reports;
pub mod settlements;
pub mod vouchers;
pub mod vouchers_by_code;
