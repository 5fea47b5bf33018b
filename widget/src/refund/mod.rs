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
//!   `page`: the Leptos page and its signals, `choose`: the choices and the form,
//!   `status`: every other status.
//!
//! Its styles are adopted as a constructable stylesheet (as the voucher's are), so a
//! store's Content-Security-Policy without `style-src 'unsafe-inline'` still styles it.

mod choose;
pub mod form;
mod http;
mod page;
mod status;
pub mod view;
pub mod words;

use crate::sleep::Sleeper;
use std::any::Any;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The refund page's styles, screen and print (its own sheet: the voucher's is not loaded
/// into this shadow root).
const CSS: &str = include_str!("style.css");

thread_local! {
    /// The sheet every refund page's shadow root adopts, built once.
    static SHEET: Option<web_sys::CssStyleSheet> = crate::style::sheet(CSS);
}

/// A refund page on the page; dropping it (or [`MountedRefund::unmount`]) stops its
/// requests and removes what it drew.
#[cfg_attr(feature = "refund", wasm_bindgen)]
pub struct MountedRefund {
    /// The Leptos unmount handle: dropping it removes the page and disposes its signals.
    handle: Option<Box<dyn Any>>,
    /// The page's wait between reads, woken at unmount so its loop ends now.
    sleeper: Rc<Sleeper>,
    root: web_sys::Element,
    /// The `<style>` put in the shadow root where stylesheets cannot be adopted.
    style: Option<web_sys::Element>,
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
        drop(self.handle.take());
        self.sleeper.wake();
        self.root.remove();
        if let Some(style) = self.style.take() {
            style.remove();
        }
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
    let style = SHEET.with(|sheet| crate::style::adopt_sheet(&shadow, sheet.as_ref(), CSS))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("vale: no document"))?;
    let root: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name("vale-root");
    shadow.append_child(&root)?;
    let url = if is_refund_id(&refund) {
        [api_base.trim_end_matches('/'), "/v1/refunds/", &refund].concat()
    } else {
        String::new()
    };
    let link = page::Link {
        url,
        secret: vale_shared::Secret::new(&client_secret),
    };
    let sleeper = Rc::new(Sleeper::default());
    let waker = Rc::clone(&sleeper);
    let handle = leptos::mount::mount_to_renderer(&root, move || page::page(link, waker));
    Ok(MountedRefund {
        handle: Some(Box::new(handle)),
        sleeper,
        root: root.into(),
        style,
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
