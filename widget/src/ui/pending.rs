//! The voucher while it waits for the cash: amount, code, barcode, deadline and how to pay.

use super::{Model, actions, barcode};
use crate::guidance;
use leptos::html::Span;
use leptos::prelude::*;
use vale_shared::expiry;
use vale_shared::voucher::{DisplayVoucher, code_groups, group_for_reading};

/// Under an hour left: the countdown turns urgent.
const URGENT_SECONDS: i64 = 3600;

/// The pending voucher. Reads the voucher once: nothing drawn here changes while it is
/// pending except the countdown, which has its own reactive text.
pub fn pending(model: Model) -> impl IntoView {
    let Some(v) = model.voucher.get_untracked() else {
        return ().into_any();
    };
    let brand = v.network.brand();
    let amount = v.amount.to_string();
    let deadline = expiry::deadline_text(v.expires_at, v.network);
    let expires_at = v.expires_at;
    let clock = model.clock;
    let countdown = move || expiry::countdown_text(expires_at, clock.server_now());
    let urgent = move || (expires_at - clock.server_now()).whole_seconds() < URGENT_SECONDS;
    let channels = guidance::channels(v.network, v.amount, &v.payment_code);
    let (finder_text, finder_url) = guidance::finder(v.network);
    let code_node = NodeRef::<Span>::new();
    let code_label = match v.network {
        vale_shared::Network::Pagoefectivo => "Código CIP",
        vale_shared::Network::Efecty => "Número de referencia",
    };

    view! {
        {header(&v, "Paga en efectivo", amount.clone())}
        <section class="block code-block" aria-labelledby="vale-code-h">
            <h3 id="vale-code-h" class="label">{code_label}</h3>
            {payment_code(&v.payment_code, code_node)}
            {actions::actions(&v, code_node)}
        </section>
        {barcode::barcode(&v.barcode, model.host.with_value(|h| h.client_width()))}
        <section class="block deadline" aria-labelledby="vale-deadline-h">
            <h3 id="vale-deadline-h" class="label">"Fecha límite"</h3>
            <p class="deadline-text">"Vence el " {deadline}</p>
            <p class="countdown" class:urgent=urgent role="timer">
                <span class="countdown-label">"Tiempo restante "</span>
                <span class="countdown-value">{countdown}</span>
            </p>
        </section>
        <section class="block howto" aria-labelledby="vale-howto-h">
            <h3 id="vale-howto-h">"Cómo pagar con " {brand}</h3>
            {channels
                .into_iter()
                .enumerate()
                .map(|(i, c)| channel(c, i == 0))
                .collect_view()}
            <p class="finder">
                {finder_text} " " <a href=finder_url target="_blank" rel="noopener noreferrer">
                    {finder_url.trim_start_matches("https://www.")}
                </a> "."
            </p>
        </section>
        <section class="block after" aria-labelledby="vale-after-h">
            <h3 id="vale-after-h">"Después de pagar"</h3>
            <p>{guidance::AFTER_PAYING}</p>
        </section>
    }
    .into_any()
}

/// Network, amount and what the payment is for.
pub fn header(v: &DisplayVoucher, title: &'static str, amount: String) -> impl IntoView + use<> {
    let test = (!v.livemode).then(|| {
        view! { <span class="test-badge" title="Este comprobante no es real">"Modo de prueba"</span> }
    });
    let description = v
        .description
        .clone()
        .map(|d| view! { <p class="description">{d}</p> });
    view! {
        <header class="head">
            <p class="network">
                <span class="network-name">{v.network.brand()}</span>
                {test}
            </p>
            <h2 class="title">{title}</h2>
            <p class="amount">{amount}</p>
            {description}
        </header>
    }
}

/// The code in reading groups. Selecting it (or copying by hand) gives the bare code;
/// screen readers get it spaced by groups.
fn payment_code(raw: &str, node: NodeRef<Span>) -> impl IntoView + use<> {
    let groups = code_groups(raw);
    view! {
        <p class="code">
            <span class="sr">{group_for_reading(raw)}</span>
            <span class="code-groups" aria-hidden="true" node_ref=node>
                {groups.into_iter().map(|g| view! { <span class="group">{g}</span> }).collect_view()}
            </span>
        </p>
    }
}

/// One way to pay, as a disclosure; the first one starts open.
fn channel(c: guidance::Channel, open: bool) -> impl IntoView {
    let steps = c
        .steps
        .into_iter()
        .map(|step| {
            let parts = step
                .into_iter()
                .map(|p| {
                    if p.strong {
                        view! { <strong>{p.text}</strong> }.into_any()
                    } else {
                        p.text.into_any()
                    }
                })
                .collect_view();
            view! { <li>{parts}</li> }
        })
        .collect_view();
    view! {
        <details class="channel" open=open>
            <summary>{c.title}</summary>
            <p class="places">{c.places}</p>
            <ol class="steps">{steps}</ol>
        </details>
    }
}
