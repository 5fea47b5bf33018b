//! The hosted page's first paint: a pending voucher drawn into the page's HTML by the edge
//! (amount, payment code, barcode, deadline), so a phone on 3G shows what to pay as soon as
//! the page arrives instead of after the script, the wasm and the voucher's request. It is
//! the `<vale-voucher>` element's own children: the widget shows them through a `<slot>`
//! while it loads, and replaces them with its full view (channels, countdown, cashier
//! view, offline copy) once it has drawn.
//!
//! Only a pending voucher whose code may be shown gets one; anything else (paid, expired,
//! under review) is left to the widget, which words those states.

use time::OffsetDateTime;
use vale_shared::barcode::{self, Symbology, draw};
use vale_shared::voucher::DisplayVoucher;
use vale_shared::{VoucherStatus, when};

/// Text made safe for HTML content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// CSS pixels per module: bars one CSS pixel wide (whole device pixels at any integer
/// device pixel ratio), QR modules four.
const fn css_per_module(symbology: Symbology) -> u32 {
    match symbology {
        Symbology::Qr => 4,
        Symbology::Gs1_128 | Symbology::Code128 => 1,
    }
}

/// The widest symbol drawn across, in modules (one CSS pixel each): what fits a 360 px
/// phone inside the page's and the card's padding. A longer one (an Efecty GS1-128 with
/// its GLN, reference, amount and date) is drawn turned, its bars running across and
/// following each other downwards, as the widget does on a narrow phone.
const WIDEST_ACROSS: u32 = 296;

/// How long turned bars are, in CSS pixels.
const TURNED_BAR_CSS_PX: u32 = 200;

/// The barcode as an inline SVG in whole CSS pixels per module, or `None` if its data
/// cannot be drawn.
fn barcode_svg(code: &barcode::Barcode) -> Option<String> {
    let symbol = barcode::symbol(code).ok()?;
    let mut drawing = draw::draw(&symbol, draw::MIN_MODULE_PX);
    if drawing.shape == draw::Shape::Linear && drawing.modules_across > WIDEST_ACROSS {
        drawing = drawing.turned(TURNED_BAR_CSS_PX * draw::MIN_MODULE_PX);
    }
    let scale = css_per_module(code.symbology);
    let (w, h) = (drawing.width, drawing.height);
    let css = |units: u32| units / drawing.module_px * scale;
    // Bars at one CSS pixel are one device pixel on a 1× screen: twice as large there
    // (`.bars`, see STYLE), as the widget never draws a module under two device pixels.
    let class = if drawing.shape == draw::Shape::Linear {
        " class=\"bars\""
    } else {
        ""
    };
    Some(format!(
        "<svg{class} viewBox=\"0 0 {w} {h}\" width=\"{}\" height=\"{}\" shape-rendering=\"crispEdges\" \
         role=\"img\" aria-label=\"Código de barras para escanear\">\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{}\"/></svg>",
        css(w),
        css(h),
        drawing.path()
    ))
}

/// The voucher's first paint, or `None` when the widget alone should draw it.
pub fn render(view: &DisplayVoucher, merchant_name: &str, now: OffsetDateTime) -> Option<String> {
    if view.status != VoucherStatus::Pending || view.expires_at <= now {
        return None;
    }
    let svg = barcode_svg(&view.barcode)?;
    let test = if view.livemode {
        ""
    } else {
        "<p class=\"vf-test\">Prueba: no pagues este código.</p>"
    };
    Some(format!(
        "<div class=\"vale-first\">{test}\
         <p class=\"vf-who\">{} · Pedido {}</p>\
         <p class=\"vf-amount\">{}</p>\
         <p class=\"vf-code\">Tu código de pago <strong>{}</strong></p>\
         <div class=\"vf-barcode\">{svg}</div>\
         <p class=\"vf-deadline\">{}</p></div>",
        escape(merchant_name),
        escape(&view.reference),
        escape(&view.amount.to_string()),
        escape(&view.payment_code),
        escape(&when::pay_before(view.expires_at, view.network)),
    ))
}

/// The styles of the first paint (light DOM of the hosted page only).
pub const STYLE: &str = "<style>\
.vale-first{background:#fff;border-radius:12px;padding:1rem;color:#111;line-height:1.4}\
.vale-first p{margin:.25rem 0}\
.vf-test{color:#92400e;background:#fef3c7;padding:.25rem .5rem;border-radius:6px}\
.vf-who{color:#4b5563}\
.vf-amount{font-size:1.75rem;font-weight:700}\
.vf-code strong{display:block;font-size:1.5rem;letter-spacing:.05em}\
.vf-barcode{overflow-x:auto;margin:.75rem 0}\
.vale-first svg{display:block}\
@media (max-resolution:1.5dppx){.vale-first svg.bars{zoom:2}}\
</style>";

/// The hosted page with the element in place: `<vale-voucher>` with the first paint as
/// its children (or empty, for the widget alone) inside the page's `<main id="slot">`,
/// and its styles in the head; with a first paint, the page's `<noscript>` note (that it
/// needs JavaScript to show) goes, as it no longer does. `None` if the page has no slot.
pub fn into_page(page: &str, id: &str, client_secret: &str, first: Option<&str>) -> Option<String> {
    const SLOT: &str = "<main id=\"slot\"></main>";
    let at = page.find(SLOT)?;
    let element = format!(
        "<main id=\"slot\"><vale-voucher voucher=\"{}\" client-secret=\"{}\">{}</vale-voucher></main>",
        escape(id),
        escape(client_secret),
        first.unwrap_or("")
    );
    let mut out = String::with_capacity(page.len() + element.len() + STYLE.len());
    let (head, rest) = page.split_at(at);
    match (first, head.find("</head>")) {
        (Some(_), Some(end)) => {
            out.push_str(&head[..end]);
            out.push_str(STYLE);
            out.push_str(&head[end..]);
        }
        _ => out.push_str(head),
    }
    out.push_str(&element);
    let rest = &rest[SLOT.len()..];
    match (first, rest.find("<noscript>"), rest.find("</noscript>")) {
        (Some(_), Some(open), Some(close)) if open < close => {
            out.push_str(&rest[..open]);
            out.push_str(&rest[close + "</noscript>".len()..]);
        }
        _ => out.push_str(rest),
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn pending(network: &str, code: &str, barcode: &str) -> DisplayVoucher {
        serde_json::from_str(&format!(
            r#"{{"id": "vch_0123456789abcdefghjkmnpq", "livemode": false, "network": "{network}",
              "status": "pending", "amount": 5000000, "currency": "COP",
              "reference": "<b>r&1</b>", "description": null, "payment_code": "{code}",
              "barcode": {barcode}, "expires_at": "2026-12-08T04:59:59Z",
              "time_zone": "America/Bogota", "created_at": "2026-12-05T12:00:00Z",
              "paid_at": null, "hosted_url": "http://127.0.0.1:8787/v/vch_0123456789abcdefghjkmnpq",
              "server_time": "2026-12-05T12:00:00Z"}}"#
        ))
        .unwrap()
    }

    fn efecty() -> DisplayVoucher {
        pending(
            "efecty",
            "12345678",
            r#"{"symbology": "code128", "data": "12345678", "text": "12345678"}"#,
        )
    }

    const NOW: OffsetDateTime = datetime!(2026-12-05 12:00 UTC);

    #[test]
    fn a_pending_voucher_is_drawn_with_its_amount_code_barcode_and_deadline() {
        let html = render(&efecty(), "Tienda \"Local\"", NOW).unwrap();
        assert!(html.contains("Tienda &quot;Local&quot; · Pedido &lt;b&gt;r&amp;1&lt;/b&gt;"));
        assert!(html.contains("<strong>12345678</strong>"));
        assert!(html.contains(&efecty().amount.to_string()));
        assert!(
            html.contains(
                "Paga antes del lunes 7 de diciembre a las 11:59 p. m. (hora de Colombia)"
            )
        );
        assert!(html.contains("Prueba: no pagues este código."));
        assert!(html.contains("<div class=\"vf-barcode\"><svg class=\"bars\" viewBox=\"0 0 "));
        assert!(!html.contains("<b>"), "merchant text is escaped");
    }

    #[test]
    fn bars_are_one_css_pixel_per_module_and_qr_modules_four() {
        let html = render(&efecty(), "T", NOW).unwrap();
        let symbol = barcode::symbol(&efecty().barcode).unwrap();
        let across = draw::modules_across(&symbol);
        assert!(html.contains(&format!("viewBox=\"0 0 {} ", across * draw::MIN_MODULE_PX)));
        assert!(html.contains(&format!("width=\"{across}\"")));
        let qr = pending(
            "pagoefectivo",
            "1234567890",
            r#"{"symbology": "qr", "data": "1234567890", "text": "CIP 1234567890"}"#,
        );
        let html = render(&qr, "T", NOW).unwrap();
        let symbol = barcode::symbol(&qr.barcode).unwrap();
        let across = draw::modules_across(&symbol);
        assert!(html.contains(&format!(
            "width=\"{}\" height=\"{}\"",
            across * 4,
            across * 4
        )));
        assert!(
            html.contains("<svg viewBox"),
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
        let symbol = barcode::symbol(&long.barcode).unwrap();
        let across = draw::modules_across(&symbol);
        assert!(across > WIDEST_ACROSS);
        let html = render(&long, "T", NOW).unwrap();
        assert!(html.contains(&format!(
            "width=\"{TURNED_BAR_CSS_PX}\" height=\"{across}\""
        )));
    }

    #[test]
    fn only_a_pending_voucher_before_its_deadline_gets_one() {
        for status in [
            VoucherStatus::Paid,
            VoucherStatus::Expired,
            VoucherStatus::Cancelled,
        ] {
            let view = DisplayVoucher { status, ..efecty() };
            assert_eq!(render(&view, "T", NOW), None, "{status:?}");
        }
        // Past the deadline, inside the confirmation window: the widget words it.
        assert_eq!(
            render(&efecty(), "T", datetime!(2026-12-08 05:00 UTC)),
            None
        );
        let unreadable = pending(
            "efecty",
            "1",
            r#"{"symbology": "gs1-128", "data": "(99)", "text": ""}"#,
        );
        assert_eq!(render(&unreadable, "T", NOW), None);
    }

    #[test]
    fn the_element_goes_into_the_slot_and_the_style_into_the_head() {
        let page =
            "<html><head><title>t</title></head><body><main id=\"slot\"></main></body></html>";
        let with = into_page(page, "vch_1", "vch_1_secret_\"x", Some("<p>hola</p>")).unwrap();
        assert_eq!(
            with,
            format!(
                "<html><head><title>t</title>{STYLE}</head><body><main id=\"slot\"><vale-voucher voucher=\"vch_1\" client-secret=\"vch_1_secret_&quot;x\"><p>hola</p></vale-voucher></main></body></html>"
            )
        );
        let noscript = "<head></head><main id=\"slot\"></main>\n<noscript>JS</noscript>\n";
        let drawn = into_page(noscript, "vch_1", "s", Some("<p>v</p>")).unwrap();
        assert!(!drawn.contains("noscript") && drawn.ends_with("</main>\n\n"));
        assert!(
            into_page(noscript, "vch_1", "s", None)
                .unwrap()
                .contains("<noscript>JS</noscript>")
        );
        let without = into_page(page, "vch_1", "s", None).unwrap();
        assert!(
            without.contains("<vale-voucher voucher=\"vch_1\" client-secret=\"s\"></vale-voucher>")
        );
        assert!(!without.contains("<style>"));
        assert_eq!(into_page("<html></html>", "vch_1", "s", None), None);
    }
}
