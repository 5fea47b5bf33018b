//! `<vale-voucher>`: the cash-payment voucher a store embeds, rendered in a shadow root by
//! Rust compiled to wasm: the Leptos views of `vale_views` (which the edge also draws to
//! HTML for the hosted page's first paint), kept up to date from signals (`ui`).
//!
//! ```html
//! <script type="module" src="https://EDGE/widget/vale.js"></script>
//! <vale-voucher voucher="vch_…" client-secret="…"></vale-voucher>
//! ```
//!
//! `js/vale.js` (the only hand-written JS) defines the element and calls [`mount`]; the
//! element reads `GET {api-base}/v1/vouchers/{id}` with the client secret, keeps itself up
//! to date and fires `vale:ready`, `vale:paid`, `vale:expired` and `vale:error` on the
//! host (bubbling, composed, `detail: {voucher, status}`), and `vale:cancelled` and
//! `vale:refunded` when the voucher's status becomes one of those; `vale:error` adds `code`
//! and `message` (see [`api::FetchError::code`]). A secret key given as `client-secret`
//! is refused before any request. `vale:expired` comes only from
//! the server's `status: "expired"`: past `expires_at` a voucher stays `pending` for the
//! network's confirmation window, and the widget says so and keeps asking.
//!
//! The files are served with `Access-Control-Allow-Origin: *` (`www/_headers`), so any
//! store's origin can load the script and its wasm.
//!
//! Theming, from the host page, only through these custom properties:
//! `--vale-accent` (buttons, links; default a teal with AA contrast on white),
//! `--vale-font` (font stack), `--vale-radius` (card and button corners).
//!
//! Besides the voucher: a cashier view, a copy kept for offline use (`saved`), a calendar
//! reminder ([`ics`]), places to pay filtered by the amount ([`guidance`]), and drawings
//! for paper (A4 and 58 mm receipts).
//!
//! The styles go into the shadow root as a constructable stylesheet (`adoptedStyleSheets`),
//! which a store's Content-Security-Policy cannot refuse the way it refuses an inline
//! `<style>` without `style-src 'unsafe-inline'`.
//!
//! # Building
//!
//! `cargo xtask build widget` does all of this into `www/widget/` and names the wasm
//! `vale.<hash>.wasm` (passed to the bundle as `--define:VALE_WASM="./vale.<hash>.wasm"`).
//! By hand, from the workspace root:
//!
//! ```sh
//! cargo build -p vale-widget --target wasm32-unknown-unknown --release
//! wasm-bindgen --target web --no-typescript --out-dir www/widget --out-name vale_widget \
//!     $CARGO_TARGET_DIR/wasm32-unknown-unknown/release/vale_widget.wasm
//! node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers \
//!     www/widget/vale_widget_bg.wasm -o www/widget/vale_widget_bg.wasm
//! cp widget/js/vale.js www/widget/vale.js
//! ```
//!
//! wasm-opt reads the features the wasm uses (bulk memory, sign extension, reference
//! types, …) from its target-features section, so no `--enable-*` flag is needed.
//! Optionally, bundle the two JS files into one smaller `vale.js` (one request fewer,
//! about 3 KB less gzipped); the wasm stays next to it:
//!
//! ```sh
//! node_modules/.bin/esbuild www/widget/vale.js --bundle --minify --format=esm \
//!     --target=es2020 --allow-overwrite --outfile=www/widget/vale.js
//! rm www/widget/vale_widget.js
//! ```
//!
//! # Testing
//!
//! Native unit tests for the pure parts (`cargo test -p vale-widget`), and browser tests
//! in headless Chromium (`widget/webdriver.json` carries the flags root needs):
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//!     cargo test -p vale-widget --target wasm32-unknown-unknown
//! ```

pub mod api;
mod near;
pub use vale_shared::barcode::draw as barcode;
pub use vale_views::{browser, guidance, ics};
pub mod poll;
pub mod refund;
mod saved;
mod sleep;
mod style;
mod ui;

pub use ui::Env;

use std::any::Any;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A widget on the page; dropping it (or [`Mounted::unmount`]) stops its timers and
/// requests and removes what it drew.
#[cfg_attr(feature = "voucher", wasm_bindgen)]
pub struct Mounted {
    /// The Leptos unmount handle (its type names the whole view tree): dropping it
    /// removes the view and runs the widget's clean-ups (timers, listeners, the poller).
    handle: Option<Box<dyn Any>>,
    root: web_sys::Element,
    /// The `<style>` put in the shadow root where stylesheets cannot be adopted.
    style: Option<web_sys::Element>,
}

impl std::fmt::Debug for Mounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mounted")
            .field("mounted", &self.handle.is_some())
            .finish()
    }
}

#[cfg_attr(feature = "voucher", wasm_bindgen)]
impl Mounted {
    /// Stops the widget and removes it from its shadow root.
    pub fn unmount(mut self) {
        self.stop();
    }
}

impl Mounted {
    fn stop(&mut self) {
        drop(self.handle.take());
        self.root.remove();
        if let Some(style) = self.style.take() {
            style.remove();
        }
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the console says when `client-secret` holds a secret or restricted key.
pub const SECRET_KEY_IN_PAGE: &str = "vale: client-secret is a secret key (sk_/rk_), public in \
    this page though never sent: rotate that key now, and use the voucher's client_secret.";

/// Renders voucher `voucher` into `shadow` (the open shadow root of `host`), reading it
/// from `api_base` with `client_secret`. Called by `vale.js` on `connectedCallback`, with
/// `first` the promise of the request it started while the wasm downloaded (or
/// `undefined`).
#[cfg_attr(feature = "voucher", wasm_bindgen)]
pub fn mount(
    host: web_sys::HtmlElement,
    shadow: web_sys::ShadowRoot,
    voucher: String,
    client_secret: String,
    api_base: String,
    first: JsValue,
) -> Result<Mounted, JsValue> {
    if api::is_secret_key(&client_secret) {
        // Nothing is sent (vale.js made no early request either); the key is already public
        // in this page's HTML, so the developer must replace it at once.
        browser::error(SECRET_KEY_IN_PAGE);
        let source = Rc::new(api::Failing(api::FetchError::SecretKeyInPage));
        let env = Env {
            voucher,
            source,
            host,
            now: browser::now_ms,
        };
        return mount_with(&shadow, env);
    }
    let source: Rc<dyn api::Source> = match api::Http::new(&api_base, &voucher, &client_secret) {
        Ok(http) => match first.dyn_into::<js_sys::Promise>() {
            Ok(first) => Rc::new(http.with_first(first)),
            Err(_) => Rc::new(http),
        },
        Err(error) => Rc::new(api::Failing(error)),
    };
    mount_with(
        &shadow,
        Env {
            voucher,
            source,
            host,
            now: browser::now_ms,
        },
    )
}

/// Renders the widget into `shadow` with everything it depends on given: the entry point
/// for tests, which pass a canned [`api::Source`] and a fixed clock.
pub fn mount_with(shadow: &web_sys::ShadowRoot, env: Env) -> Result<Mounted, JsValue> {
    let style = style::adopt(shadow)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("vale: no document"))?;
    let root: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name("vale-root");
    shadow.append_child(&root)?;
    let handle = leptos::mount::mount_to_renderer(&root, move || ui::widget(env));
    Ok(Mounted {
        handle: Some(Box::new(handle)),
        root: root.into(),
        style,
    })
}
