//! The Workers runtime, bound once: SQLite transactions (`storage`), calls to Durable
//! Objects (`rpc`), the clock and randomness.

pub mod clock;
pub mod random;
pub mod rpc;
pub mod storage;
