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
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use vale_shared::VoucherId;
use vale_widget::api::{Answer, FetchError, Http, LocalFuture, Source, parse};
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

/// Answers in order; the last one repeats. Counts the requests. May hold a saved copy.
struct Canned {
    answers: RefCell<VecDeque<Result<Value, FetchError>>>,
    calls: Cell<u32>,
    saved: Option<(Value, f64)>,
}

impl Canned {
    fn new(answers: Vec<Result<Value, FetchError>>) -> Rc<Self> {
        Rc::new(Canned {
            answers: RefCell::new(answers.into()),
            calls: Cell::new(0),
            saved: None,
        })
    }

    /// A source whose device kept `body`, read at `at` (ms since the epoch).
    fn with_saved(answers: Vec<Result<Value, FetchError>>, body: Value, at: f64) -> Rc<Self> {
        Rc::new(Canned {
            answers: RefCell::new(answers.into()),
            calls: Cell::new(0),
            saved: Some((body, at)),
        })
    }

    fn calls(&self) -> u32 {
        self.calls.get()
    }
}

impl Source for Canned {
    fn saved(&self) -> Option<(Answer, f64)> {
        let (body, at) = self.saved.clone()?;
        Some((parse(200, &body.to_string()).ok()?, at))
    }

    fn fetch(&self) -> LocalFuture<Result<Answer, FetchError>> {
        self.calls.set(self.calls.get() + 1);
        let mut answers = self.answers.borrow_mut();
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
    /// Every event's whole `detail`, in order.
    details: Rc<RefCell<Vec<JsValue>>>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::CustomEvent)>>,
    mounted: Option<Mounted>,
}

impl Page {
    fn new(source: Rc<dyn Source>, now: fn() -> f64) -> Page {
        let mut page = Page::bare();
        let env = Env {
            voucher: id(),
            source,
            host: page.host.clone(),
            now,
        };
        page.mounted = Some(mount_with(&page.shadow, env).unwrap());
        page
    }

    /// The host, its shadow root and the event log, with nothing mounted yet.
    fn bare() -> Page {
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
        let details = Rc::new(RefCell::new(Vec::new()));
        let mut listeners = Vec::new();
        for name in [
            "vale:ready",
            "vale:paid",
            "vale:expired",
            "vale:cancelled",
            "vale:refunded",
            "vale:error",
        ] {
            let log = Rc::clone(&events);
            let whole = Rc::clone(&details);
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
                    whole.borrow_mut().push(detail);
                });
            document
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .unwrap();
            listeners.push(listener);
        }
        Page {
            host,
            shadow,
            events,
            details,
            _listeners: listeners,
            mounted: None,
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

    /// The last event's `detail` as JSON.
    fn last_detail(&self) -> Value {
        let detail = self.details.borrow().last().cloned().unwrap();
        serde_json::from_str(
            &js_sys::JSON::stringify(&detail)
                .unwrap()
                .as_string()
                .unwrap(),
        )
        .unwrap()
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
    let v = parse(200, &efecty("paid").to_string()).unwrap().voucher;
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
    assert_eq!((v.voucher.description, v.voucher.paid_at), (None, None));

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
        "Paga antes del miércoles 25 de noviembre a las 11:59 p. m. (hora de Colombia)"
    );
    // 2026-11-24 12:00 to 2026-11-25 23:59:59 at the server's clock: in words first (issue
    // #14: "23:59 … 23:59:05" read as two clocks), the ticking clock beside it.
    assert_eq!(page.text(".countdown-words"), "Te quedan 1 día y 11 horas");
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
    assert!(page.text(".deadline-text").ends_with("(hora de Perú)"));
    let channels: Vec<String> = page
        .find_all(".channel summary")
        .iter()
        .filter_map(|s| s.first_child()?.text_content())
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

/// `voucher` as the display view shows it while the store reviews the order (#12):
/// `review` with `status`, and no code while the review is open or was rejected.
fn in_review(mut voucher: Value, status: &str) -> Value {
    voucher["review"] = json!({"id": "rev_x", "reason": "ip_country", "status": status});
    voucher["merchant_name"] = json!("Tienda Local");
    if status != "approved" {
        voucher["payment_code"] = Value::Null;
        voucher["barcode"] = Value::Null;
    }
    voucher
}

#[wasm_bindgen_test]
async fn a_voucher_in_review_says_so_with_no_code_then_shows_the_code_once_approved() {
    let source = Canned::new(vec![
        Ok(in_review(efecty("pending"), "open")),
        Ok(in_review(efecty("pending"), "approved")),
    ]);
    let page = Page::new(source, now);
    settle().await;
    assert_eq!(
        page.text(".outcome.waiting .title"),
        "Tu pedido está en revisión"
    );
    assert!(
        page.text(".outcome.waiting")
            .contains("No pagues nada todavía.")
    );
    assert!(page.find_all(".barcode").is_empty(), "no code to pay yet");
    assert!(page.find_all(".code").is_empty(), "no code to pay yet");
    assert_eq!(page.text("[role=status]"), "Tu pedido está en revisión.");
    back_to_tab();
    settle().await;
    assert!(page.find_all(".outcome.waiting").is_empty());
    assert!(
        page.text(".code .sr").contains("1000"),
        "the approved code is shown"
    );
    assert_eq!(
        page.events(),
        [("vale:ready".to_owned(), "pending".to_owned())]
    );
}

#[wasm_bindgen_test]
async fn a_review_rejected_reads_as_cancelled_and_a_pending_voucher_with_no_code_is_malformed() {
    let page = Page::new(
        Canned::new(vec![Ok(in_review(efecty("cancelled"), "rejected"))]),
        now,
    );
    settle().await;
    assert_eq!(
        page.text(".outcome.closed .title"),
        "Este código fue anulado"
    );
    drop(page);
    let mut no_code = efecty("pending");
    no_code["payment_code"] = Value::Null;
    no_code["barcode"] = Value::Null;
    let page = Page::new(Canned::new(vec![Ok(no_code)]), now);
    settle().await;
    assert_eq!(page.last_detail()["code"], "malformed");
}

#[wasm_bindgen_test]
async fn under_two_hours_left_a_warning_says_what_to_do() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    assert!(
        page.find(".soon").has_attribute("hidden"),
        "a day and a half left"
    );
    assert!(!page.find(".countdown").class_list().contains("urgent"));
    drop(page);

    let mut late = efecty("pending");
    late["server_time"] = json!("2026-11-25T22:30:00-05:00");
    let page = Page::new(Canned::new(vec![Ok(late)]), now);
    settle().await;
    assert_eq!(page.text(".countdown-value"), "01:29:59");
    assert!(page.find(".countdown").class_list().contains("urgent"));
    let soon = page.find(".soon");
    assert!(!soon.has_attribute("hidden"));
    assert_eq!(soon.get_attribute("role").as_deref(), Some("alert"));
    let text = soon.text_content().unwrap_or_default();
    assert!(
        text.contains("menos de 2 horas") && text.contains("pide uno nuevo"),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn the_whatsapp_link_carries_the_code_amount_deadline_and_link() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    let href = page.find("a.whatsapp").get_attribute("href").unwrap();
    let text = href.strip_prefix("https://wa.me/?text=").unwrap();
    let text = String::from(js_sys::decode_uri_component(text).unwrap());
    assert_eq!(
        text,
        "Código Efecty: 1000 0000 0420. Monto: $\u{a0}50.000. Paga antes del miércoles 25 de \
         noviembre a las 11:59 p. m. (hora de Colombia). Tu código de pago: \
         https://vale.example/v/vch_x?cs=y"
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

/// The server's answer past the deadline: still `pending` during the network's
/// confirmation window, `expired` after it.
fn past_deadline(status: &str) -> Value {
    let mut v = efecty(status);
    v["server_time"] = json!("2026-11-26T00:00:00-05:00");
    v
}

fn names(page: &Page) -> Vec<String> {
    page.events().into_iter().map(|(n, _)| n).collect()
}

// Regression: the widget showed "venció" and fired `vale:expired` from the clock at the
// deadline, while the network could still confirm a payment made in time.
#[wasm_bindgen_test]
async fn past_the_deadline_a_pending_voucher_says_it_is_confirming_and_does_not_expire() {
    let source = Canned::new(vec![
        Ok(past_deadline("pending")),
        Ok(past_deadline("pending")),
        Ok(past_deadline("expired")),
    ]);
    let page = Page::new(source.clone(), now);
    settle().await;
    assert_eq!(
        page.text(".outcome.waiting .title"),
        "El plazo para pagar venció"
    );
    let body = page.text(".outcome.waiting");
    assert!(
        body.contains("Si ya pagaste, estamos confirmando tu pago")
            && body.contains("se actualizará sola")
            && body.contains("no lo hagas ahora"),
        "{body}"
    );
    assert!(page.find_all(".barcode").is_empty(), "nothing to scan now");
    assert_eq!(
        page.text("[role=status]"),
        "El plazo para pagar venció. Estamos confirmando tu pago."
    );
    assert_eq!(
        page.events(),
        [("vale:ready".to_owned(), "pending".to_owned())]
    );

    // Still pending at the next answer: still confirming, still no `vale:expired`.
    back_to_tab();
    settle().await;
    assert_eq!(source.calls(), 2);
    assert!(!page.find_all(".outcome.waiting").is_empty());
    assert_eq!(names(&page), ["vale:ready"]);

    // The server says expired: now it is, and the page hears it once.
    back_to_tab();
    settle().await;
    assert_eq!(page.text(".outcome .title"), "Este código venció");
    assert_eq!(page.text("[role=status]"), "Este código venció.");
    assert_eq!(
        page.events(),
        [
            ("vale:ready".to_owned(), "pending".to_owned()),
            ("vale:expired".to_owned(), "expired".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn a_payment_confirmed_in_the_window_is_paid_and_never_expired() {
    let source = Canned::new(vec![
        Ok(past_deadline("pending")),
        Ok(past_deadline("paid")),
    ]);
    let page = Page::new(source, now);
    settle().await;
    assert!(!page.find_all(".outcome.waiting").is_empty());
    back_to_tab();
    settle().await;
    assert_eq!(page.text(".outcome.paid .title"), "¡Pago recibido!");
    assert_eq!(names(&page), ["vale:ready", "vale:paid"]);
}

thread_local! {
    /// A device clock the test moves.
    static CLOCK: Cell<f64> = const { Cell::new(NOW_MS) };
}

fn ticking() -> f64 {
    CLOCK.with(Cell::get)
}

/// Waits `ms` of real time (the widget's countdown ticks once a second).
async fn wait(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_countdown_reaching_zero_asks_the_server_and_does_not_fire_vale_expired() {
    // Two seconds before the deadline by the server's clock.
    let mut nearly = efecty("pending");
    nearly["server_time"] = json!("2026-11-25T23:59:57-05:00");
    // The server's next answer, three seconds later.
    let source = Canned::new(vec![Ok(nearly), Ok(past_deadline("pending"))]);
    CLOCK.with(|c| c.set(NOW_MS));
    let page = Page::new(source.clone(), ticking);
    settle().await;
    assert_eq!(page.text(".countdown-value"), "00:00:02");
    assert_eq!(source.calls(), 1);
    CLOCK.with(|c| c.set(NOW_MS + 3_000.0));
    // The next tick of the countdown (within a second) crosses the deadline.
    wait(1_100).await;
    settle().await;
    assert!(!page.find_all(".outcome.waiting").is_empty());
    assert!(page.find_all(".barcode").is_empty());
    assert_eq!(source.calls(), 2, "asked the server at once");
    assert_eq!(names(&page), ["vale:ready"]);
}

/// Regression (issue #14): "Reintentar" on an invalid link led back to the same screen.
#[wasm_bindgen_test]
async fn a_wrong_link_is_final_and_says_to_open_it_again_with_no_retry_button() {
    let source = Canned::new(vec![Err(FetchError::NotFound), Ok(efecty("pending"))]);
    let page = Page::new(source.clone(), now);
    settle().await;
    let text = page.text(".outcome.problem");
    assert!(
        text.contains("No encontramos este código de pago")
            && text.contains("desde el correo o el WhatsApp de la tienda"),
        "{text}"
    );
    assert!(page.find_all(".outcome.problem button").is_empty());
    // Neither the poller nor a return to the tab asks again.
    back_to_tab();
    settle().await;
    assert_eq!(source.calls(), 1);
}

#[wasm_bindgen_test]
async fn a_wrong_link_after_a_good_answer_takes_the_code_off_the_screen() {
    let source = Canned::new(vec![Ok(efecty("pending")), Err(FetchError::Unauthorized)]);
    let page = Page::new(source.clone(), now);
    settle().await;
    assert!(!page.find_all(".barcode").is_empty());
    back_to_tab();
    settle().await;
    assert!(
        page.text(".outcome.problem")
            .contains("incompleto o ya no sirve")
    );
    assert!(page.find_all(".barcode").is_empty());
    back_to_tab();
    settle().await;
    assert_eq!(source.calls(), 2);
}

#[wasm_bindgen_test]
async fn failing_requests_are_retried_after_a_pause_not_in_a_loop() {
    let source = Canned::new(vec![Err(FetchError::TimedOut)]);
    let page = Page::new(source.clone(), now);
    wait(500).await;
    settle().await;
    // The first retry waits 2 s (then 4 s, 8 s, … up to a minute).
    assert_eq!(source.calls(), 1);
    assert!(page.text(".outcome.problem").contains("tarda en responder"));
    // The shopper's retry asks at once.
    let retry: web_sys::HtmlElement = page.find(".outcome.problem button").unchecked_into();
    retry.click();
    settle().await;
    assert_eq!(source.calls(), 2);
}

#[wasm_bindgen_test]
async fn a_bad_client_secret_explains_itself() {
    let source = Canned::new(vec![Err(FetchError::Unauthorized), Ok(efecty("pending"))]);
    let page = Page::new(source, now);
    settle().await;
    let text = page.text(".outcome.problem");
    assert!(
        text.contains("Este enlace está incompleto o ya no sirve. Vuelve a abrirlo desde el correo o el WhatsApp de la tienda."),
        "{text}"
    );
    assert_eq!(page.events(), [("vale:error".to_owned(), String::new())]);
    assert_eq!(
        page.last_detail(),
        json!({
            "voucher": id(), "status": null, "code": "unauthorized",
            "message": FetchError::Unauthorized.message()
        })
    );
    assert!(
        page.find_all(".outcome.problem button").is_empty(),
        "no retry"
    );
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
    assert_eq!(copy.text_content().as_deref(), Some("Copiar CIP"));
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

/// What a request carried: its URL, its `Authorization` header, whether it had a signal.
type Seen = (String, Option<String>, bool);

/// Replaces `window.fetch` for one test (the widget's [`Http`] calls it) and puts the
/// browser's back when dropped. Records the URL and `Authorization` of each request.
struct FakeFetch {
    original: JsValue,
    requests: Rc<RefCell<Vec<Seen>>>,
    _answer: Closure<dyn FnMut(JsValue, JsValue) -> js_sys::Promise>,
}

enum Reply {
    /// An HTTP answer with this status and body.
    Status(u16, String),
    /// No answer at all (offline): the promise rejects.
    Offline,
    /// No answer until the request is aborted.
    Hang,
}

impl FakeFetch {
    fn install(reply: fn() -> Reply) -> FakeFetch {
        let window = web_sys::window().unwrap();
        let original = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
        let requests = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&requests);
        let answer = Closure::<dyn FnMut(JsValue, JsValue) -> js_sys::Promise>::new(
            move |url: JsValue, init: JsValue| {
                let init: web_sys::RequestInit = init.unchecked_into();
                let headers: web_sys::Headers = init.get_headers().unchecked_into();
                let signal = init.get_signal();
                log.borrow_mut().push((
                    url.as_string().unwrap(),
                    headers.get("authorization").unwrap(),
                    signal.is_some(),
                ));
                match reply() {
                    Reply::Status(status, body) => {
                        let response_init = web_sys::ResponseInit::new();
                        response_init.set_status(status);
                        let response = web_sys::Response::new_with_opt_str_and_init(
                            Some(&body),
                            &response_init,
                        )
                        .unwrap();
                        js_sys::Promise::resolve(&JsValue::from(response))
                    }
                    Reply::Offline => js_sys::Promise::reject(&"offline".into()),
                    Reply::Hang => js_sys::Promise::new(&mut |_resolve, reject| {
                        if let Some(signal) = &signal {
                            signal.set_onabort(Some(&reject));
                        }
                    }),
                }
            },
        );
        js_sys::Reflect::set(&window, &"fetch".into(), answer.as_ref()).unwrap();
        FakeFetch {
            original,
            requests,
            _answer: answer,
        }
    }
}

impl Drop for FakeFetch {
    fn drop(&mut self) {
        let window = web_sys::window().unwrap();
        js_sys::Reflect::set(&window, &"fetch".into(), &self.original).unwrap();
    }
}

fn secret() -> String {
    format!("{}_secret_abc", id())
}

/// The display view as the edge now writes it: no `cs` in `hosted_url`, and the fields
/// the widget does not show yet.
fn display_view() -> Value {
    let mut v = efecty("pending");
    v["hosted_url"] = json!(format!("https://vale.example/v/{}", id()));
    v["merchant_name"] = json!("Tienda Local");
    v["convenio"] = json!("112233");
    v["return_url"] = Value::Null;
    v["expired_at"] = Value::Null;
    v["cancelled_at"] = Value::Null;
    v
}

#[wasm_bindgen_test]
async fn http_reads_the_display_view_and_puts_the_secret_back_in_the_link() {
    let fake = FakeFetch::install(|| Reply::Status(200, display_view().to_string()));
    let http = Http::new("https://vale.example/", &id(), &secret()).unwrap();
    let v = http.fetch().await.unwrap();
    assert_eq!(
        v.voucher.hosted_url,
        format!("https://vale.example/v/{}?cs={}", id(), secret())
    );
    let requests = fake.requests.borrow().clone();
    assert_eq!(
        requests,
        [(
            format!("https://vale.example/v1/vouchers/{}", id()),
            Some(format!("Bearer {}", secret())),
            true
        )]
    );
}

#[wasm_bindgen_test]
async fn http_keeps_a_link_that_already_has_its_secret() {
    let _fake = FakeFetch::install(|| Reply::Status(200, efecty("pending").to_string()));
    let v = Http::new("https://vale.example", &id(), &secret())
        .unwrap()
        .fetch()
        .await
        .unwrap();
    assert_eq!(v.voucher.hosted_url, "https://vale.example/v/vch_x?cs=y");
}

#[wasm_bindgen_test]
async fn http_gives_up_on_a_request_that_hangs() {
    let _fake = FakeFetch::install(|| Reply::Hang);
    let http = Http::new("https://vale.example", &id(), &secret())
        .unwrap()
        .with_timeout(50);
    let started = js_sys::Date::now();
    assert_eq!(http.fetch().await.unwrap_err(), FetchError::TimedOut);
    let took = js_sys::Date::now() - started;
    assert!((40.0..5_000.0).contains(&took), "gave up after {took} ms");
}

#[wasm_bindgen_test]
async fn http_maps_statuses_to_errors() {
    let _fake = FakeFetch::install(|| Reply::Status(404, r#"{"error":{}}"#.into()));
    let http = Http::new("https://vale.example", &id(), &secret()).unwrap();
    assert_eq!(http.fetch().await.unwrap_err(), FetchError::NotFound);
}

#[wasm_bindgen_test]
fn the_new_display_fields_are_tolerated_with_values_or_null() {
    assert!(parse(200, &display_view().to_string()).is_ok());
    let mut ended = display_view();
    ended["status"] = json!("expired");
    ended["convenio"] = Value::Null;
    ended["return_url"] = json!("https://tienda.example/pedido/1001");
    ended["expired_at"] = json!("2026-11-26T11:59:59-05:00");
    ended["cancelled_at"] = Value::Null;
    assert!(parse(200, &ended.to_string()).is_ok());
}

/// `{status, body}` or `{error}`, as `vale.js` hands over the request it made early.
fn early(fields: &[(&str, JsValue)]) -> js_sys::Promise {
    let answer = js_sys::Object::new();
    for (name, value) in fields {
        js_sys::Reflect::set(&answer, &(*name).into(), value).unwrap();
    }
    js_sys::Promise::resolve(&JsValue::from(answer))
}

#[wasm_bindgen_test]
async fn the_request_vale_js_made_early_is_the_first_answer_and_only_the_first() {
    let fake = FakeFetch::install(|| Reply::Status(200, efecty("paid").to_string()));
    let first = early(&[
        ("status", 200.into()),
        ("body", efecty("pending").to_string().into()),
    ]);
    let http = Http::new("https://vale.example", &id(), &secret())
        .unwrap()
        .with_first(first);
    let v = http.fetch().await.unwrap();
    assert_eq!(v.voucher.status.as_str(), "pending");
    assert!(
        fake.requests.borrow().is_empty(),
        "no second request for it"
    );
    // A clone (the poller's) shares the early answer, which is used once.
    let v = http.clone().fetch().await.unwrap();
    assert_eq!(v.voucher.status.as_str(), "paid");
    assert_eq!(fake.requests.borrow().len(), 1);
}

#[wasm_bindgen_test]
async fn an_early_request_that_failed_reads_as_the_same_errors() {
    let http = |fields: &[(&str, JsValue)]| {
        Http::new("https://vale.example", &id(), &secret())
            .unwrap()
            .with_first(early(fields))
    };
    let timeout = http(&[("error", "timeout".into())]).fetch().await;
    assert_eq!(timeout.unwrap_err(), FetchError::TimedOut);
    let network = http(&[("error", "network".into())]).fetch().await;
    assert_eq!(network.unwrap_err(), FetchError::Network);
    let refused = http(&[("status", 401.into()), ("body", "{}".into())])
        .fetch()
        .await;
    assert_eq!(refused.unwrap_err(), FetchError::Unauthorized);
}

#[wasm_bindgen_test]
fn the_display_fields_are_read_and_a_return_url_must_be_a_web_address() {
    let a = parse(200, &display_view().to_string()).unwrap();
    assert_eq!(a.merchant_name.as_deref(), Some("Tienda Local"));
    assert_eq!(a.convenio.as_deref(), Some("112233"));
    assert_eq!(a.return_url, None);
    let mut v = display_view();
    v["return_url"] = json!("https://tienda.example/pedido/1001");
    let a = parse(200, &v.to_string()).unwrap();
    assert_eq!(
        a.return_url.as_deref(),
        Some("https://tienda.example/pedido/1001")
    );
    v["return_url"] = json!("javascript:alert(1)");
    assert_eq!(parse(200, &v.to_string()).unwrap().return_url, None);
}

#[wasm_bindgen_test]
async fn efecty_steps_name_the_convenio_and_an_expired_voucher_leads_back_to_the_store() {
    let mut pending = display_view();
    pending["hosted_url"] = json!("https://vale.example/v/vch_x?cs=y");
    let page = Page::new(Canned::new(vec![Ok(pending.clone())]), now);
    settle().await;
    assert!(page.text(".howto").contains("al convenio 112233"));
    let map = page.find(".near-maps a").get_attribute("href").unwrap();
    assert!(
        map.starts_with("https://www.google.com/maps/search/?api=1&query=Efecty"),
        "{map}"
    );
    drop(page);

    let mut gone = pending;
    gone["status"] = json!("expired");
    gone["return_url"] = json!("https://tienda.example/pedido/1001");
    let page = Page::new(Canned::new(vec![Ok(gone)]), now);
    settle().await;
    let body = page.text(".outcome.closed");
    assert!(body.contains("pide un código nuevo"), "{body}");
    let back = page.find(".outcome.closed a.button");
    assert_eq!(
        back.text_content().as_deref(),
        Some("Volver a Tienda Local")
    );
    assert_eq!(
        back.get_attribute("href").as_deref(),
        Some("https://tienda.example/pedido/1001")
    );
}

#[wasm_bindgen_test]
async fn with_no_network_the_saved_copy_shows_marked_offline_with_its_time() {
    // Read the evening before at 19:05 in Bogotá (00:05 UTC), offline now.
    let read_at = 1_795_478_700_000.0;
    let source = Canned::with_saved(vec![Err(FetchError::Network)], efecty("pending"), read_at);
    let page = Page::new(source, now);
    settle().await;
    assert_eq!(page.text(".amount"), "$\u{a0}50.000");
    assert!(!page.find_all(".barcode svg").is_empty());
    let stale = page.find(".stale.offline");
    assert!(!stale.has_attribute("hidden"));
    let line = stale.text_content().unwrap_or_default();
    assert!(
        line.starts_with("Sin conexión, actualizado a las 19:05")
            && line.contains("copia guardada"),
        "{line}"
    );
}

#[wasm_bindgen_test]
async fn a_paid_voucher_is_never_shown_pending_from_the_saved_copy_once_the_network_answers() {
    let source = Canned::with_saved(
        vec![Err(FetchError::Network), Ok(efecty("paid"))],
        efecty("pending"),
        NOW_MS - 3_600_000.0,
    );
    let page = Page::new(source, now);
    settle().await;
    assert!(page.text(".stale").contains("copia guardada"));
    back_to_tab();
    settle().await;
    assert_eq!(page.text(".outcome.paid .title"), "¡Pago recibido!");
    assert!(page.find(".stale").has_attribute("hidden"));
}

#[wasm_bindgen_test]
async fn http_keeps_the_last_answer_on_the_device_and_reads_it_back() {
    let id = VoucherId::from_random([9; 15]).as_str().to_owned();
    let http = Http::new("https://saved.example", &id, &secret()).unwrap();
    {
        let _fake = FakeFetch::install(|| Reply::Offline);
        assert_eq!(http.fetch().await.unwrap_err(), FetchError::Network);
        assert!(http.saved().is_none(), "nothing kept before a good answer");
    }
    let _fake = FakeFetch::install(|| Reply::Status(200, display_view().to_string()));
    let before = js_sys::Date::now();
    http.fetch().await.unwrap();
    let (saved, at) = http.saved().unwrap();
    assert_eq!(saved.voucher.payment_code, "100000000420");
    assert!(
        saved
            .voucher
            .hosted_url
            .ends_with(&format!("?cs={}", secret()))
    );
    assert!((before..=js_sys::Date::now()).contains(&at));
    let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let key = format!("vale:voucher:https://saved.example/v1/vouchers/{id}");
    let kept = stored.get_item(&key).unwrap().unwrap();
    assert!(
        !kept.contains(&secret()),
        "no client secret on the device: {kept}"
    );
    stored.remove_item(&key).unwrap();
}

#[wasm_bindgen_test]
async fn the_cashier_view_fills_the_screen_with_whole_pixel_bars_and_closes_with_escape() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    let open: web_sys::HtmlElement = page.find(".cashier-open").unchecked_into();
    assert_eq!(open.text_content().as_deref(), Some("Mostrar al cajero"));
    open.click();
    settle().await;
    let view = page.find(".cashier");
    assert_eq!(view.get_attribute("role").as_deref(), Some("dialog"));
    assert!(page.host.has_attribute("cashier"));
    assert_eq!(page.text(".cashier-amount"), "$\u{a0}50.000");
    assert_eq!(page.text(".cashier-code .sr"), "1000 0000 0420");
    assert!(page.text(".cashier-hint").contains("brillo"));
    let d = page.find(".cashier svg path").get_attribute("d").unwrap();
    assert!(!d.contains('.'), "whole units only");
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&view)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("position").unwrap(), "fixed");
    assert_eq!(
        style.get_property_value("background-color").unwrap(),
        "rgb(255, 255, 255)"
    );
    let active = page.shadow.active_element().unwrap();
    assert!(
        active.class_list().contains("cashier-close"),
        "focus on Cerrar"
    );

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    active.dispatch_event(&escape).unwrap();
    settle().await;
    assert!(page.find_all(".cashier").is_empty());
    assert!(!page.host.has_attribute("cashier"));
    let back = page.shadow.active_element().unwrap();
    assert!(
        back.class_list().contains("cashier-open"),
        "focus back on the opener"
    );
}

#[wasm_bindgen_test]
async fn the_reminder_is_an_ics_at_the_deadline_with_an_alarm_and_sharing_says_what_it_does() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    let link = page.find("a.reminder");
    assert_eq!(
        link.get_attribute("download").as_deref(),
        Some("recordatorio-efecty.ics")
    );
    let href = link.get_attribute("href").unwrap();
    let ics = href
        .strip_prefix("data:text/calendar;charset=utf-8,")
        .unwrap();
    let ics = String::from(js_sys::decode_uri_component(ics).unwrap());
    assert!(
        ics.contains("\r\nDTSTART;TZID=America/Bogota:20261125T235959\r\n"),
        "{ics}"
    );
    assert!(ics.contains("\r\nTRIGGER:-PT2H\r\n"));
    let navigator = web_sys::window().unwrap().navigator();
    let can_share = js_sys::Reflect::get(&navigator, &"share".into())
        .unwrap()
        .is_function();
    assert_eq!(
        page.text(".actions .share"),
        if can_share {
            "Compartir"
        } else {
            "Copiar enlace"
        }
    );
}

/// `vale:error` says why in `code` (one of the documented five) and `message`, with the
/// status of the voucher on screen, once per new error.
#[wasm_bindgen_test]
async fn vale_error_names_its_code_and_message_with_the_status_on_screen() {
    let source = Canned::new(vec![
        Ok(efecty("pending")),
        Err(FetchError::TimedOut),
        Err(FetchError::Malformed),
        Err(FetchError::NotFound),
    ]);
    let page = Page::new(source, now);
    settle().await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        back_to_tab();
        settle().await;
        let detail = page.last_detail();
        assert_eq!(detail["status"], "pending", "{detail}");
        assert_eq!(detail["voucher"], id());
        assert!(!detail["message"].as_str().unwrap().is_empty());
        codes.push(detail["code"].as_str().unwrap().to_owned());
    }
    assert_eq!(codes, ["network", "malformed", "not_found"]);
    assert_eq!(
        names(&page),
        ["vale:ready", "vale:error", "vale:error", "vale:error"]
    );
}

/// Regression (issue #13): a cancelled voucher fired no event at all.
#[wasm_bindgen_test]
async fn a_cancelled_voucher_fires_vale_cancelled_once_and_says_when_and_by_whom() {
    let mut cancelled = display_view();
    cancelled["status"] = json!("cancelled");
    cancelled["cancelled_at"] = json!("2026-11-24T13:00:00-05:00");
    let source = Canned::new(vec![Ok(display_view()), Ok(cancelled)]);
    let page = Page::new(source.clone(), now);
    settle().await;
    for _ in 0..2 {
        back_to_tab();
        settle().await;
    }
    assert_eq!(source.calls(), 3);
    assert_eq!(
        page.events(),
        [
            ("vale:ready".to_owned(), "pending".to_owned()),
            ("vale:cancelled".to_owned(), "cancelled".to_owned())
        ]
    );
    let body = page.text(".outcome.closed");
    assert!(
        body.contains(
            "Tienda Local lo anuló el martes 24 de noviembre a la 1:00 p. m. (hora de Colombia)."
        ),
        "{body}"
    );
    assert!(!body.contains("25 de noviembre"), "no deadline: {body}");
    // The shopper who already paid is told what to do (issue #14).
    assert_eq!(
        page.text(".outcome.closed .paid-anyway"),
        "¿Ya pagaste? Guarda el recibo y escribe a Tienda Local con tu pedido order-1001."
    );
}

#[wasm_bindgen_test]
async fn refunds_fire_vale_refunded_at_each_change_of_status() {
    let refund = |status: &str| {
        let mut v = efecty("paid");
        v["status"] = json!(status);
        v
    };
    let source = Canned::new(vec![
        Ok(efecty("paid")),
        Ok(refund("partially_refunded")),
        Ok(refund("partially_refunded")),
        Ok(refund("refunded")),
    ]);
    let page = Page::new(source, now);
    settle().await;
    for _ in 0..3 {
        back_to_tab();
        settle().await;
    }
    assert_eq!(
        page.events(),
        [
            ("vale:ready".to_owned(), "paid".to_owned()),
            ("vale:paid".to_owned(), "paid".to_owned()),
            ("vale:refunded".to_owned(), "partially_refunded".to_owned()),
            ("vale:refunded".to_owned(), "refunded".to_owned())
        ]
    );
}

/// Regression (issue #13): a sandbox expiry leaves `expires_at` ahead, and the voucher read
/// "Venció el miércoles 25" on the 24th.
#[wasm_bindgen_test]
async fn an_expired_voucher_is_worded_by_when_it_expired_never_by_a_deadline_ahead() {
    let mut early = display_view();
    early["status"] = json!("expired");
    early["expired_at"] = json!("2026-11-24T11:00:00-05:00");
    let page = Page::new(Canned::new(vec![Ok(early.clone())]), now);
    settle().await;
    let body = page.text(".outcome.closed p");
    assert!(
        body.starts_with("Venció el martes 24 de noviembre a las 11:00 a. m. (hora de Colombia)."),
        "{body}"
    );
    assert!(!body.contains("25 de noviembre"), "{body}");
    drop(page);

    // No `expired_at` (an older edge) and the deadline still ahead: no date at all.
    early["expired_at"] = Value::Null;
    let page = Page::new(Canned::new(vec![Ok(early)]), now);
    settle().await;
    let body = page.text(".outcome.closed p");
    assert!(body.starts_with("No lo pagues"), "{body}");
    drop(page);

    // Expired at the end of the confirmation window: it stopped being payable at its
    // deadline, which is what the shopper was told.
    let mut late = past_deadline("expired");
    late["expired_at"] = json!("2026-11-26T11:59:59-05:00");
    late["server_time"] = json!("2026-11-26T12:00:00-05:00");
    let page = Page::new(Canned::new(vec![Ok(late)]), now);
    settle().await;
    let body = page.text(".outcome.closed p");
    assert!(
        body.starts_with(
            "Venció el miércoles 25 de noviembre a las 11:59 p. m. (hora de Colombia)."
        ),
        "{body}"
    );
}

/// Regression (issue #13): "La tienda ya fue avisada" when nothing told the store.
#[wasm_bindgen_test]
async fn the_paid_screen_says_only_what_is_true_for_every_store() {
    let page = Page::new(Canned::new(vec![Ok(efecty("paid"))]), now);
    settle().await;
    let body = page.text(".outcome.paid p");
    assert_eq!(
        body,
        "La tienda ya recibió tu pago de $\u{a0}50.000 el martes 24 de noviembre a las 12:05 p. \
         m. (hora de Colombia). Guarda el recibo."
    );
    assert!(
        !body.contains("avisada") && !body.contains("nada más"),
        "{body}"
    );
    drop(page);
    // Peru's paper is "el voucher"; the store by its name.
    let mut pe = pagoefectivo();
    pe["status"] = json!("paid");
    pe["paid_at"] = json!("2026-11-24T12:05:00-05:00");
    pe["merchant_name"] = json!("Tienda Local");
    let page = Page::new(Canned::new(vec![Ok(pe)]), now);
    settle().await;
    assert!(
        page.text(".outcome.paid p")
            .starts_with("Tienda Local ya recibió tu pago de S/")
            && page
                .text(".outcome.paid p")
                .ends_with("(hora de Perú). Guarda el voucher."),
        "{}",
        page.text(".outcome.paid p")
    );
}

/// A secret key pasted as `client-secret` (issue #13): refused in the page, through the
/// same entry point `vale.js` calls, before any request.
#[wasm_bindgen_test]
async fn a_secret_key_in_client_secret_is_never_sent() {
    let fake = FakeFetch::install(|| Reply::Status(200, efecty("pending").to_string()));
    let errors = Rc::new(RefCell::new(Vec::<String>::new()));
    let console = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"console".into()).ok())
        .unwrap();
    let original = js_sys::Reflect::get(&console, &"error".into()).unwrap();
    let log = Rc::clone(&errors);
    let capture = Closure::<dyn FnMut(JsValue)>::new(move |m: JsValue| {
        log.borrow_mut().push(m.as_string().unwrap_or_default());
    });
    js_sys::Reflect::set(&console, &"error".into(), capture.as_ref()).unwrap();

    for key in ["sk_test_local", "rk_live_abc"] {
        let page = Page::bare();
        let mounted = vale_widget::mount(
            page.host.clone(),
            page.shadow.clone(),
            id(),
            key.to_owned(),
            "https://vale.example".to_owned(),
            JsValue::UNDEFINED,
        )
        .unwrap();
        settle().await;
        back_to_tab();
        settle().await;
        assert_eq!(
            page.last_detail(),
            json!({
                "voucher": id(), "status": null, "code": "secret_key_in_page",
                "message": FetchError::SecretKeyInPage.message()
            })
        );
        assert_eq!(names(&page), ["vale:error"], "once");
        let text = page.text(".outcome.problem");
        assert!(text.contains("Avísale a la tienda"), "{text}");
        assert!(
            page.find_all(".outcome.problem button").is_empty(),
            "no retry"
        );
        drop(mounted);
    }
    js_sys::Reflect::set(&console, &"error".into(), &original).unwrap();
    assert!(fake.requests.borrow().is_empty(), "nothing was sent");
    let errors = errors.borrow();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.contains("rotate that key now")
            && e.contains("client_secret")
            && !e.contains("sk_test_local")),
        "{errors:?}"
    );
}

/// Issue #14: an Efecty cashier's first question ("¿a qué convenio, a qué empresa?") is
/// answered on the screen, and every state says who is paid for which order.
#[wasm_bindgen_test]
async fn every_state_says_who_is_paid_and_efecty_gives_the_convenio_and_the_words_to_say() {
    let page = Page::new(Canned::new(vec![Ok(display_view())]), now);
    settle().await;
    assert_eq!(page.text(".head .who"), "Tienda Local · Pedido order-1001");
    assert_eq!(
        page.text(".head .test-badge"),
        "Prueba: no pagues este código."
    );
    assert!(
        page.find(".head .test-badge")
            .get_attribute("title")
            .is_none(),
        "not a tooltip"
    );
    // The convenio above the reference, and the sentence to say.
    let block = page.find(".code-block");
    let first = block.first_element_child().unwrap();
    assert_eq!(first.text_content().as_deref(), Some("Convenio 112233"));
    assert_eq!(
        page.text(".code-block .say"),
        "Dile al cajero: «Vengo a pagar a Tienda Local, convenio 112233, referencia 1000 0000 0420»"
    );
    drop(page);

    // Without a store name or convenio, what there is.
    let mut bare = efecty("pending");
    bare["livemode"] = json!(true);
    let page = Page::new(Canned::new(vec![Ok(bare)]), now);
    settle().await;
    assert_eq!(page.text(".head .who"), "Pedido order-1001");
    assert!(page.find_all(".test-badge, .convenio").is_empty());
    assert_eq!(
        page.text(".say"),
        "Dile al cajero: «Vengo a pagar, referencia 1000 0000 0420»"
    );
    drop(page);

    // PagoEfectivo has no convenio and no sentence; the store and order still show.
    let mut pe = pagoefectivo();
    pe["merchant_name"] = json!("Tienda Local");
    pe["convenio"] = json!("112233");
    let page = Page::new(Canned::new(vec![Ok(pe)]), now);
    settle().await;
    assert_eq!(page.text(".head .who"), "Tienda Local · Pedido order-1001");
    assert!(page.find_all(".convenio, .say").is_empty());
    drop(page);

    // Settled states too.
    for status in ["paid", "expired", "cancelled"] {
        let mut v = display_view();
        v["status"] = json!(status);
        let page = Page::new(Canned::new(vec![Ok(v)]), now);
        settle().await;
        assert_eq!(
            page.text(".head .who"),
            "Tienda Local · Pedido order-1001",
            "{status}"
        );
    }
}

/// Issue #14: the GS1 text under the bars wraps only between its fields.
#[wasm_bindgen_test]
async fn the_gs1_text_is_one_unbreakable_span_per_field() {
    let page = Page::new(Canned::new(vec![Ok(efecty("pending"))]), now);
    settle().await;
    let fields: Vec<String> = page
        .find_all(".barcode-text span")
        .iter()
        .filter_map(|s| s.text_content())
        .collect();
    assert_eq!(
        fields,
        [
            "(415)7709998000001",
            "(8020)100000000420",
            "(3900)50000",
            "(96)20261125"
        ]
    );
    let span = page.find(".barcode-text span");
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&span)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("display").unwrap(), "inline-block");
}

/// Issue #14: one word per thing ("tu código de pago", "el recibo"/"el voucher", "Copiar
/// referencia"/"Copiar CIP"), the QR labelled for whom it is, "Después de pagar" that says
/// who hears, what shows and what to do, "Ver pasos", and the issue date for paper.
#[wasm_bindgen_test]
async fn the_words_name_one_thing_each_and_say_what_comes_after_paying() {
    let page = Page::new(Canned::new(vec![Ok(display_view())]), now);
    settle().await;
    assert_eq!(page.text(".actions .primary"), "Copiar referencia");
    assert_eq!(
        page.text(".after p"),
        "Efecty le confirma tu pago a Tienda Local, casi siempre en pocos minutos, y aquí \
         verás «¡Pago recibido!». No necesitas enviar una foto. Si en 12 horas no ha cambiado, \
         escribe a Tienda Local con tu pedido order-1001 y una foto del recibo."
    );
    assert_eq!(
        page.text(".head .issued"),
        "Código emitido el domingo 22 de noviembre a las 11:59 p. m. (hora de Colombia)"
    );
    assert!(page.text(".channel summary").ends_with(" · Ver pasos"));
    assert!(
        page.find_all(".qr-label").is_empty(),
        "Efecty has bars, no QR"
    );
    let all = page
        .shadow
        .text_content()
        .unwrap_or_default()
        .to_lowercase();
    assert!(!all.contains("comprobante"), "{all}");
    drop(page);

    let mut pe = pagoefectivo();
    pe["barcode"] = json!({"symbology": "qr", "data": "2592254031", "text": "CIP 2592254031"});
    let page = Page::new(Canned::new(vec![Ok(pe)]), now);
    settle().await;
    assert_eq!(page.text(".actions .primary"), "Copiar CIP");
    assert_eq!(
        page.text(".barcode .qr-label"),
        "Para el agente, si lo pide — no es para Yape ni Plin"
    );
    assert!(
        page.text(".after p")
            .contains("Si en 1 hora no ha cambiado, escribe a la tienda")
    );
    let all = page
        .shadow
        .text_content()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        !all.contains("comprobante") && !all.contains("recibo"),
        "{all}"
    );
}
