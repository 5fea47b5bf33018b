//! The hosted page's first paint: a pending voucher drawn into the page's HTML by the edge
//! with the widget's own views (`vale_views`, rendered to HTML by Leptos), so a phone on 3G
//! shows what to pay as soon as the page arrives instead of after the script, the wasm and
//! the voucher's request. It is the `<vale-voucher>` element's own children: the widget
//! shows them through a `<slot>` while it loads, and replaces them with its own view
//! (the same components, live: countdown, cashier view, offline copy) once it has drawn.
//! The browser never adopts the server's nodes (no hydration): what it draws may differ by
//! the clock, the screen's width and the device's share sheet, and it replaces the copy.
//!
//! Only a pending voucher whose code may be shown gets one; anything else (paid, expired,
//! past its deadline, under review) is left to the widget, which words those states.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;
use time::OffsetDateTime;
use vale_shared::barcode;
use vale_views::voucher::pending_article;
use vale_views::{Answer, Shown};

/// Whether `answer` gets a first paint at `now`: a pending voucher (before its deadline,
/// not under review) whose barcode can be drawn.
fn drawn(answer: &Answer, now: OffsetDateTime) -> bool {
    Shown::of_answer(Some(answer), None, now) == Shown::Pending
        && barcode::symbol(&answer.voucher.barcode).is_ok()
}

/// The first paint: the widget's article for a pending voucher, in the wrapper the
/// widget takes over from.
fn first_paint(answer: &Answer, now: OffsetDateTime) -> impl IntoView + use<> {
    view! { <div class="vale-first">{pending_article(answer, now)}</div> }
}

/// The voucher's first paint as HTML, or `None` when the widget alone should draw it:
/// what a store's page puts in the element's shadow root before the wasm has loaded
/// (`GET /v1/vouchers/{id}?include=first_paint`).
pub fn fragment(answer: &Answer, now: OffsetDateTime) -> Option<String> {
    drawn(answer, now).then(|| html(|| first_paint(answer, now)))
}

#[cfg(test)]
fn render(answer: &Answer, now: OffsetDateTime) -> Option<String> {
    fragment(answer, now)
}

/// `<main id="slot">` with the page's `<vale-voucher>` in it, and in that the voucher's
/// first paint when `answer` gets one; and whether it did.
pub fn element(
    id: &str,
    client_secret: &str,
    answer: Option<&Answer>,
    now: OffsetDateTime,
) -> (String, bool) {
    let first = answer
        .filter(|a| drawn(a, now))
        .map(|a| first_paint(a, now));
    let with_first = first.is_some();
    let (id, secret) = (id.to_owned(), client_secret.to_owned());
    // With nothing to draw, no child at all (an empty `Option` would leave a marker).
    let html = html(move || match first {
        Some(first) => Either::Left(view! {
            <main id="slot">
                <vale-voucher voucher=id client-secret=secret>{first}</vale-voucher>
            </main>
        }),
        None => Either::Right(view! {
            <main id="slot">
                <vale-voucher voucher=id client-secret=secret></vale-voucher>
            </main>
        }),
    });
    (html, with_first)
}

/// `view` drawn to HTML, its signals owned for the drawing only.
fn html<V: IntoView>(view: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    let html = owner.with(|| view().into_view().to_html());
    owner.unset();
    html
}

/// The styles of the first paint: the widget's own (the copy is the widget's view, in the
/// page's light DOM instead of a shadow root).
fn style() -> String {
    ["<style>", vale_views::CSS, "</style>"].concat()
}

/// The hosted page with `element` (see [`element`]) in place of its empty
/// `<main id="slot">`; with a first paint (`with_first`), the widget's styles in the head,
/// the page's loaders (the wasm's preload and the module scripts) moved after the voucher,
/// and without the page's `<noscript>` note (that it needs JavaScript to show), as it no
/// longer does. `None` if the page has no slot.
///
/// The loaders go last because on a slow line what they fetch shares it with the rest of
/// the HTML: in the head, the wasm's preload (about 140 KB) started with the page's first
/// bytes and slowed the voucher's own bytes behind it (bench: 1.82× the static page).
/// Module scripts run after parsing wherever they are, so the widget starts as before.
pub fn into_page(page: &str, element: &str, with_first: bool) -> Option<String> {
    const SLOT: &str = "<main id=\"slot\"></main>";
    let at = page.find(SLOT)?;
    let style = if with_first { style() } else { String::new() };
    let mut out = String::with_capacity(page.len() + element.len() + style.len());
    let (head, rest) = page.split_at(at);
    let mut loaders = "";
    match (with_first, head.find("</head>")) {
        (true, Some(end)) => {
            let head_end = head.get(..end)?;
            let from = loaders_start(head_end).unwrap_or(end);
            out.push_str(head.get(..from)?.trim_end());
            out.push_str(&style);
            loaders = head.get(from..end)?.trim();
            out.push_str(head.get(end..)?);
        }
        _ => out.push_str(head),
    }
    out.push_str(element);
    if !loaders.is_empty() {
        out.push('\n');
        out.push_str(loaders);
    }
    let rest = rest.get(SLOT.len()..)?;
    match (
        with_first,
        rest.find("<noscript>"),
        rest.find("</noscript>"),
    ) {
        (true, Some(open), Some(close)) if open < close => {
            out.push_str(rest.get(..open)?);
            out.push_str(rest.get(close + "</noscript>".len()..)?);
        }
        _ => out.push_str(rest),
    }
    Some(out)
}

/// Where the head's loaders start: its wasm preload or its first script, whichever is first.
fn loaders_start(head: &str) -> Option<usize> {
    let preload = head.find("<link rel=\"preload\"");
    let script = head.find("<script");
    match (preload, script) {
        (Some(p), Some(s)) => Some(p.min(s)),
        (p, s) => p.or(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use vale_shared::VoucherStatus;
    use vale_shared::barcode::draw;
    use vale_shared::voucher::DisplayVoucher;

    fn pending(network: &str, code: &str, barcode: &str) -> Answer {
        let voucher: DisplayVoucher = serde_json::from_str(&format!(
            r#"{{"id": "vch_0123456789abcdefghjkmnpq", "livemode": false, "network": "{network}",
              "status": "pending", "amount": 5000000, "currency": "COP",
              "reference": "<b>r&1</b>", "description": null, "payment_code": "{code}",
              "barcode": {barcode}, "expires_at": "2026-12-08T04:59:59Z",
              "time_zone": "America/Bogota", "created_at": "2026-12-05T12:00:00Z",
              "paid_at": null, "hosted_url": "http://127.0.0.1:8787/v/vch_0123456789abcdefghjkmnpq",
              "server_time": "2026-12-05T12:00:00Z"}}"#
        ))
        .unwrap();
        Answer {
            voucher,
            merchant_name: Some("Tienda \"Local\"".into()),
            seller_name: None,
            convenio: None,
            return_url: None,
            expired_at: None,
            cancelled_at: None,
            in_review: false,
        }
    }

    fn efecty() -> Answer {
        pending(
            "efecty",
            "12345678",
            r#"{"symbology": "code128", "data": "12345678", "text": "12345678"}"#,
        )
    }

    const NOW: OffsetDateTime = datetime!(2026-12-05 12:00 UTC);

    #[test]
    fn a_pending_voucher_is_drawn_with_its_amount_code_barcode_and_deadline() {
        let html = render(&efecty(), NOW).unwrap();
        assert!(html.starts_with("<div class=\"vale-first\"><div class=\"vale-root\">"));
        assert!(html.contains("Tienda \"Local\" · Pedido &lt;b&gt;r&amp;1&lt;/b&gt;"));
        assert!(html.contains("<span class=\"group\">1234</span>"));
        assert!(html.contains(&efecty().voucher.amount.to_string()));
        assert!(
            html.contains(
                "Paga antes del lunes 7 de diciembre a las 11:59 p. m. (hora de Colombia)"
            )
        );
        assert!(html.contains("Prueba: no pagues este código."));
        assert!(html.contains("class=\"bars page\""));
        assert!(!html.contains("<b>"), "merchant text is escaped");
        // Nothing to click before the widget takes over: its buttons are disabled, its
        // links (WhatsApp, the reminder, the finders and map searches) work. The fifth
        // button is "Buscar puntos cerca" (issue #22), which asks for the position only
        // once the widget runs.
        assert_eq!(html.matches("<button").count(), 5);
        assert_eq!(html.matches(" disabled").count(), 5);
        assert!(html.contains("href=\"https://wa.me/?text="));
    }

    #[test]
    fn bars_are_one_css_pixel_per_module_and_qr_modules_four() {
        let html = render(&efecty(), NOW).unwrap();
        let symbol = barcode::symbol(&efecty().voucher.barcode).unwrap();
        let across = draw::modules_across(&symbol);
        assert!(html.contains(&format!("viewBox=\"0 0 {} ", across * draw::MIN_MODULE_PX)));
        assert!(html.contains(&format!("width=\"{across}\"")));
        let qr = pending(
            "pagoefectivo",
            "1234567890",
            r#"{"symbology": "qr", "data": "1234567890", "text": "CIP 1234567890"}"#,
        );
        let html = render(&qr, NOW).unwrap();
        let symbol = barcode::symbol(&qr.voucher.barcode).unwrap();
        let across = draw::modules_across(&symbol);
        assert!(html.contains(&format!(
            "width=\"{}\" height=\"{}\"",
            across * 4,
            across * 4
        )));
        assert!(
            html.contains("class=\"qr page\""),
            "a QR is not doubled on 1× screens"
        );
    }

    #[test]
    fn a_symbol_wider_than_a_phone_is_drawn_turned() {
        let long = pending(
            "efecty",
            "181429019043",
            r#"{"symbology": "gs1-128", "data": "(415)7709998000018(8020)181429019043(3900)50000(96)20261208", "text": ""}"#,
        );
        let symbol = barcode::symbol(&long.voucher.barcode).unwrap();
        let across = draw::modules_across(&symbol);
        assert!(across > vale_views::voucher::PAGE_WIDEST_ACROSS);
        let html = render(&long, NOW).unwrap();
        assert!(html.contains(&format!(
            "width=\"{}\" height=\"{across}\"",
            vale_views::voucher::PAGE_TURNED_BAR_CSS
        )));
        assert!(!html.contains(vale_views::voucher::PREVIEW_HINT));
    }

    #[test]
    fn only_a_pending_voucher_before_its_deadline_gets_one() {
        for status in [
            VoucherStatus::Paid,
            VoucherStatus::Expired,
            VoucherStatus::Cancelled,
        ] {
            let mut answer = efecty();
            answer.voucher.status = status;
            assert_eq!(render(&answer, NOW), None, "{status:?}");
        }
        // Past the deadline, inside the confirmation window: the widget words it.
        assert_eq!(render(&efecty(), datetime!(2026-12-08 05:00 UTC)), None);
        let review = Answer {
            in_review: true,
            ..efecty()
        };
        assert_eq!(render(&review, NOW), None, "no code while in review");
        let unreadable = pending(
            "efecty",
            "1",
            r#"{"symbology": "gs1-128", "data": "(99)", "text": ""}"#,
        );
        assert_eq!(render(&unreadable, NOW), None);
    }

    /// Regression (issue #21, hosted page 1.82× the static page): the wasm's preload and
    /// the scripts in the head shared the slow line with the voucher's own bytes; with a
    /// first paint they come after the voucher, and without one they stay where they were.
    #[test]
    fn with_a_first_paint_the_loaders_come_after_the_voucher() {
        let page = "<html><head>\n  <title>t</title>\n  <link rel=\"preload\" href=\"/widget/vale.1.wasm\" as=\"fetch\" crossorigin>\n  <script type=\"module\" src=\"/widget/vale.js\"></script>\n  <script type=\"module\" src=\"/hosted.js\"></script>\n</head>\n<body>\n  <main id=\"slot\"></main>\n</body></html>";
        let (drawn, _) = element("vch_1", "s", Some(&efecty()), NOW);
        let with = into_page(page, &drawn, true).unwrap();
        let voucher = with.find("<main id=\"slot\">").unwrap();
        let style = with.find(&style()).unwrap();
        let preload = with.find("<link rel=\"preload\"").unwrap();
        let scripts = with.find("<script").unwrap();
        assert!(style < with.find("</head>").unwrap());
        assert!(voucher < preload && preload < scripts, "{with}");
        assert!(with.contains("</main>\n<link rel=\"preload\""), "{with}");
        assert!(with.contains("<script type=\"module\" src=\"/hosted.js\"></script>\n</body>"));
        let (bare, _) = element("vch_1", "s", None, NOW);
        let without = into_page(page, &bare, false).unwrap();
        assert!(without.find("<script").unwrap() < without.find("</head>").unwrap());
    }

    #[test]
    fn the_element_goes_into_the_slot_and_the_style_into_the_head() {
        let (drawn, with_first) = element("vch_1", "vch_1_secret_\"x", Some(&efecty()), NOW);
        assert!(with_first);
        assert!(drawn.starts_with(
            "<main id=\"slot\"><vale-voucher voucher=\"vch_1\" client-secret=\"vch_1_secret_&quot;x\"><div class=\"vale-first\"><div class=\"vale-root\">"
        ));
        assert!(drawn.ends_with("</div></vale-voucher></main>"));
        let page =
            "<html><head><title>t</title></head><body><main id=\"slot\"></main></body></html>";
        let with = into_page(page, &drawn, true).unwrap();
        assert_eq!(
            with,
            format!(
                "<html><head><title>t</title>{}</head><body>{drawn}</body></html>",
                style()
            )
        );
        let noscript = "<head></head><main id=\"slot\"></main>\n<noscript>JS</noscript>\n";
        let page_drawn = into_page(noscript, "<main id=\"slot\">v</main>", true).unwrap();
        assert!(!page_drawn.contains("noscript") && page_drawn.ends_with("</main>\n\n"));
        let (bare, with_first) = element("vch_1", "s", None, NOW);
        assert!(!with_first);
        assert_eq!(
            bare,
            "<main id=\"slot\"><vale-voucher voucher=\"vch_1\" client-secret=\"s\"></vale-voucher></main>"
        );
        assert!(
            into_page(noscript, &bare, false)
                .unwrap()
                .contains("<noscript>JS</noscript>")
        );
        let without = into_page(page, &bare, false).unwrap();
        assert!(!without.contains("<style>"));
        let (paid, with_first) = element(
            "vch_1",
            "s",
            Some(&Answer {
                voucher: DisplayVoucher {
                    status: VoucherStatus::Paid,
                    ..efecty().voucher
                },
                ..efecty()
            }),
            NOW,
        );
        assert!(!with_first && !paid.contains("vale-first"), "{paid}");
        assert_eq!(into_page("<html></html>", &bare, false), None);
    }
}
