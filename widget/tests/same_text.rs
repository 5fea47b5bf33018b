//! One table over every state the voucher can show (`views/tests/states.json`): what the
//! widget mounts in the browser from each answer carries the text the edge draws to HTML
//! for it (`views/tests/edge-text.json`, which `views/tests/html.rs` pins to the views'
//! `RenderHtml::to_html`, the renderer of the hosted page's first paint: drawing to HTML
//! needs the renderer's `ssr` feature, which the widget is never built with). The widget
//! replaces the edge's copy rather than hydrating it, so the two may differ only where the
//! device decides: the share button's label (a share sheet or not) and the hint under a
//! barcode too long for whole pixels across this screen.
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test -p vale-widget --target wasm32-unknown-unknown --test same_text
//! ```
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::rc::Rc;
use vale_views::voucher::PREVIEW_HINT;
use vale_widget::api::{Answer, FetchError, LocalFuture, Source, parse};
use vale_widget::{Env, mount_with};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A device clock far from the fixtures' server time: the widget follows the server's.
fn now() -> f64 {
    1_800_000_000_000.0
}

/// One answer, always.
struct Once(Value);

impl Source for Once {
    fn fetch(&self) -> LocalFuture<Result<Answer, FetchError>> {
        let answer = parse(200, &self.0.to_string());
        Box::pin(async move { answer })
    }
}

async fn settle() {
    for _ in 0..3 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }
}

/// `text` without the parts only the device decides, its white space read as a reader
/// sees it (runs collapsed: the places section's empty row slots are indented text on the
/// edge and bare on the browser, issue #22).
fn device_free(text: &str) -> String {
    text.replace(PREVIEW_HINT, "")
        .replace("Compartir", "⟨share⟩")
        .replace("Copiar enlace", "⟨share⟩")
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[wasm_bindgen_test]
async fn the_edge_and_the_browser_draw_the_same_text_for_every_state() {
    let table: Vec<(String, Value)> =
        serde_json::from_str(include_str!("../../views/tests/states.json")).unwrap();
    let edge: serde_json::Map<String, Value> =
        serde_json::from_str(include_str!("../../views/tests/edge-text.json")).unwrap();
    assert_eq!(table.len(), edge.len(), "one edge text per state");
    let document = web_sys::window().unwrap().document().unwrap();
    for (name, body) in table {
        let answer = parse(200, &body.to_string()).unwrap();
        let host: web_sys::HtmlElement = document
            .create_element("vale-test")
            .unwrap()
            .unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let shadow = host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .unwrap();
        let mounted = mount_with(
            &shadow,
            Env {
                voucher: answer.voucher.id.as_str().to_owned(),
                source: Rc::new(Once(body.clone())),
                host: host.clone(),
                now,
            },
        )
        .unwrap();
        settle().await;
        let browser = shadow
            .query_selector("article")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap_or_default();
        let drawn = edge[&name].as_str().unwrap();
        assert!(!drawn.trim().is_empty(), "{name}: the edge drew nothing");
        assert_eq!(device_free(&browser), device_free(drawn), "{name}");
        drop(mounted);
        host.remove();
    }
}
