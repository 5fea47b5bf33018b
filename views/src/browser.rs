//! What the widget asks of the browser besides the DOM it renders: events on the host,
//! the clipboard, printing, sharing, the clock and the page's visibility.
//!
//! Optional browser features (clipboard, share) are probed before use: calling a missing
//! one would throw through the wasm stack.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the epoch by the device's clock (`Date.now()`).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Whether the page is hidden (another tab, screen off): polling slows down then.
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Device pixels per CSS pixel, for whole-device-pixel barcode modules.
pub fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0)
}

/// Fires `name` on `host` as a bubbling, composed `CustomEvent` with
/// `detail: {voucher, status}` (`status` is `null` before the first answer), plus `code`
/// and `message` when `error` is given (`vale:error`).
pub fn dispatch(
    host: &web_sys::EventTarget,
    name: &str,
    voucher: &str,
    status: Option<&str>,
    error: Option<(&str, &str)>,
) {
    let detail = Object::new();
    let status = status.map_or(JsValue::NULL, JsValue::from_str);
    let (code, message) = error.unzip();
    let fields = [
        ("voucher", Some(voucher)),
        ("code", code),
        ("message", message),
    ];
    let _ = Reflect::set(&detail, &"status".into(), &status);
    for (name, value) in fields {
        if let Some(value) = value {
            let _ = Reflect::set(&detail, &name.into(), &value.into());
        }
    }
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        // The return value only says whether a listener called preventDefault.
        let _ = host.dispatch_event(&event);
    }
}

fn navigator() -> Option<web_sys::Navigator> {
    web_sys::window().map(|w| w.navigator())
}

/// Whether `object.name` is a function.
fn has_method(object: &JsValue, name: &str) -> bool {
    Reflect::get(object, &name.into()).is_ok_and(|f| f.is_function())
}

/// Writes `text` to the clipboard; `false` where the browser has no clipboard API (plain
/// HTTP, old browsers) or refuses.
pub async fn copy(text: &str) -> bool {
    let Some(navigator) = navigator() else {
        return false;
    };
    let clipboard = Reflect::get(&navigator, &"clipboard".into()).unwrap_or(JsValue::UNDEFINED);
    if !has_method(&clipboard, "writeText") {
        return false;
    }
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// Whether `navigator.share` exists (phones, some desktops).
pub fn can_share() -> bool {
    navigator().is_some_and(|n| has_method(&n, "share"))
}

/// Opens the system share sheet; `false` when sharing is missing, cancelled or refused.
pub async fn share(title: &str, text: &str, url: &str) -> bool {
    let Some(navigator) = navigator() else {
        return false;
    };
    if !has_method(&navigator, "share") {
        return false;
    }
    let data = web_sys::ShareData::new();
    data.set_title(title);
    data.set_text(text);
    data.set_url(url);
    JsFuture::from(navigator.share_with_data(&data))
        .await
        .is_ok()
}

/// Opens the print dialog.
pub fn print() {
    if let Some(window) = web_sys::window() {
        // An error means printing is blocked (a sandboxed frame): nothing to recover.
        let _ = window.print();
    }
}

/// Selects the text of `node`, so a shopper without a clipboard API can copy it by hand.
pub fn select(node: &web_sys::Node) {
    if let Some(selection) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
        let _ = selection.select_all_children(node);
    }
}

/// Writes `message` to the console as an error.
pub fn error(message: &str) {
    web_sys::console::error_1(&message.into());
}

/// Writes `message` to the console as a warning (`vale: …`).
pub fn warn(message: &str) {
    web_sys::console::warn_1(&["vale: ", message].concat().into());
}

/// The viewport's width and height in CSS pixels, and device pixels per CSS pixel.
pub fn screen_css() -> (f64, f64, f64) {
    let size = |v: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>| {
        v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
    };
    web_sys::window().map_or((320.0, 568.0, 1.0), |w| {
        (
            size(w.inner_width()),
            size(w.inner_height()),
            device_pixel_ratio(),
        )
    })
}

/// Moves the keyboard focus to `element`.
pub fn focus(element: &web_sys::Element) {
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        let _ = element.focus();
    }
}

/// The `key` of a keyboard event (`"Escape"`, …).
pub fn key(event: &web_sys::Event) -> Option<String> {
    event
        .dyn_ref::<web_sys::KeyboardEvent>()
        .map(web_sys::KeyboardEvent::key)
}
