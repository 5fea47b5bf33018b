//! The front door, with no business rules: limits → route → CORS → the contract's JSON;
//! who is calling (`auth`), reading bodies (`body`) and the one error type (`error`);
//! the dashboard's browser sessions (`session`).

pub mod auth;
pub mod body;
pub mod cors;
pub mod error;
pub mod limits;
mod route_table;
mod routes;
pub mod session;

pub use routes::handle;
