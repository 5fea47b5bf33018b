//! One table over every state the voucher can show: the HTML the edge draws (the views
//! rendered by `RenderHtml::to_html`, as the hosted page's first paint does) and what the
//! widget mounts in the browser from the same answer at the same clock carry the same
//! text. The widget replaces the edge's copy rather than hydrating it, so the two may
//! differ only where the device decides: the share button's label (a share sheet or not)
//! and the hint under a barcode too long for whole pixels across this screen.
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

use leptos::prelude::*;
use serde_json::{Value, json};
use std::rc::Rc;
use vale_shared::VoucherId;
use vale_views::Shown;
use vale_views::voucher::{PREVIEW_HINT, article};
use vale_widget::api::{Answer, FetchError, LocalFuture, Source, parse};
use vale_widget::{Env, mount_with};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// 2026-11-24T12:00:00-05:00, the fixtures' server time.
const NOW_MS: f64 = 1_795_539_600_000.0;

fn now() -> f64 {
    NOW_MS
}

fn efecty(status: &str) -> Value {
    json!({
        "id": VoucherId::from_random([7; 15]).as_str(), "object": "voucher", "livemode": false,
        "network": "efecty", "status": status,
        "amount": 5_000_000, "currency": "COP",
        "reference": "order-1001", "description": "Pedido 1001",
        "payment_code": "100000000420",
        "barcode": {
            "symbology": "gs1-128",
            "data": "(415)7709998000001(8020)100000000420(3900)50000(96)20261125",
            "text": "(415)7709998000001(8020)100000000420(3900)50000(96)20261125"
        },
        "expires_at": "2026-11-25T23:59:59-05:00", "time_zone": "America/Bogota",
        "created_at": "2026-11-22T23:59:59-05:00",
        "paid_at": if status == "paid" { json!("2026-11-24T12:05:00-05:00") } else { Value::Null },
        "hosted_url": "https://vale.example/v/vch_x?cs=y",
        "server_time": "2026-11-24T12:00:00-05:00",
        "merchant_name": "Tienda Local", "convenio": "112233",
        "return_url": "https://tienda.example/pedido/1001",
        "expired_at": if status == "expired" { json!("2026-11-24T11:00:00-05:00") } else { Value::Null },
        "cancelled_at": if status == "cancelled" { json!("2026-11-24T11:30:00-05:00") } else { Value::Null }
    })
}

fn pagoefectivo() -> Value {
    let mut v = efecty("pending");
    v["network"] = json!("pagoefectivo");
    v["amount"] = json!(2550);
    v["currency"] = json!("PEN");
    v["payment_code"] = json!("2592254031");
    v["barcode"] = json!({"symbology": "qr", "data": "2592254031", "text": "CIP 2592254031"});
    v["time_zone"] = json!("America/Lima");
    v["convenio"] = Value::Null;
    v
}

/// Every state that shows a voucher, by the answer that leads to it.
fn table() -> Vec<(&'static str, Value, Shown)> {
    let mut late = efecty("pending");
    late["server_time"] = json!("2026-11-25T22:30:00-05:00");
    let mut overdue = efecty("pending");
    overdue["server_time"] = json!("2026-11-26T00:00:00-05:00");
    let mut review = efecty("pending");
    review["review"] = json!({"id": "rev_x", "reason": "ip_country", "status": "open"});
    review["payment_code"] = Value::Null;
    review["barcode"] = Value::Null;
    let mut partly = efecty("paid");
    partly["status"] = json!("partially_refunded");
    vec![
        ("efecty pending", efecty("pending"), Shown::Pending),
        ("efecty pending, under two hours", late, Shown::Pending),
        ("pagoefectivo pending (QR)", pagoefectivo(), Shown::Pending),
        ("past the deadline, confirming", overdue, Shown::Confirming),
        ("in review", review, Shown::Review),
        ("paid", efecty("paid"), Shown::Paid),
        ("expired", efecty("expired"), Shown::Expired),
        ("cancelled", efecty("cancelled"), Shown::Cancelled),
        ("partially refunded", partly, Shown::Refunded),
    ]
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

/// The text of `html` as the browser reads it once parsed.
fn text_of_html(html: &str) -> String {
    let document = web_sys::window().unwrap().document().unwrap();
    let template: web_sys::HtmlTemplateElement = document
        .create_element("template")
        .unwrap()
        .unchecked_into();
    template.set_inner_html(html);
    let article = template
        .content()
        .query_selector("article")
        .unwrap()
        .unwrap();
    article.text_content().unwrap_or_default()
}

/// `text` without the parts only the device decides.
fn device_free(text: &str) -> String {
    text.replace(PREVIEW_HINT, "")
        .replace("Compartir", "⟨share⟩")
        .replace("Copiar enlace", "⟨share⟩")
}

#[wasm_bindgen_test]
async fn the_edge_and_the_browser_draw_the_same_text_for_every_state() {
    let document = web_sys::window().unwrap().document().unwrap();
    for (name, body, expected) in table() {
        let answer = parse(200, &body.to_string()).unwrap();
        let server_now = answer.voucher.server_time;
        let shown = Shown::of_answer(Some(&answer), None, server_now);
        assert_eq!(shown, expected, "{name}");
        let owner = Owner::new();
        let html = owner.with(|| article(shown, Some(&answer), server_now).to_html());
        let edge = text_of_html(&html);

        let host: web_sys::HtmlElement = document
            .create_element("vale-test")
            .unwrap()
            .unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let shadow = host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .unwrap();
        // Whatever the device clock says, the widget's follows the answer's server time
        // (the skew), as the edge's does.
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
        assert!(!edge.trim().is_empty(), "{name}: the edge drew nothing");
        assert_eq!(device_free(&browser), device_free(&edge), "{name}");
        drop(mounted);
        host.remove();
        owner.unset();
    }
}
