//! Efecty: its signed notification. Issuing (recaudo) is local, in [`super::rail`].

pub mod notification;
