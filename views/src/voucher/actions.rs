//! Copy the code, show it to the cashier, print the voucher, share its link (the share
//! sheet, WhatsApp, or the clipboard), save a calendar reminder: each with a fallback and
//! a spoken confirmation.

use super::Place;
use super::cashier::cashier;
use crate::browser;
use crate::words::{reminder_url, share_text, whatsapp_url};
use leptos::html::{Button, Span};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use vale_shared::Network;
use vale_shared::voucher::DisplayVoucher;

/// The buttons and the line that says what happened. `code` is the visible code, selected
/// when the clipboard is out of reach; the cashier view names `payee` (the store and its
/// convenio).
#[component]
pub fn Actions(
    /// The voucher.
    voucher: DisplayVoucher,
    /// Whom the cashier collects for.
    payee: String,
    /// The visible code.
    code: NodeRef<Span>,
    /// Where the voucher is drawn.
    place: Place,
) -> impl IntoView {
    let v = voucher;
    // What the last action did, read out by screen readers.
    let notice = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    // One word per thing: the code is the Efecty reference or the CIP.
    let copy_label = match v.network {
        Network::Efecty => "Copiar referencia",
        Network::Pagoefectivo => "Copiar CIP",
    };
    let payment_code = v.payment_code.clone();
    let copy = move |_| {
        let payment_code = payment_code.clone();
        spawn_local(async move {
            if browser::copy(&payment_code).await {
                copied.set(true);
                notice.set(Some("Código copiado.".into()));
                set_timeout(move || copied.set(false), Duration::from_secs(3));
            } else {
                if let Some(node) = code.get_untracked() {
                    browser::select(&node);
                }
                notice.set(Some(
                    "No pudimos copiarlo: mantén presionado el código y elige Copiar.".into(),
                ));
            }
        });
    };
    let title = [
        "Código de pago ",
        v.network.brand(),
        " por ",
        &v.amount.to_string(),
    ]
    .concat();
    let text = share_text(&v);
    let link = v.hosted_url.clone();
    let share = move |_| {
        let (title, text, link) = (title.clone(), text.clone(), link.clone());
        spawn_local(async move {
            if browser::can_share() {
                // A cancelled share sheet needs no message.
                browser::share(&title, &text, &link).await;
            } else if browser::copy(&link).await {
                notice.set(Some(
                    "Enlace copiado: guárdalo para volver a tu código de pago.".into(),
                ));
            } else {
                notice.set(Some(
                    [
                        "Guarda este enlace para volver a tu código de pago: ",
                        &link,
                    ]
                    .concat(),
                ));
            }
        });
    };
    // Without a share sheet (most desktops), the button says what it does instead.
    let share_label = if place.can_share {
        "Compartir"
    } else {
        "Copiar enlace"
    };
    let download = ["recordatorio-", v.network.as_str(), ".ics"].concat();
    let off = !place.live;
    let whatsapp = whatsapp_url(&v);
    let reminder = reminder_url(&v);
    view! {
        <div class="actions">
            <button type="button" class="button primary" disabled=off on:click=copy>
                {move || if copied.get() { "¡Copiado!" } else { copy_label }}
            </button>
            <Cashier voucher=v payee=payee host=place.host off=off/>
            <button type="button" class="button" disabled=off on:click=|_| browser::print()>
                "Imprimir"
            </button>
            <button type="button" class="button share" disabled=off on:click=share>
                {share_label}
            </button>
            <a class="button whatsapp" href=whatsapp target="_blank" rel="noopener noreferrer">
                "Enviar por WhatsApp"
            </a>
            <a class="button reminder" href=reminder download=download>
                "Recordatorio"
            </a>
        </div>
        <p class="notice" role="status" aria-live="polite">{move || notice.get()}</p>
    }
}

/// "Mostrar al cajero" and the full-screen view it opens over the page; focus goes to the
/// view's "Cerrar", and back to the opener when it closes. While it is open the host
/// carries a `cashier` attribute (its layout containment would hold a fixed box inside
/// the card).
#[component]
fn Cashier(
    /// The voucher.
    voucher: DisplayVoucher,
    /// Whom the cashier collects for.
    payee: String,
    /// The `<vale-voucher>` element.
    host: Option<web_sys::HtmlElement>,
    /// Whether the button is disabled (a page the edge drew).
    off: bool,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let opener = NodeRef::<Button>::new();
    let close_button = NodeRef::<Button>::new();
    let host = StoredValue::new_local(host);
    let mark = move |on: bool| {
        host.with_value(|h| {
            if let Some(h) = h {
                let _ = if on {
                    h.set_attribute("cashier", "")
                } else {
                    h.remove_attribute("cashier")
                };
            }
        });
    };
    let show = move |_| {
        mark(true);
        open.set(true);
        // Once the view is in the page (the render runs before any timer).
        set_timeout(
            move || {
                if let Some(b) = close_button.get_untracked() {
                    let _ = b.focus();
                }
            },
            Duration::ZERO,
        );
    };
    let close = move || {
        open.set(false);
        mark(false);
        if let Some(b) = opener.get_untracked() {
            let _ = b.focus();
        }
    };
    // A new state (paid, expired) drops the view: the host is no longer marked.
    on_cleanup(move || mark(false));
    let voucher = StoredValue::new(voucher);
    let payee = StoredValue::new(payee);
    view! {
        <button
            type="button"
            class="button cashier-open"
            disabled=off
            node_ref=opener
            on:click=show
        >
            "Mostrar al cajero"
        </button>
        {move || {
            open.get()
                .then(|| {
                    voucher
                        .with_value(|v| cashier(v, payee.get_value(), close_button, close))
                })
        }}
    }
}
