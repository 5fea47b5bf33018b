//! `<vale-refund refund="re_…" client-secret="re_…_secret_…">`: where a shopper who paid
//! in cash says where their refund goes, and later sees its withdrawal code or progress.
//!
//! Defined by the same `vale.js` as `<vale-voucher>` (which calls [`mount_refund`]); reads
//! `GET {api-base}/v1/refunds/{id}` with the refund's client secret and submits
//! `POST …/destination`. The form checks every field as it is typed with the validators the
//! edge uses (`vale_shared::refund::destination`), so what the page accepts the API does.
//!
//! - [`view`]: the display view as read; [`form`]: fields, checks, the confirmation
//!   sentence (pure, tested natively); [`words`]: the Spanish; `http`: the two calls;
//!   `page`: the DOM.

pub mod form;
mod http;
mod page;
pub mod view;
pub mod words;

use crate::dom;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The refund page's styles, screen and print (its own sheet: the voucher's is not loaded
/// into this shadow root).
const CSS: &str = include_str!("style.css");

/// A refund page on the page; dropping it (or [`MountedRefund::unmount`]) stops its
/// requests and removes what it drew.
#[cfg_attr(feature = "refund", wasm_bindgen)]
pub struct MountedRefund {
    page: Option<Rc<page::Page>>,
    root: web_sys::Element,
}

impl std::fmt::Debug for MountedRefund {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MountedRefund").finish_non_exhaustive()
    }
}

#[cfg_attr(feature = "refund", wasm_bindgen)]
impl MountedRefund {
    /// Stops the page and removes it from its shadow root.
    pub fn unmount(mut self) {
        self.stop();
    }
}

impl MountedRefund {
    fn stop(&mut self) {
        if let Some(page) = self.page.take() {
            page.stop();
        }
        self.root.remove();
    }
}

impl Drop for MountedRefund {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether `id` reads as a refund id (`re_` and letters, digits, `_`), so it can never
/// smuggle another path into the URL.
fn is_refund_id(id: &str) -> bool {
    id.strip_prefix("re_").is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Renders refund `refund` into `shadow`, reading it from `api_base` with `client_secret`.
#[cfg_attr(feature = "refund", wasm_bindgen)]
pub fn mount_refund(
    shadow: web_sys::ShadowRoot,
    refund: String,
    client_secret: String,
    api_base: String,
) -> Result<MountedRefund, JsValue> {
    let root = dom::el("div").class("vale-root");
    shadow.append_child(&root.0)?;
    let url = if is_refund_id(&refund) {
        [api_base.trim_end_matches('/'), "/v1/refunds/", &refund].concat()
    } else {
        String::new()
    };
    let page = page::Page::start(&root, url, &client_secret);
    Ok(MountedRefund {
        page: Some(page),
        root: root.0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_refund_id_makes_a_url() {
        assert!(super::is_refund_id("re_abc123_1"));
        for bad in ["", "re_", "vch_abc", "re_../v1/vouchers", "re_a?b"] {
            assert!(!super::is_refund_id(bad), "{bad}");
        }
    }
}
