//! The voucher as Leptos components, one set for both renderers: the edge draws them to
//! HTML (`RenderHtml::to_html`) for the hosted page's first paint, and the widget mounts
//! them in the `<vale-voucher>` element's shadow root and keeps them up to date.
//!
//! The views read what to show from their props ([`Answer`], [`Shown`], the server's
//! clock as a signal) and from [`voucher::Place`] (how wide the screen is, whether the
//! browser can share): they never ask the browser anything while drawing, so the same
//! call draws on the edge, in native tests and in the browser. Only event handlers
//! (copy, share, print, the cashier view) reach the browser ([`browser`]).
//!
//! - [`shown`]: what to show for an answer, an error and the clock (pure);
//! - [`answer`]: the display view as both renderers read it, and why it could not be read;
//! - [`words`]: the sentences built from a voucher; [`guidance`]: how to pay; [`ics`]: the
//!   calendar reminder; [`places`]: where to pay near the shopper;
//! - [`voucher`]: the components;
//! - [`CSS`]: the styles of the voucher, screen and print.

// The pending view's type (every element of it, nested) is deep for the async resolver.
#![recursion_limit = "256"]

pub mod answer;
pub mod browser;
pub mod guidance;
pub mod ics;
pub mod places;
pub mod shown;
pub mod voucher;
pub mod words;

pub use answer::{Answer, FetchError};
pub use shown::Shown;

/// The voucher's styles, screen and print (`src/style.css`, minified by `build.rs`): the
/// widget adopts them into its shadow root, the edge puts them in the hosted page.
pub const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));
