//! The widget mounted into a real document in headless Chromium, fed canned API answers
//! through a test `Source` and a fixed clock.
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test -p vale-widget --target wasm32-unknown-unknown
//! ```
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test. Clippy's allow-*-in-tests only covers
// `#[test]` functions, not the helpers of a wasm-bindgen-test file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use vale_shared::VoucherId;
use vale_shared::voucher::DisplayVoucher;
use vale_widget::api::{FetchError, LocalFuture, Source, parse};
use vale_widget::{Env, Mounted, mount_with};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// 2026-11-24T12:00:00-05:00: a day and a half before the fixtures' deadline.
const NOW_MS: f64 = 1_795_539_600_000.0;

fn now() -> f64 {
    NOW_MS
}

/// A device clock two days fast.
fn later() -> f64 {
    NOW_MS + 2.0 * 86_400_000.0
}

fn id() -> String {
    VoucherId::from_random([7; 15]).as_str().to_owned()
}

fn efecty(status: &str) -> Value {
    json!({
        "id": id(), "object": "voucher", "livemode": false,
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
        "server_time": "2026-11-24T12:00:00-05:00"
    })
}

fn pagoefectivo() -> Value {
    let mut v = efecty("pending");
    v["network"] = json!("pagoefectivo");
    v["amount"] = json!(2550);
    v["currency"] = json!("PEN");
    v["payment_code"] = json!("2592254031");
    v["barcode"] = json!({"symbology": "code128", "data": "2592254031", "text": "2592254031"});
    v["time_zone"] = json!("America/Lima");
    v
}

/// Answers in order; the last one repeats.
struct Canned(RefCell<VecDeque<Result<Value, FetchError>>>);

impl Canned {
    fn new(answers: Vec<Result<Value, FetchError>>) -> Rc<Self> {
        Rc::new(Canned(RefCell::new(answers.into())))
    }
}

impl Source for Canned {
    fn fetch(&self) -> LocalFuture<Result<DisplayVoucher, FetchError>> {
        let mut answers = self.0.borrow_mut();
        let answer = if answers.len() > 1 {
            answers.pop_front()
        } else {
            answers.front().cloned()
        };
        let result = match answer {
            Some(Ok(body)) => parse(200, &body.to_string()),
            Some(Err(e)) => Err(e),
            None => Err(FetchError::Network),
        };
        Box::pin(async move { result })
    }
}

/// A `<vale-voucher>`-like host in the document, with its shadow root and a log of the
/// `vale:*` events that reach the document (so they bubble and cross the shadow root).
struct Page {
    host: web_sys::HtmlElement,
    shadow: web_sys::ShadowRoot,
    events: Rc<RefCell<Vec<(String, String)>>>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::CustomEvent)>>,
    mounted: Option<Mounted>,
}

impl Page {
    fn new(source: Rc<dyn Source>, now: fn() -> f64) -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        let host: web_sys::HtmlElement = document
            .create_element("vale-test")
            .unwrap()
            .unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let shadow = host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .unwrap();
        let events = Rc::new(RefCell::new(Vec::new()));
        let mut listeners = Vec::new();
        for name in ["vale:ready", "vale:paid", "vale:expired", "vale:error"] {
            let log = Rc::clone(&events);
            let expected_host = host.clone();
            let listener =
                Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                    // Only this page's host: tests run one after another in one document.
                    if e.target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                        .as_ref()
                        != Some(&expected_host)
                    {
                        return;
                    }
                    let detail = e.detail();
                    let voucher = js_sys::Reflect::get(&detail, &"voucher".into()).unwrap();
                    let status = js_sys::Reflect::get(&detail, &"status".into()).unwrap();
                    assert!(e.bubbles() && e.composed());
                    assert_eq!(voucher.as_string(), Some(id()));
                    log.borrow_mut()
                        .push((e.type_(), status.as_string().unwrap_or_default()));
                });
            document
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .unwrap();
            listeners.push(listener);
        }
        let env = Env {
            voucher: id(),
            source,
            host: host.clone(),
            now,
        };
        let mounted = Some(mount_with(&shadow, env).unwrap());
        Page {
            host,
            shadow,
            events,
            _listeners: listeners,
            mounted,
        }
    }

    fn find(&self, selector: &str) -> web_sys::Element {
        self.shadow
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector} in {}", self.shadow.inner_html()))
    }

    fn find_all(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self.shadow.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into().ok())
            .collect()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector).text_content().unwrap_or_default()
    }

    fn events(&self) -> Vec<(String, String)> {
        self.events.borrow().clone()
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        drop(self.mounted.take());
        self.host.remove();
    }
}

/// Lets fetches, effects and renders run.
async fn settle() {
    for _ in 0..3 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
        leptos::task::tick().await;
    }
}

/// What a tab coming back into view sends; the widget asks the API at once.
fn back_to_tab() {
    let event = web_sys::Event::new("visibilitychange").unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

/// The answer is read by hand from `JSON.parse`: it must take what serde took and refuse
/// what serde refused.
#[wasm_bindgen_test]
fn the_answer_is_read_field_by_field() {
    let v = parse(200, &efecty("paid").to_string()).unwrap();
    assert_eq!(v.id.as_str(), id());
    assert_eq!(v.status, vale_shared::VoucherStatus::Paid);
    assert_eq!(v.network, vale_shared::Network::Efecty);
    assert_eq!(
        v.amount,
        vale_shared::Money::new(5_000_000, vale_shared::Currency::Cop).unwrap()
    );
    assert_eq!(v.description.as_deref(), Some("Pedido 1001"));
    assert_eq!(
        v.barcode.symbology,
        vale_shared::barcode::Symbology::Gs1_128
    );
    assert_eq!(v.expires_at.unix_timestamp(), 1_795_669_199);
    assert_eq!(v.paid_at.map(|p| p.unix_timestamp()), Some(1_795_539_900));
    assert_eq!(v.server_time.unix_timestamp(), 1_795_539_600);

    let mut lean = pagoefectivo();
    let fields = lean.as_object_mut().unwrap();
    fields.remove("object");
    fields.remove("description");
    fields.remove("paid_at");
    fields.insert("extra".into(), json!({"ignored": true}));
    let v = parse(200, &lean.to_string()).unwrap();
    assert_eq!((v.description, v.paid_at), (None, None));

    assert_eq!(parse(200, "not json").unwrap_err(), FetchError::Malformed);
    assert_eq!(parse(200, "null").unwrap_err(), FetchError::Malformed);
    for (field, value) in [
        ("object", json!("refund")),
        ("amount", json!(-100)),
        ("amount", json!(2550.5)),
        ("amount", json!("2550")),
        ("currency", json!("EUR")),
        ("status", json!("lost")),
        ("livemode", json!("no")),
        ("id", json!("vch_../../x")),
        ("description", json!(7)),
        ("expires_at", json!("2026-11-25")),
        ("paid_at", json!(false)),
        (
            "barcode",
            json!({"symbology": "ean13", "data": "1", "text": "1"}),
        ),
        ("barcode", Value::Null),
    ] {
        let mut bad = efecty("pending");
        bad[field] = value;
        assert_eq!(
            parse(200, &bad.to_string()).unwrap_err(),
            FetchError::Malformed,
            "{field}: {bad}"
        );
    }
    let mut missing = efecty("pending");
    missing.as_object_mut().unwrap().remove("server_time");
    assert_eq!(
        parse(200, &missing.to_string()).unwrap_err(),
        FetchError::Malformed
    );
}

#[wasm_bindgen_test]
async fn efecty_voucher_shows_amount_code_and_deadline_in_bogota_time() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    assert_eq!(page.text(".amount"), "$\u{a0}50.000");
    assert_eq!(page.text(".network-name"), "Efecty");
    let groups: Vec<String> = page
        .find_all(".code-groups .group")
        .iter()
        .filter_map(|g| g.text_content())
        .collect();
    assert_eq!(groups, ["1000", "0000", "0420"]);
    assert_eq!(page.text(".code .sr"), "1000 0000 0420");
    assert_eq!(
        page.text(".deadline-text"),
        "Vence el miércoles 25 de noviembre a las 23:59, hora de Bogotá"
    );
    // 2026-11-24 12:00 to 2026-11-25 23:59:59 at the server's clock.
    assert_eq!(page.text(".countdown-value"), "1 día 11:59:59");
    let howto = page.text(".howto");
    assert!(
        howto.contains("Efecty") && howto.contains("$\u{a0}50.000"),
        "{howto}"
    );
    assert_eq!(
        page.events(),
        [("vale:ready".to_owned(), "pending".to_owned())]
    );
}

#[wasm_bindgen_test]
async fn barcode_bars_are_whole_pixels_with_quiet_zones() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    let svg = page.find(".barcode svg");
    assert_eq!(
        svg.get_attribute("shape-rendering").as_deref(),
        Some("crispEdges")
    );
    // Bars side by side, or turned a quarter (bars stacked downwards) on a narrow screen.
    let turned = svg.class_list().contains("turned");
    let (pos, len, extent) = if turned {
        ("y", "height", 3)
    } else {
        ("x", "width", 2)
    };
    let view_box = svg.get_attribute("viewBox").unwrap();
    let extent: u32 = view_box.split(' ').nth(extent).unwrap().parse().unwrap();
    // The bars are one path of rectangles, `M x y h w v h h -w z` each.
    let d = page.find(".barcode svg path").get_attribute("d").unwrap();
    let bars: Vec<[u32; 4]> = d
        .split('M')
        .filter(|s| !s.is_empty())
        .map(|rect| {
            let numbers: Vec<u32> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(numbers.len(), 5, "rectangle {rect:?}");
            assert!(
                rect.ends_with('z') && !rect.contains('.'),
                "rectangle {rect:?}"
            );
            [numbers[0], numbers[1], numbers[2], numbers[3]]
        })
        .collect();
    assert!(bars.len() > 20);
    let attr = |b: &[u32; 4], name: &str| -> u32 {
        match name {
            "x" => b[0],
            "y" => b[1],
            "width" => b[2],
            _ => b[3],
        }
    };
    let module = bars.iter().map(|b| attr(b, len)).min().unwrap();
    assert!(module >= 2, "narrowest bar {module}");
    assert!(
        bars.iter()
            .all(|b| attr(b, len) % module == 0 && attr(b, pos) % module == 0)
    );
    let first = attr(&bars[0], pos);
    let last = bars.last().unwrap();
    let end = extent - (attr(last, pos) + attr(last, len));
    assert!(
        first >= 10 * module && end >= 10 * module,
        "quiet zones {first} / {end}"
    );
    assert_eq!(
        page.text(".barcode-text"),
        "(415)7709998000001(8020)100000000420(3900)50000(96)20261125"
    );
}

#[wasm_bindgen_test]
async fn pagoefectivo_says_cip_and_soles() {
    let page = Page::new(Canned::new(vec![Ok(pagoefectivo())]), now);
    settle().await;
    assert_eq!(page.text(".amount"), "S/\u{a0}25.50");
    assert_eq!(page.text(".code-block .label"), "Código CIP");
    assert!(page.text(".deadline-text").ends_with("hora de Lima"));
    let channels: Vec<String> = page
        .find_all(".channel summary")
        .iter()
        .filter_map(|s| s.text_content())
        .collect();
    assert_eq!(
        channels,
        [
            "En un agente o bodega",
            "En la app o web de tu banco",
            "En una agencia bancaria"
        ]
    );
    let howto = page.text(".howto");
    assert!(
        howto.contains("PagoEfectivo") && howto.contains("2592 254 031"),
        "{howto}"
    );
}

#[wasm_bindgen_test]
async fn a_payment_turns_the_voucher_paid_and_fires_vale_paid() {
    let source = Canned::new(vec![Ok(efecty("pending")), Ok(efecty("paid"))]);
    let page = Page::new(source, now);
    settle().await;
    assert!(page.find_all(".outcome.paid").is_empty());
    back_to_tab();
    settle().await;
    assert_eq!(page.text(".outcome.paid .title"), "¡Pago recibido!");
    assert!(
        page.find_all(".barcode").is_empty(),
        "no barcode to pay again"
    );
    assert_eq!(page.text("[role=status]"), "¡Pago recibido!");
    assert_eq!(
        page.events(),
        [
            ("vale:ready".to_owned(), "pending".to_owned()),
            ("vale:paid".to_owned(), "paid".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn the_countdown_follows_the_server_clock_not_the_device() {
    // The device is two days ahead; the server's clock says there is a day and a half left.
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), later);
    settle().await;
    assert_eq!(page.text(".countdown-value"), "1 día 11:59:59");
    assert!(page.find_all(".outcome").is_empty());
}

#[wasm_bindgen_test]
async fn the_countdown_reaching_zero_shows_expired_and_fires_vale_expired() {
    // The server answered a second after the deadline, before its own expiry ran.
    let mut at_deadline = efecty("pending");
    at_deadline["server_time"] = json!("2026-11-26T00:00:00-05:00");
    let page = Page::new(Canned::new(vec![Ok(at_deadline)]), now);
    settle().await;
    assert_eq!(page.text(".outcome .title"), "Este código venció");
    assert!(page.find_all(".barcode").is_empty());
    assert_eq!(page.text("[role=status]"), "Este código venció.");
    let names: Vec<String> = page.events().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["vale:ready", "vale:expired"]);
}

#[wasm_bindgen_test]
async fn a_bad_client_secret_explains_itself_and_offers_a_retry() {
    let source = Canned::new(vec![Err(FetchError::Unauthorized), Ok(efecty("pending"))]);
    let page = Page::new(source, now);
    settle().await;
    assert!(page.text(".outcome.problem").contains("no es válido"));
    assert_eq!(page.events(), [("vale:error".to_owned(), String::new())]);
    let retry: web_sys::HtmlElement = page.find(".outcome.problem button").unchecked_into();
    retry.click();
    settle().await;
    assert_eq!(page.text(".amount"), "$\u{a0}50.000");
}

#[wasm_bindgen_test]
async fn a_failed_refresh_keeps_the_voucher_on_screen() {
    let source = Canned::new(vec![Ok(efecty("pending")), Err(FetchError::Network)]);
    let page = Page::new(source, now);
    settle().await;
    back_to_tab();
    settle().await;
    assert_eq!(page.text(".amount"), "$\u{a0}50.000");
    assert!(page.text(".stale").contains("conexión"));
}

#[wasm_bindgen_test]
async fn unmounting_removes_everything() {
    let mut page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    assert!(!page.find_all(".vale").is_empty());
    page.mounted.take().unwrap().unmount();
    settle().await;
    assert_eq!(page.shadow.child_element_count(), 0);
}

#[wasm_bindgen_test]
async fn copying_the_code_confirms_or_explains_how_to_copy_by_hand() {
    let page = Page::new(Canned::new(vec![Ok(pagoefectivo())]), now);
    settle().await;
    let copy: web_sys::HtmlElement = page.find(".actions .primary").unchecked_into();
    assert_eq!(copy.text_content().as_deref(), Some("Copiar código"));
    copy.click();
    settle().await;
    let notice = page.text(".notice");
    if notice == "Código copiado." {
        assert_eq!(copy.text_content().as_deref(), Some("¡Copiado!"));
    } else {
        // Headless Chromium may refuse the clipboard to a synthetic click: the code is
        // then selected for a manual copy, and the shopper is told how.
        assert!(notice.contains("mantén presionado"), "{notice}");
        let selection = web_sys::window().unwrap().get_selection().unwrap().unwrap();
        assert_eq!(String::from(selection.to_string()), "2592254031");
    }
}
