//! What differs per network: one folder per network (its notification, its REST API)
//! and the seam every network implements (`rail`). Payment codes and barcodes are the
//! networks' own rules, on `vale_shared::Network` (`shared/src/networks/`).

pub mod efecty;
pub mod pagoefectivo;
pub mod rail;
