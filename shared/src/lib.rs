//! Vale's domain core, shared by the edge (Cloudflare Workers) and the widget (browser).
//!
//! Pure Rust: no I/O and no clock reads. Every function that needs the time takes `now`
//! as a parameter, so the same code runs natively, in workerd and in the browser.
#![deny(missing_docs)]

pub mod barcode;
pub mod csv;
pub mod dashboard;
pub mod digits;
pub mod event;
pub mod expiry;
pub mod id;
pub mod marketplace;
pub mod money;
pub mod networks;
pub mod payment;
pub mod places;
pub mod refund;
pub mod risk;
pub mod secret;
pub mod settlement;
pub mod state;
pub mod voucher;
pub mod webhook;
pub mod when;

pub use id::{EventId, IdError, MerchantId, NotificationId, VoucherId};
pub use money::{Currency, Money, MoneyError};
pub use network::Network;
/// The paths the networks had before `networks/`: `vale_shared::{network, efecty, pagoefectivo}`.
pub use networks::{self as network, efecty, pagoefectivo};
pub use secret::Secret;
pub use state::{TransitionError, VoucherEvent, VoucherStatus};
