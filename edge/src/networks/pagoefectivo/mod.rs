//! PagoEfectivo: its signed notification and its REST API (CIPs).

pub mod notification;
pub mod rest;
