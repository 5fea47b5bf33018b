//! Events to the merchant: one Durable Object per merchant and mode ([`object`]), what it
//! takes ([`protocol`]), and what it stores about endpoints and deliveries.

mod alarm;
mod deliveries;
mod delivery;
mod endpoint;
mod object;
mod protocol;
mod retention;
mod store;
pub mod url;

pub use object::Events;
pub use protocol::*;
