//! Everything but the pending voucher: the loading skeleton, a voucher that could not be
//! read, one past its deadline that waits for a late confirmation, and the settled states
//! (paid, expired, cancelled, refunded).

use super::Shown;
use super::pending::header;
use crate::api::{Answer, FetchError};
use crate::dom::{El, Handlers, el, svg, view};
use time::OffsetDateTime;
use vale_shared::when;

/// Grey blocks where the voucher will be, while the first answer is on its way.
pub fn loading() -> El {
    let blocks = [
        "sk sk-line short",
        "sk sk-amount",
        "sk sk-code",
        "sk sk-bars",
        "sk sk-line",
        "sk sk-line",
    ];
    // A page that drew the voucher already (the hosted page's first paint, the element's
    // own children) keeps showing it through the slot; any other shows the skeleton.
    view()
        .child(
            el("slot").child(
                el("div")
                    .class("skeleton")
                    .attr("aria-hidden", "true")
                    .children(blocks.iter().map(|c| el("div").class(c))),
            ),
        )
        .child(el("p").class("sr").text("Cargando tu código de pago…"))
}

/// The voucher could not be read at all; `retry` asks again, offered only where that can
/// help: not for a wrong or incomplete link, nor a secret key in the page.
pub fn failed(error: FetchError, handlers: &Handlers, retry: impl Fn() + 'static) -> El {
    let button = error.is_transient().then(|| {
        el("button")
            .attr("type", "button")
            .class("button primary")
            .text("Reintentar")
            .on("click", handlers, move |_| retry())
    });
    view().child(
        el("div")
            .class("outcome problem")
            .child(icon(Icon::Alert))
            .child(
                el("h2")
                    .class("title")
                    .text("No pudimos mostrar tu código de pago"),
            )
            .child(el("p").text(error.message()))
            .maybe(button),
    )
}

/// When an expired voucher stopped being payable, to word it by: its deadline or, when it
/// expired earlier (a sandbox or network expiry), `expired_at`; never a time still ahead by
/// the server's clock (an answer with no `expired_at` and a deadline to come says no date).
pub fn expired_when(a: &Answer) -> Option<OffsetDateTime> {
    let v = &a.voucher;
    // Compared as seconds: `OffsetDateTime`'s ordering costs the wasm more.
    let deadline = v.expires_at.unix_timestamp();
    match a.expired_at {
        Some(at) if at.unix_timestamp() < deadline => Some(at),
        Some(_) => Some(v.expires_at),
        None => (deadline <= v.server_time.unix_timestamp()).then_some(v.expires_at),
    }
}

/// A voucher that no longer waits for cash, or (`Confirming`) waits only to hear of a
/// payment made before the deadline.
pub fn settled(shown: Shown, a: &Answer) -> El {
    let v = &a.voucher;
    let deadline = || when::in_zone(v.expires_at, v.network);
    // "<lead><when>" when the time is known, else nothing.
    let on = |lead: &str, at: Option<OffsetDateTime>| {
        at.map(|at| [lead, &when::in_zone(at, v.network)].concat())
            .unwrap_or_default()
    };
    // The store by its name, or "la tienda".
    let store = a.merchant_name.as_deref();
    let the_store = store.unwrap_or("la tienda");
    let paper = receipt(v.network);
    let expired = expired_when(a);
    // Expired or cancelled: the shopper who already paid keeps the paper and writes.
    let paid_anyway = [
        "¿Ya pagaste? Guarda ",
        paper,
        " y escribe a ",
        the_store,
        " con tu pedido ",
        &v.reference,
        ".",
    ]
    .concat();
    let (class, mark, title, body): (&str, Icon, &str, String) = match shown {
        // What is true for every store: the network confirmed the payment to it. What the
        // store does next (and when) is the store's to say.
        Shown::Paid => (
            "outcome paid",
            Icon::Check,
            "¡Pago recibido!",
            [
                store.unwrap_or("La tienda"),
                " ya recibió tu pago de ",
                &v.amount.to_string(),
                &on(" el ", v.paid_at),
                ". Guarda ",
                paper,
                ".",
            ]
            .concat(),
        ),
        Shown::Refunded => (
            "outcome refunded",
            Icon::Back,
            "Pago devuelto",
            "La tienda devolvió este pago. Si tienes dudas, escríbele a la tienda.".into(),
        ),
        Shown::Confirming => (
            "outcome waiting",
            Icon::Clock,
            "El plazo para pagar venció",
            [
                "Venció el ",
                &deadline(),
                ". Si ya pagaste, estamos confirmando tu pago; esta página se actualizará \
                 sola. Si no has pagado, no lo hagas ahora: este código ya no sirve. Vuelve \
                 a la tienda para generar uno nuevo.",
            ]
            .concat(),
        ),
        Shown::Review => (
            "outcome waiting",
            Icon::Clock,
            "Tu pedido está en revisión",
            [
                store.unwrap_or("La tienda"),
                " está revisando tu pedido antes de darte el código de pago. Cuando lo \
                 apruebe, el código aparecerá aquí; esta página se actualizará sola. No \
                 pagues nada todavía.",
            ]
            .concat(),
        ),
        Shown::Cancelled => (
            "outcome closed",
            Icon::Cross,
            "Este código fue anulado",
            [
                store.unwrap_or("La tienda"),
                " lo anuló",
                &on(" el ", a.cancelled_at),
                ". No lo pagues: ya no será aceptado. Si aún quieres tu pedido, vuelve a la \
                 tienda.",
            ]
            .concat(),
        ),
        _ => (
            "outcome closed",
            Icon::Clock,
            "Este código venció",
            [
                on("Venció el ", expired).as_str(),
                if expired.is_some() { ". " } else { "" },
                "No lo pagues: ya no será aceptado. Si aún quieres tu pedido, vuelve a la \
                 tienda y pide un código nuevo; puedes pagarlo en el mismo punto.",
            ]
            .concat(),
        ),
    };
    let paid_anyway = matches!(shown, Shown::Expired | Shown::Cancelled)
        .then(|| el("p").class("paid-anyway").text(&paid_anyway));
    // Back to the store, where a new code is asked for (or the order is followed).
    let back = a.return_url.as_deref().map(|url| {
        let label = match &a.merchant_name {
            Some(name) => ["Volver a ", name].concat(),
            None => "Volver a la tienda".to_owned(),
        };
        el("a")
            .class("button primary")
            .attr("href", url)
            .text(&label)
    });
    view().child(header(a, "Pago en efectivo")).child(
        el("div")
            .class(class)
            .child(icon(mark))
            .child(el("h3").class("title").text(title))
            .child(el("p").text(&body))
            .maybe(paid_anyway)
            .maybe(back),
    )
}

/// The cashier's paper, with its article: `el recibo` (Colombia), `el voucher` (Peru).
pub const fn receipt(network: vale_shared::Network) -> &'static str {
    match network {
        vale_shared::Network::Efecty => "el recibo",
        vale_shared::Network::Pagoefectivo => "el voucher",
    }
}

/// The mark at the top of a state, drawn as SVG so no font can lack the glyph.
#[derive(Debug, Clone, Copy)]
enum Icon {
    Check,
    Clock,
    Cross,
    Back,
    Alert,
}

fn icon(which: Icon) -> El {
    let d = match which {
        Icon::Check => "M5 12.5l4.5 4.5L19 7.5",
        Icon::Clock => "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3.5 2",
        Icon::Cross => "M6.5 6.5l11 11M17.5 6.5l-11 11",
        Icon::Back => "M9 4L4 9l5 5M4 9h9a6 6 0 0 1 0 12h-3",
        Icon::Alert => "M12 6v8M12 17.5v.5",
    };
    let mark = svg("svg")
        .attr("viewBox", "0 0 24 24")
        .attr("width", "28")
        .attr("height", "28")
        .attr("fill", "none")
        .attr("stroke", "currentColor")
        .attr("stroke-width", "2.5")
        .attr("stroke-linecap", "round")
        .attr("stroke-linejoin", "round")
        .child(svg("path").attr("d", d));
    el("div")
        .class("icon")
        .attr("aria-hidden", "true")
        .child(mark)
}
