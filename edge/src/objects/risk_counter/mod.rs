//! The risk counter: one Durable Object per counted signal value (see [`object`]), and
//! what it takes ([`protocol`]).

mod object;
mod protocol;

pub use object::RiskCounter;
pub use protocol::{Command, CounterClient};
