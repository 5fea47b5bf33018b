//! The views drawn to HTML natively, as the edge draws them: every state that shows a
//! voucher renders, with the words the shopper reads.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use leptos::prelude::*;
use time::OffsetDateTime;
use vale_shared::barcode::{Barcode, Symbology};
use vale_shared::voucher::{DisplayVoucher, Object};
use vale_shared::{Currency, Money, Network, VoucherId, VoucherStatus};
use vale_views::voucher::{article, pending_article};
use vale_views::{Answer, Shown};

/// 2026-11-25T23:59:59-05:00.
const DEADLINE: i64 = 1_795_669_199;

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

fn answer(status: VoucherStatus) -> Answer {
    Answer {
        voucher: DisplayVoucher {
            id: VoucherId::from_random([7; 15]),
            object: Object::Voucher,
            livemode: false,
            network: Network::Efecty,
            status,
            amount: Money::new(5_000_000, Currency::Cop).unwrap(),
            reference: "order-<1001>".into(),
            description: None,
            payment_code: "100000000420".into(),
            barcode: Barcode {
                symbology: Symbology::Code128,
                data: "100000000420".into(),
                text: "100000000420".into(),
            },
            expires_at: at(DEADLINE),
            time_zone: "America/Bogota".into(),
            created_at: at(DEADLINE - 3 * 86_400),
            paid_at: None,
            hosted_url: "https://e.test/v/vch_x".into(),
            server_time: at(DEADLINE - 3_600),
        },
        merchant_name: Some("Tienda Local".into()),
        seller_name: None,
        convenio: Some("112233".into()),
        return_url: None,
        expired_at: None,
        cancelled_at: None,
        in_review: false,
    }
}

fn html(shown: Shown, a: &Answer, now: OffsetDateTime) -> String {
    let owner = Owner::new();
    let html = owner.with(|| article(shown, Some(a), now).to_html());
    owner.unset();
    html
}

/// The edge draws its first paint with `pending_article` (the pending view alone, so its
/// wasm carries no other state's HTML): it must be the pending state's article exactly,
/// which the widget's same-text test compares with the browser's view.
#[test]
fn the_edges_pending_article_is_the_pending_states_article() {
    let a = answer(VoucherStatus::Pending);
    let now = at(DEADLINE - 3_600);
    let owner = Owner::new();
    let first = owner.with(|| pending_article(&a, now).to_html());
    owner.unset();
    assert_eq!(first, html(Shown::Pending, &a, now));
    assert!(first.contains("Paga antes del miércoles 25 de noviembre"));
}

#[test]
fn every_state_that_shows_a_voucher_draws_to_html() {
    let now = at(DEADLINE - 3_600);
    for (status, shown, words) in [
        (
            VoucherStatus::Pending,
            Shown::Pending,
            "Paga antes del miércoles 25 de noviembre",
        ),
        (
            VoucherStatus::Pending,
            Shown::Confirming,
            "El plazo para pagar venció",
        ),
        (
            VoucherStatus::Pending,
            Shown::Review,
            "Tu pedido está en revisión",
        ),
        (VoucherStatus::Paid, Shown::Paid, "¡Pago recibido!"),
        (VoucherStatus::Expired, Shown::Expired, "Este código venció"),
        (
            VoucherStatus::Cancelled,
            Shown::Cancelled,
            "Este código fue anulado",
        ),
        (VoucherStatus::Refunded, Shown::Refunded, "Pago devuelto"),
    ] {
        let page = html(shown, &answer(status), now);
        assert!(
            page.starts_with("<div class=\"vale-root\"><article "),
            "{page}"
        );
        assert!(!page.contains("vale-first"));
        assert!(page.contains(words), "{shown:?}: {page}");
        assert!(
            page.contains("Tienda Local · Pedido order-&lt;1001&gt;"),
            "{shown:?}"
        );
    }
}

/// Issue #23: a marketplace seller's voucher names the platform (whose convenio the
/// cashier collects for) and the seller, on every state's header.
#[test]
fn a_sellers_voucher_says_pagas_a_platform_por_seller() {
    let now = at(DEADLINE - 3_600);
    for (status, shown) in [
        (VoucherStatus::Pending, Shown::Pending),
        (VoucherStatus::Paid, Shown::Paid),
    ] {
        let a = Answer {
            seller_name: Some("Café Andino".into()),
            ..answer(status)
        };
        let page = html(shown, &a, now);
        assert!(
            page.contains("Pagas a Tienda Local por Café Andino · Pedido order-&lt;1001&gt;"),
            "{shown:?}: {page}"
        );
        assert!(!html(shown, &answer(status), now).contains("Pagas a"));
    }
    let a = Answer {
        seller_name: Some("Café Andino".into()),
        ..answer(VoucherStatus::Pending)
    };
    assert_eq!(
        vale_views::words::payee(&a),
        "Pagas a Tienda Local por Café Andino · Convenio 112233"
    );
    assert_eq!(
        vale_views::words::payee(&answer(VoucherStatus::Pending)),
        "Tienda Local · Convenio 112233"
    );
}

#[test]
fn the_pending_view_ticks_from_the_clock_it_is_given() {
    let html = html(
        Shown::Pending,
        &answer(VoucherStatus::Pending),
        at(DEADLINE - 3_600),
    );
    assert!(html.contains("Te queda 1 hora</span>"), "{html}");
    assert!(html.contains("01:00:00"));
    assert!(html.contains("Quedan menos de 2 horas para pagar"));
    assert!(html.contains("class=\"countdown urgent\""));
}

/// The table of answers both renderers are checked over (`states.json`, shared with the
/// widget's `tests/same_text.rs`), and the text the edge draws for each
/// (`edge-text.json`): this test pins the second to the views as they draw today, and the
/// widget's test checks the browser shows the same. `VALE_BLESS=1` writes it anew after a
/// change to the views.
#[test]
fn the_edge_text_of_every_state_is_the_text_the_widget_is_checked_against() {
    let table: Vec<(String, serde_json::Value)> =
        serde_json::from_str(include_str!("states.json")).unwrap();
    let mut texts = serde_json::Map::new();
    for (name, body) in table {
        let answer = answer_of(&body);
        let now = answer.voucher.server_time;
        let shown = Shown::of_answer(Some(&answer), None, now);
        assert!(shown.shows_voucher(), "{name}");
        texts.insert(name, text_of(&html(shown, &answer, now)).into());
    }
    let drawn = serde_json::to_string_pretty(&texts).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/edge-text.json");
    if std::env::var_os("VALE_BLESS").is_some() {
        std::fs::write(path, &drawn).unwrap();
    }
    assert_eq!(
        drawn,
        std::fs::read_to_string(path).unwrap(),
        "the edge's text changed: run with VALE_BLESS=1, then the widget's same_text test"
    );
}

/// The display view as the widget reads it (a voucher under review has no code yet).
fn answer_of(body: &serde_json::Value) -> Answer {
    #[derive(serde::Deserialize)]
    struct View {
        #[serde(flatten)]
        voucher: DisplayVoucher,
        merchant_name: Option<String>,
        convenio: Option<String>,
        return_url: Option<String>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        expired_at: Option<OffsetDateTime>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        cancelled_at: Option<OffsetDateTime>,
    }
    let mut body = body.clone();
    if body["payment_code"].is_null() {
        body["payment_code"] = "".into();
        body["barcode"] = serde_json::json!({"symbology": "code128", "data": "", "text": ""});
    }
    let view: View = serde_json::from_value(body.clone()).unwrap();
    Answer {
        voucher: view.voucher,
        merchant_name: view.merchant_name,
        seller_name: body["seller_name"].as_str().map(str::to_owned),
        convenio: view.convenio,
        return_url: view.return_url,
        expired_at: view.expired_at,
        cancelled_at: view.cancelled_at,
        in_review: body["review"]["status"] == "open",
    }
}

/// The text of an article as a browser reads it (`textContent`): tags and comments out,
/// the entities the renderer writes decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let close = rest.find('>').unwrap();
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
