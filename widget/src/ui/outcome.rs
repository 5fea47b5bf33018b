//! Everything but the pending voucher: the loading skeleton, a voucher that could not be
//! read, one past its deadline that waits for a late confirmation, and the settled states
//! (paid, expired, cancelled, refunded).

use super::pending::header;
use super::{Model, Shown};
use crate::api::FetchError;
use leptos::prelude::*;
use vale_shared::expiry;

/// Grey blocks where the voucher will be, while the first answer is on its way.
pub fn loading() -> impl IntoView {
    view! {
        <div class="skeleton" aria-hidden="true">
            <div class="sk sk-line short"></div>
            <div class="sk sk-amount"></div>
            <div class="sk sk-code"></div>
            <div class="sk sk-bars"></div>
            <div class="sk sk-line"></div>
            <div class="sk sk-line"></div>
        </div>
        <p class="sr">"Cargando tu comprobante…"</p>
    }
}

/// The voucher could not be read at all; `retry` asks again.
pub fn failed(error: FetchError, retry: impl Fn() + Copy + 'static) -> impl IntoView {
    view! {
        <div class="outcome problem">
            <div class="icon" aria-hidden="true">{icon(Icon::Alert)}</div>
            <h2 class="title">"No pudimos mostrar tu comprobante"</h2>
            <p>{error.message()}</p>
            <button type="button" class="button primary" on:click=move |_| retry()>
                "Reintentar"
            </button>
        </div>
    }
}

/// A voucher that no longer waits for cash, or (`Confirming`) waits only to hear of a
/// payment made before the deadline.
pub fn settled(shown: Shown, model: Model) -> impl IntoView {
    let Some(v) = model.voucher.get_untracked() else {
        return ().into_any();
    };
    let amount = v.amount.to_string();
    let (class, mark, title, body): (&str, Icon, &str, String) = match shown {
        Shown::Paid => (
            "paid",
            Icon::Check,
            "¡Pago recibido!",
            match v.paid_at {
                Some(at) => format!(
                    "Recibimos tu pago el {}. La tienda ya fue avisada; no necesitas hacer nada más.",
                    expiry::deadline_text(at, v.network)
                ),
                None => "La tienda ya fue avisada; no necesitas hacer nada más.".into(),
            },
        ),
        Shown::Refunded => (
            "refunded",
            Icon::Back,
            "Pago devuelto",
            "La tienda devolvió este pago. Si tienes dudas, escríbele a la tienda.".into(),
        ),
        Shown::Confirming => (
            "waiting",
            Icon::Clock,
            "El plazo para pagar venció",
            format!(
                "Venció el {}. Si ya pagaste, estamos confirmando tu pago; esta página se \
                 actualizará sola. Si no has pagado, no lo hagas ahora: este código ya no \
                 sirve. Vuelve a la tienda para generar uno nuevo.",
                expiry::deadline_text(v.expires_at, v.network)
            ),
        ),
        Shown::Cancelled => (
            "closed",
            Icon::Cross,
            "Este código fue anulado",
            "No lo pagues: ya no será aceptado. Si aún quieres tu pedido, vuelve a la tienda."
                .into(),
        ),
        _ => (
            "closed",
            Icon::Clock,
            "Este código venció",
            format!(
                "Venció el {}. No lo pagues: ya no será aceptado. Vuelve a la tienda para \
                 generar un código nuevo.",
                expiry::deadline_text(v.expires_at, v.network)
            ),
        ),
    };
    view! {
        {header(&v, "Pago en efectivo", amount)}
        <div class=format!("outcome {class}")>
            <div class="icon" aria-hidden="true">{icon(mark)}</div>
            <h3 class="title">{title}</h3>
            <p>{body}</p>
            <p class="reference">"Referencia del pedido: " {v.reference.clone()}</p>
        </div>
    }
    .into_any()
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

fn icon(which: Icon) -> impl IntoView {
    let d = match which {
        Icon::Check => "M5 12.5l4.5 4.5L19 7.5",
        Icon::Clock => "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3.5 2",
        Icon::Cross => "M6.5 6.5l11 11M17.5 6.5l-11 11",
        Icon::Back => "M9 4L4 9l5 5M4 9h9a6 6 0 0 1 0 12h-3",
        Icon::Alert => "M12 6v8M12 17.5v.5",
    };
    view! {
        <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor"
            stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round">
            <path d=d></path>
        </svg>
    }
}
