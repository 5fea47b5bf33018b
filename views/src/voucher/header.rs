//! The head of every state that shows a voucher: the network, in test mode a warning not
//! to pay, who is paid for which order, when the code was issued, the title, the amount
//! and what the payment is for.

use crate::answer::Answer;
use crate::words::who;
use leptos::prelude::*;
use vale_shared::when;

/// The head of a voucher's view, titled `title`.
#[component]
pub fn Header(
    /// The voucher and what the edge adds to it.
    answer: Answer,
    /// "Paga en efectivo", "Pago en efectivo".
    title: &'static str,
) -> impl IntoView {
    let v = &answer.voucher;
    // In the page itself, not a tooltip: a test voucher must never be paid.
    let test =
        (!v.livemode).then(|| view! { <p class="test-badge">"Prueba: no pagues este código."</p> });
    let description = v
        .description
        .clone()
        .map(|d| view! { <p class="description">{d}</p> });
    view! {
        <header class="head">
            <p class="network">
                <span class="network-name">{v.network.brand()}</span>
            </p>
            {test}
            <p class="who">{who(&answer)}</p>
            <p class="issued">"Código emitido el " {when::in_zone(v.created_at, v.network)}</p>
            <h2 class="title">{title}</h2>
            <p class="amount">{v.amount.to_string()}</p>
            {description}
        </header>
    }
}
