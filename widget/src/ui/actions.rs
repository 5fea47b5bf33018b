//! Copy the code, show it to the cashier, print the voucher, share its link (the share
//! sheet, WhatsApp, or the clipboard), save a calendar reminder: each with a fallback and
//! a spoken confirmation.

use super::cashier;
use crate::browser;
use crate::dom::{El, Handlers, el};
use crate::sleep::Sleeper;
use vale_shared::voucher::{DisplayVoucher, group_for_reading};
use vale_shared::when;
use wasm_bindgen_futures::spawn_local;

/// The message a shopper sends to someone (or to themselves) to pay later: the code, the
/// amount, the deadline and the hosted link.
pub fn share_text(v: &DisplayVoucher) -> String {
    [
        "Código ",
        v.network.brand(),
        ": ",
        &group_for_reading(&v.payment_code),
        ". Monto: ",
        &v.amount.to_string(),
        ". ",
        &when::pay_before(v.expires_at, v.network),
        ". Tu código de pago: ",
        &v.hosted_url,
    ]
    .concat()
}

/// A `wa.me` link that opens WhatsApp with [`share_text`] ready to send.
pub fn whatsapp_url(v: &DisplayVoucher) -> String {
    let text: String = js_sys::encode_uri_component(&share_text(v)).into();
    ["https://wa.me/?text=", &text].concat()
}

/// The reminder as a `data:` URL for a download link.
pub fn reminder_url(v: &DisplayVoucher) -> String {
    let ics: String = js_sys::encode_uri_component(&crate::ics::reminder(v)).into();
    ["data:text/calendar;charset=utf-8,", &ics].concat()
}

/// The buttons and the line that says what happened. `code` is the visible code, selected
/// when the clipboard is out of reach; the cashier view opens inside `view` and names
/// `payee` (the store and its convenio).
pub fn actions(
    v: &DisplayVoucher,
    payee: &str,
    code: &El,
    view: &El,
    host: &web_sys::HtmlElement,
    handlers: &Handlers,
) -> [El; 2] {
    let notice = el("p")
        .class("notice")
        .attr("role", "status")
        .attr("aria-live", "polite");
    // One word per thing: the code is the Efecty reference or the CIP.
    let copy_label = match v.network {
        vale_shared::Network::Efecty => "Copiar referencia",
        vale_shared::Network::Pagoefectivo => "Copiar CIP",
    };
    let copy_button = el("button")
        .attr("type", "button")
        .class("button primary")
        .text(copy_label);
    let copy = {
        let (notice, button, code_node) = (notice.clone(), copy_button.clone(), code.clone());
        let code = v.payment_code.clone();
        move |_| {
            let (notice, button, code_node, code) = (
                notice.clone(),
                button.clone(),
                code_node.clone(),
                code.clone(),
            );
            spawn_local(async move {
                if browser::copy(&code).await {
                    button.set_text("¡Copiado!");
                    notice.set_text("Código copiado.");
                    Sleeper::default().sleep(3_000).await;
                    button.set_text(copy_label);
                } else {
                    browser::select(&code_node.0);
                    notice.set_text(
                        "No pudimos copiarlo: mantén presionado el código y elige Copiar.",
                    );
                }
            });
        }
    };
    let share = {
        let notice = notice.clone();
        let title = [
            "Código de pago ",
            v.network.brand(),
            " por ",
            &v.amount.to_string(),
        ]
        .concat();
        let text = share_text(v);
        let link = v.hosted_url.clone();
        move |_| {
            let (notice, title, text, link) =
                (notice.clone(), title.clone(), text.clone(), link.clone());
            spawn_local(async move {
                if browser::can_share() {
                    // A cancelled share sheet needs no message.
                    browser::share(&title, &text, &link).await;
                } else if browser::copy(&link).await {
                    notice.set_text("Enlace copiado: guárdalo para volver a tu código de pago.");
                } else {
                    notice.set_text(
                        &[
                            "Guarda este enlace para volver a tu código de pago: ",
                            &link,
                        ]
                        .concat(),
                    );
                }
            });
        }
    };
    let cashier_button = el("button")
        .attr("type", "button")
        .class("button cashier-open")
        .text("Mostrar al cajero");
    let show = {
        let (v, payee, view, opener, host) = (
            v.clone(),
            payee.to_owned(),
            view.clone(),
            cashier_button.clone(),
            host.clone(),
        );
        let handlers = handlers.clone();
        move |_| cashier::open(&v, &payee, &view, &opener, &host, &handlers)
    };
    // Without a share sheet (most desktops), the button says what it does instead.
    let share_label = if browser::can_share() {
        "Compartir"
    } else {
        "Copiar enlace"
    };
    let buttons = el("div")
        .class("actions")
        .child(copy_button.on("click", handlers, copy))
        .child(cashier_button.on("click", handlers, show))
        .child(
            el("button")
                .attr("type", "button")
                .class("button")
                .text("Imprimir")
                .on("click", handlers, |_| browser::print()),
        )
        .child(
            el("button")
                .attr("type", "button")
                .class("button share")
                .text(share_label)
                .on("click", handlers, share),
        )
        .child(
            el("a")
                .class("button whatsapp")
                .attr("href", &whatsapp_url(v))
                .attr("target", "_blank")
                .attr("rel", "noopener noreferrer")
                .text("Enviar por WhatsApp"),
        )
        .child(
            el("a")
                .class("button reminder")
                .attr("href", &reminder_url(v))
                .attr(
                    "download",
                    &["recordatorio-", v.network.as_str(), ".ics"].concat(),
                )
                .text("Recordatorio"),
        );
    [buttons, notice]
}
