//! What differs per network: one folder per network (its notification, its REST API),
//! the seam every network implements (`rail`), and payment codes and barcodes (`codes`).

pub mod codes;
pub mod efecty;
pub mod pagoefectivo;
pub mod rail;
