//! The voucher's (and the refund page's) styles in its shadow root, as a constructable
//! stylesheet: one `CSSStyleSheet` per page, adopted by every element's shadow root. A store's
//! Content-Security-Policy governs `<style>` elements and `style` attributes
//! (`style-src 'unsafe-inline'`), not sheets built through the CSSOM, so the voucher is
//! styled under the usual policies. A browser without constructable stylesheets (Safari
//! before 16.4) gets a `<style>` element instead.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// The sheet every voucher's shadow root on the page adopts, built once.
    static SHEET: Option<web_sys::CssStyleSheet> = sheet(vale_views::CSS);
}

/// A constructable stylesheet holding `css` (`None` where the browser cannot build one).
pub fn sheet(css: &str) -> Option<web_sys::CssStyleSheet> {
    web_sys::CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(css).is_ok())
}

/// Gives `shadow` the voucher's styles, keeping any sheet it has already adopted; answers
/// the `<style>` element put in its place, if one was (to go at unmount).
pub fn adopt(shadow: &web_sys::ShadowRoot) -> Result<Option<web_sys::Element>, JsValue> {
    SHEET.with(|sheet| adopt_sheet(shadow, sheet.as_ref(), vale_views::CSS))
}

/// Adds `sheet` to what `shadow` adopted, or, without one, puts `css` in a `<style>`
/// element there (answered, to go at unmount).
pub fn adopt_sheet(
    shadow: &web_sys::ShadowRoot,
    sheet: Option<&web_sys::CssStyleSheet>,
    css: &str,
) -> Result<Option<web_sys::Element>, JsValue> {
    let adopted = sheet.and_then(|sheet| {
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
    style.set_text_content(Some(css));
    shadow.append_child(&style)?;
    Ok(Some(style))
}
