//! Everything but the pending voucher: the loading skeleton, a voucher that could not be
//! read, one past its deadline that waits for a late confirmation, one the store reviews,
//! and the settled states (paid, expired, cancelled, refunded).

use super::Retry;
use super::header::Header;
use crate::answer::{Answer, FetchError};
use crate::shown::Shown;
use crate::words::{expired_when, receipt};
use leptos::prelude::*;
use time::OffsetDateTime;
use vale_shared::when;

/// Grey blocks where the voucher will be, while the first answer is on its way.
pub fn loading() -> impl IntoView {
    let blocks = [
        "sk sk-line short",
        "sk sk-amount",
        "sk sk-code",
        "sk sk-bars",
        "sk sk-line",
        "sk sk-line",
    ]
    .map(|class| view! { <div class=class></div> });
    // A page that drew the voucher already (the hosted page's first paint, the element's
    // own children) keeps showing it through the slot; any other shows the skeleton.
    view! {
        <div class="view">
            <slot>
                <div class="skeleton" aria-hidden="true">{blocks.into_iter().collect_view()}</div>
            </slot>
            <p class="sr">"Cargando tu código de pago…"</p>
        </div>
    }
}

/// The voucher could not be read at all; `retry` asks again, offered only where that can
/// help: not for a wrong or incomplete link, nor a secret key in the page.
pub fn failed(error: FetchError, retry: Option<Retry>) -> impl IntoView {
    let button = retry.filter(|_| error.is_transient()).map(|retry| {
        view! {
            <button type="button" class="button primary" on:click=move |_| retry()>
                "Reintentar"
            </button>
        }
    });
    view! {
        <div class="view">
            <div class="outcome problem">
                <Icon which=Mark::Alert/>
                <h2 class="title">"No pudimos mostrar tu código de pago"</h2>
                <p>{error.message()}</p>
                {button}
            </div>
        </div>
    }
}

/// A voucher that no longer waits for cash, or (`Confirming`, `Review`) waits only to
/// hear of a payment made before the deadline or of the store's review.
pub fn settled(shown: Shown, a: &Answer) -> impl IntoView + use<> {
    let (class, mark, title, body) = outcome(shown, a);
    let v = &a.voucher;
    // Expired or cancelled: the shopper who already paid keeps the paper and writes.
    let paid_anyway = matches!(shown, Shown::Expired | Shown::Cancelled).then(|| {
        let text = [
            "¿Ya pagaste? Guarda ",
            receipt(v.network),
            " y escribe a ",
            a.merchant_name.as_deref().unwrap_or("la tienda"),
            " con tu pedido ",
            &v.reference,
            ".",
        ]
        .concat();
        view! { <p class="paid-anyway">{text}</p> }
    });
    // Back to the store, where a new code is asked for (or the order is followed).
    let back = a.return_url.clone().map(|url| {
        let label = match &a.merchant_name {
            Some(name) => ["Volver a ", name].concat(),
            None => "Volver a la tienda".to_owned(),
        };
        view! { <a class="button primary" href=url>{label}</a> }
    });
    view! {
        <div class="view">
            <Header answer=a.clone() title="Pago en efectivo"/>
            <div class=class>
                <Icon which=mark/>
                <h3 class="title">{title}</h3>
                <p>{body}</p>
                {paid_anyway}
                {back}
            </div>
        </div>
    }
}

/// The class, mark, title and sentence of a state other than pending.
fn outcome(shown: Shown, a: &Answer) -> (&'static str, Mark, &'static str, String) {
    let v = &a.voucher;
    // "<lead><when>" when the time is known, else nothing.
    let on = |lead: &str, at: Option<OffsetDateTime>| {
        at.map(|at| [lead, &when::in_zone(at, v.network)].concat())
            .unwrap_or_default()
    };
    let store = a.merchant_name.as_deref();
    match shown {
        // What is true for every store: the network confirmed the payment to it. What the
        // store does next (and when) is the store's to say.
        Shown::Paid => (
            "outcome paid",
            Mark::Check,
            "¡Pago recibido!",
            [
                store.unwrap_or("La tienda"),
                " ya recibió tu pago de ",
                &v.amount.to_string(),
                &on(" el ", v.paid_at),
                ". Guarda ",
                receipt(v.network),
                ".",
            ]
            .concat(),
        ),
        Shown::Refunded => (
            "outcome refunded",
            Mark::Back,
            "Pago devuelto",
            "La tienda devolvió este pago. Si tienes dudas, escríbele a la tienda.".into(),
        ),
        Shown::Confirming => (
            "outcome waiting",
            Mark::Clock,
            "El plazo para pagar venció",
            [
                "Venció el ",
                &when::in_zone(v.expires_at, v.network),
                ". Si ya pagaste, estamos confirmando tu pago; esta página se actualizará \
                 sola. Si no has pagado, no lo hagas ahora: este código ya no sirve. Vuelve \
                 a la tienda para generar uno nuevo.",
            ]
            .concat(),
        ),
        Shown::Review => (
            "outcome waiting",
            Mark::Clock,
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
            Mark::Cross,
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
        _ => {
            let expired = expired_when(a);
            (
                "outcome closed",
                Mark::Clock,
                "Este código venció",
                [
                    on("Venció el ", expired).as_str(),
                    if expired.is_some() { ". " } else { "" },
                    "No lo pagues: ya no será aceptado. Si aún quieres tu pedido, vuelve a la \
                     tienda y pide un código nuevo; puedes pagarlo en el mismo punto.",
                ]
                .concat(),
            )
        }
    }
}

/// The mark at the top of a state, drawn as SVG so no font can lack the glyph.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Check,
    Clock,
    Cross,
    Back,
    Alert,
}

/// A state's mark, hidden from screen readers (the title says it).
#[component]
fn Icon(
    /// Which mark.
    which: Mark,
) -> impl IntoView {
    let d = match which {
        Mark::Check => "M5 12.5l4.5 4.5L19 7.5",
        Mark::Clock => "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3.5 2",
        Mark::Cross => "M6.5 6.5l11 11M17.5 6.5l-11 11",
        Mark::Back => "M9 4L4 9l5 5M4 9h9a6 6 0 0 1 0 12h-3",
        Mark::Alert => "M12 6v8M12 17.5v.5",
    };
    view! {
        <div class="icon" aria-hidden="true">
            <svg
                viewBox="0 0 24 24"
                width="28"
                height="28"
                fill="none"
                stroke="currentColor"
                stroke-width="2.5"
                stroke-linecap="round"
                stroke-linejoin="round"
            >
                <path d=d></path>
            </svg>
        </div>
    }
}
