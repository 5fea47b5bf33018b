//! The settlement job: one Durable Object per settlement that applies a file's lines to
//! their vouchers in bounded runs ([`object`]), and what a settlement reports ([`report`]).

mod object;
pub mod report;

pub use object::*;
