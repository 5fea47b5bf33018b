//! The voucher while it waits for the cash: amount, code, barcode, deadline and how to pay.

use super::{Ticking, actions, barcode};
use crate::api::Answer;
use crate::dom::{El, Handlers, el, view};
use crate::guidance;
use time::OffsetDateTime;
use vale_shared::voucher::{code_groups, group_for_reading};
use vale_shared::{expiry, when};

/// Under two hours left: the countdown turns urgent and a warning says what that means.
pub const URGENT_SECONDS: i64 = 2 * 3600;

/// What the warning says when less than [`URGENT_SECONDS`] are left.
pub const SOON: &str = "Quedan menos de 2 horas para pagar. Si no alcanzas a llegar a un punto \
    de pago antes de la hora límite, no pagues este código: pide uno nuevo en la tienda.";

/// The pending voucher, and what of it ticks. Nothing else drawn here changes while it is
/// pending.
pub fn pending(a: &Answer, host: &web_sys::HtmlElement, handlers: &Handlers) -> (El, Ticking) {
    let v = &a.voucher;
    let code_label = match v.network {
        vale_shared::Network::Pagoefectivo => "Código CIP",
        vale_shared::Network::Efecty => "Número de referencia",
    };
    let groups = el("span")
        .class("code-groups")
        .attr("aria-hidden", "true")
        .children(
            code_groups(&v.payment_code)
                .iter()
                .map(|g| el("span").class("group").text(g)),
        );
    let code = el("p")
        .class("code")
        .child(
            el("span")
                .class("sr")
                .text(&group_for_reading(&v.payment_code)),
        )
        .child(groups.clone());
    // The time left in words first; the ticking clock, which reads as a second deadline
    // to many, small beside it.
    let words = el("span").class("countdown-words");
    let value = el("span").class("countdown-value");
    let countdown = el("p")
        .class("countdown")
        .attr("role", "timer")
        .child(words.clone())
        .child(
            el("span")
                .class("countdown-clock")
                .text(" · ")
                .child(value.clone()),
        );
    let soon = el("p").class("soon").attr("role", "alert");
    soon.flag("hidden", true);
    // Efecty: the cashier's first question is "¿a qué convenio, a qué empresa?".
    let efecty = v.network == vale_shared::Network::Efecty;
    let convenio = a
        .convenio
        .as_deref()
        .filter(|_| efecty)
        .map(|c| el("p").class("convenio").text("Convenio ").text(c));
    let say = efecty.then(|| {
        el("p")
            .class("say")
            .text("Dile al cajero: ")
            .text(&to_say(a))
    });
    let (finder_text, finder_url) = guidance::finder(v.network);
    let channels = guidance::channels(v.network, v.amount, &v.payment_code, a.convenio.as_deref());
    let view = view();
    let view = view
        .clone()
        .child(header(a, "Paga en efectivo"))
        .child(
            el("section")
                .class("block code-block")
                .attr("aria-labelledby", "vale-code-h")
                .maybe(convenio)
                .child(
                    el("h3")
                        .attr("id", "vale-code-h")
                        .class("label")
                        .text(code_label),
                )
                .child(code)
                .maybe(say),
        )
        .child(barcode::barcode(&v.barcode, host.client_width()))
        .child(
            el("section")
                .class("block deadline")
                .attr("aria-labelledby", "vale-deadline-h")
                .child(
                    el("h3")
                        .attr("id", "vale-deadline-h")
                        .class("label")
                        .text("Fecha límite"),
                )
                .child(
                    el("p")
                        .class("deadline-text")
                        .text(&when::pay_before(v.expires_at, v.network)),
                )
                .child(countdown.clone())
                .child(soon.clone()),
        )
        // On a phone: amount, code, barcode, deadline, then what to do with them.
        .child(el("div").class("block act").children(actions::actions(
            v,
            &payee(a),
            &groups,
            &view,
            host,
            handlers,
        )))
        .child(
            el("section")
                .class("block howto")
                .attr("aria-labelledby", "vale-howto-h")
                .child(
                    el("h3")
                        .attr("id", "vale-howto-h")
                        .text("Cómo pagar con ")
                        .text(v.network.brand()),
                )
                .children(
                    channels
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| channel(c, i == 0)),
                )
                .child(
                    el("p").class("nearby").child(
                        el("a")
                            .class("button")
                            .attr("href", guidance::nearby(v.network))
                            .attr("target", "_blank")
                            .attr("rel", "noopener noreferrer")
                            .text("Buscar puntos cercanos"),
                    ),
                )
                .child(
                    el("p")
                        .class("finder")
                        .text(finder_text)
                        .text(" ")
                        .child(
                            el("a")
                                .attr("href", finder_url)
                                .attr("target", "_blank")
                                .attr("rel", "noopener noreferrer")
                                // `strip_prefix`, not `trim_start_matches`: the
                                // latter's string searcher brings panic
                                // formatting (`char`'s Debug) into the wasm.
                                .text(
                                    finder_url
                                        .strip_prefix("https://www.")
                                        .unwrap_or(finder_url),
                                ),
                        )
                        .text(". Solo te mostramos los lugares que aceptan este monto."),
                ),
        )
        .child(
            el("section")
                .class("block after")
                .attr("aria-labelledby", "vale-after-h")
                .child(el("h3").attr("id", "vale-after-h").text("Después de pagar"))
                .child(el("p").text(&guidance::after_paying(
                    v.network,
                    a.merchant_name.as_deref().unwrap_or("la tienda"),
                    &v.reference,
                ))),
        );
    let ticking = Ticking {
        expires_at: v.expires_at,
        words,
        value,
        countdown,
        soon,
        urgent: false,
    };
    (view, ticking)
}

/// Brings the countdown and the two-hour warning to `now` (the server's clock).
pub fn tick(t: &mut Ticking, now: OffsetDateTime) {
    t.words.set_text(&when::time_left(t.expires_at, now));
    t.value.set_text(&expiry::countdown_text(t.expires_at, now));
    let urgent = (t.expires_at - now).whole_seconds() < URGENT_SECONDS;
    if urgent != t.urgent {
        t.urgent = urgent;
        t.countdown.set_attr(
            "class",
            Some(if urgent {
                "countdown urgent"
            } else {
                "countdown"
            }),
        );
        // Text put into a live `alert` is what gets announced.
        t.soon.set_text(if urgent { SOON } else { "" });
        t.soon.flag("hidden", !urgent);
    }
}

/// Network, who is being paid and for which order, amount and what the payment is for;
/// in test mode, in the page itself, not to pay it.
pub fn header(a: &Answer, title: &str) -> El {
    let v = &a.voucher;
    let test = (!v.livemode).then(|| {
        el("p")
            .class("test-badge")
            .text("Prueba: no pagues este código.")
    });
    let description = v
        .description
        .as_deref()
        .map(|d| el("p").class("description").text(d));
    el("header")
        .class("head")
        .child(
            el("p")
                .class("network")
                .child(el("span").class("network-name").text(v.network.brand())),
        )
        .maybe(test)
        .child(el("p").class("who").text(&who(a)))
        .child(
            el("p")
                .class("issued")
                .text("Código emitido el ")
                .text(&when::in_zone(v.created_at, v.network)),
        )
        .child(el("h2").class("title").text(title))
        .child(el("p").class("amount").text(&v.amount.to_string()))
        .maybe(description)
}

/// `Tienda Local · Pedido order-1001` (`Pedido order-1001` when the store has no name).
pub fn who(a: &Answer) -> String {
    let order = ["Pedido ", &a.voucher.reference].concat();
    match &a.merchant_name {
        Some(name) => [name, " · ", &order].concat(),
        None => order,
    }
}

/// Whom the cashier collects for: `Tienda Local · Convenio 112233`, leaving out what the
/// voucher does not have (empty when it has neither).
pub fn payee(a: &Answer) -> String {
    let convenio = a.convenio.as_deref().map(|c| ["Convenio ", c].concat());
    [a.merchant_name.clone(), convenio]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// What to say at an Efecty counter: «Vengo a pagar a Tienda Local, convenio 112233,
/// referencia 1000 0000 0420», leaving out what the voucher does not have.
pub fn to_say(a: &Answer) -> String {
    let mut out = String::from("«Vengo a pagar");
    for (lead, part) in [
        (" a ", a.merchant_name.as_deref()),
        (", convenio ", a.convenio.as_deref()),
    ] {
        if let Some(part) = part {
            out.push_str(lead);
            out.push_str(part);
        }
    }
    out.push_str(", referencia ");
    out.push_str(&group_for_reading(&a.voucher.payment_code));
    out.push('»');
    out
}

/// One way to pay, as a disclosure; the first one starts open.
fn channel(c: guidance::Channel, open: bool) -> El {
    let steps = c.steps.into_iter().map(|step| {
        step.into_iter().fold(el("li"), |li, p| {
            if p.strong {
                li.child(el("strong").text(&p.text))
            } else {
                li.text(&p.text)
            }
        })
    });
    let details = el("details")
        .class("channel")
        .child(
            el("summary")
                .text(c.title)
                .child(el("span").class("see").text(" · Ver pasos")),
        )
        .child(el("p").class("places").text(&c.places))
        .child(el("ol").class("steps").children(steps));
    details.flag("open", open);
    details
}
