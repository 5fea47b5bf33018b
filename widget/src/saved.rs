//! The last good answer, kept on the device (`localStorage`) so that a voucher opened
//! once still shows with no network, hours later in a queue: its code, barcode, amount
//! and deadline, marked as a saved copy with the time it was read.
//!
//! Only the display view is kept (no client secret), under a key naming the API and the
//! voucher. Storage that is full, disabled or refused (private modes, sandboxed frames)
//! just keeps nothing.

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::JsValue;

const PREFIX: &str = "vale:voucher:";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Keeps `body` (a `200` answer that read as a voucher) for `url`, stamped with the
/// device clock.
pub fn store(url: &str, body: &str) {
    let Some(storage) = storage() else {
        return;
    };
    let entry = Object::new();
    let ok = Reflect::set(&entry, &"at".into(), &js_sys::Date::now().into()).is_ok()
        && Reflect::set(&entry, &"body".into(), &body.into()).is_ok();
    let Some(text) = JSON::stringify(&entry).ok().and_then(|t| t.as_string()) else {
        return;
    };
    if ok {
        // A full or refused storage keeps nothing; the next visit then needs the network.
        let _ = storage.set_item(&[PREFIX, url].concat(), &text);
    }
}

/// The body kept for `url` and when it was read (ms since the epoch), if any.
pub fn load(url: &str) -> Option<(String, f64)> {
    let text = storage()?.get_item(&[PREFIX, url].concat()).ok()??;
    let entry = JSON::parse(&text).ok()?;
    let field = |name: &str| Reflect::get(&entry, &JsValue::from_str(name)).ok();
    Some((field("body")?.as_string()?, field("at")?.as_f64()?))
}
