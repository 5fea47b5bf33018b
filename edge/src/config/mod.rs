//! Merchants and the server key, as configured: parsed once per isolate and kept.

mod parse;

pub use parse::*;
