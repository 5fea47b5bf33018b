//! The merchant's dashboard (issue #24): a Leptos CSR app, in Spanish, served by the edge
//! at `/dashboard`. It signs in by exchanging a key once for a session cookie
//! (`/dashboard/session`; the key is dropped from the page at once, never stored) and
//! reads and acts through the session's proxy, `/dashboard/api/{test|live}/v1/…`.
//!
//! Views, chosen by the URL's hash (`#/{test|live}/{view}[/{id}]`): vouchers (search,
//! paging, a voucher's timeline and raw notifications), refunds, reviews, settlements,
//! webhooks and, for a marketplace platform, its sellers (balances, payouts, statements). What a session may do comes from the edge (`can`, decided by
//! `vale_shared::dashboard`); buttons it may not use are not shown.

mod api;
mod app;
mod deliveries;
mod fmt;
mod paging;
mod refunds;
mod reviews;
mod sellers;
mod settlements;
mod signin;
mod vouchers;
mod webhooks;

use wasm_bindgen::prelude::wasm_bindgen;

/// Mounts the app on the page's `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
