//! The voucher's styles in its shadow root, as a constructable stylesheet: one
//! `CSSStyleSheet` per page, adopted by every element's shadow root. A store's
//! Content-Security-Policy governs `<style>` elements and `style` attributes
//! (`style-src 'unsafe-inline'`), not sheets built through the CSSOM, so the voucher is
//! styled under the usual policies. A browser without constructable stylesheets (Safari
//! before 16.4) gets a `<style>` element instead.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// The sheet every shadow root on the page adopts, built once.
    static SHEET: Option<web_sys::CssStyleSheet> = web_sys::CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(vale_views::CSS).is_ok());
}

/// Gives `shadow` the voucher's styles, keeping any sheet it has already adopted; answers
/// the `<style>` element put in its place, if one was (to go at unmount).
pub fn adopt(shadow: &web_sys::ShadowRoot) -> Result<Option<web_sys::Element>, JsValue> {
    let adopted = SHEET.with(|sheet| {
        let sheet = sheet.as_ref()?;
        let list: Array = Reflect::get(shadow, &"adoptedStyleSheets".into())
            .ok()?
            .dyn_into()
            .ok()?;
        if !list.includes(sheet, 0) {
            list.push(sheet);
        }
        Reflect::set(shadow, &"adoptedStyleSheets".into(), &list).ok()
    });
    if adopted == Some(true) {
        return Ok(None);
    }
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("vale: no document"))?;
    let style = document.create_element("style")?;
    style.set_text_content(Some(vale_views::CSS));
    shadow.append_child(&style)?;
    Ok(Some(style))
}
