//! Where to pay near the shopper: the points of each network as data, and the pure parts
//! of finding them privately.
//!
//! - [`geohash`]: the cell a device sends instead of its position, and its neighbours.
//! - [`chain`]: the chains of each network's channel table and the amount each can take.
//! - [`csv`], [`hours`] and [`row`]: the points file and its strict, line-by-line check.
//! - [`select`]: the points near a cell that can take a voucher's amount, nearest first.

pub mod chain;
pub mod csv;
pub mod geohash;
pub mod hours;
pub mod row;
pub mod select;

pub use chain::Chain;
pub use geohash::{Geohash, GeohashError};
pub use row::Place;
pub use select::{MAX_SHOWN, nearest};
