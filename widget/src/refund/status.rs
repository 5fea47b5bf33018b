//! What a refund shows when there is nothing to choose: waiting on the store, on its way,
//! ready to collect at Efecty (the withdrawal code), done, failed, cancelled or expired.
//! Each is drawn from the refund as read; only the print button does anything.

use super::view::{RefundView, Withdrawal};
use super::words;
use crate::browser;
use leptos::prelude::*;
use vale_shared::refund::RefundStatus;

/// The headline (and what the live region reads out) for `view`'s status.
pub(super) fn headline(view: &RefundView) -> &'static str {
    match view.status {
        RefundStatus::PendingApproval => "La tienda está revisando tu devolución",
        RefundStatus::RequiresAction => "¿Cómo quieres recibir tu dinero?",
        RefundStatus::Processing if view.withdrawal.is_some() => {
            "Tu dinero está listo para retirar en Efecty"
        }
        RefundStatus::Processing => "Tu devolución está en camino",
        RefundStatus::Succeeded => "Devolución completada",
        RefundStatus::Failed => "No pudimos completar tu devolución",
        RefundStatus::Cancelled => "La tienda anuló esta devolución",
        RefundStatus::Expired => "Esta devolución venció",
    }
}

/// What a status other than `requires_action` shows under the headline.
#[component]
pub(super) fn Settled(
    /// The refund as read.
    view: RefundView,
) -> impl IntoView {
    let muted = |text: String| view! { <p class="muted">{text}</p> }.into_any();
    match view.status {
        // Above the store's threshold the shopper chooses first, then the store
        // approves that destination; one that waited before choosing chooses after.
        RefundStatus::PendingApproval if view.destination.is_some() => {
            let to = destination_words(&view);
            muted(if to == "Efecty" {
                "Cuando la apruebe, verás aquí el código para retirar tu dinero en Efecty. Esta página se actualiza sola.".to_owned()
            } else {
                ["Cuando la apruebe, te enviaremos el dinero a ", &to, ". Esta página se actualiza sola."].concat()
            })
        }
        RefundStatus::PendingApproval | RefundStatus::RequiresAction => muted(
            "Cuando la apruebe, en esta misma página podrás elegir cómo recibir tu dinero."
                .to_owned(),
        ),
        RefundStatus::Processing => match &view.withdrawal {
            Some(w) => collect(&view, w).into_any(),
            None => {
                let sent = [
                    "Enviamos ",
                    &view.amount.to_string(),
                    " a ",
                    &destination_words(&view),
                    ".",
                ]
                .concat();
                view! {
                    <div>
                        <p>{sent}</p>
                        <p class="muted">"Puede tardar unos días hábiles. Esta página se actualiza sola."</p>
                        <PrintButton/>
                    </div>
                }
                .into_any()
            }
        },
        RefundStatus::Succeeded => {
            let when = view
                .succeeded_at
                .map(|at| {
                    [
                        " el ",
                        &words::date_time(at, view.network),
                        " (",
                        words::zone(view.network),
                        ")",
                    ]
                    .concat()
                })
                .unwrap_or_default();
            let amount = view.amount.to_string();
            let what = if destination_field(&view, "type") == "cash_pickup" {
                ["Retiraste ", &amount, " en Efecty", &when, "."].concat()
            } else {
                let to = destination_words(&view);
                ["Recibiste ", &amount, " en ", &to, &when, "."].concat()
            };
            view! {
                <div>
                    <p class="notice good">{what}</p>
                    <PrintButton/>
                </div>
            }
            .into_any()
        }
        RefundStatus::Failed => {
            let why = view
                .failure_reason
                .map_or("El envío no se pudo completar.", words::failure);
            view! {
                <div>
                    <p class="notice bad">{why}</p>
                    <p>"Tu dinero no se perdió: la tienda puede abrir una nueva devolución. Escríbele y muéstrale esta página."</p>
                </div>
            }
            .into_any()
        }
        RefundStatus::Cancelled => {
            muted("Si no esperabas este cambio, escríbele a la tienda.".to_owned())
        }
        RefundStatus::Expired => muted(
            "No se eligió a tiempo cómo recibir el dinero. Pide a la tienda que abra una nueva devolución."
                .to_owned(),
        ),
    }
}

/// A cash pickup's withdrawal: the code, what to bring, where, until when.
fn collect(view: &RefundView, w: &Withdrawal) -> impl IntoView + use<> {
    let doc_type = destination_field(view, "document_type");
    let bring = [
        "Tu ",
        words::document(doc_type, view.network),
        " original (",
        doc_type,
        " ",
        destination_field(view, "document_number"),
        "), a nombre de ",
        destination_field(view, "name"),
        ".",
    ]
    .concat();
    let until = [
        words::date_time(w.collectable_until, view.network).as_str(),
        " (",
        words::zone(view.network),
        ")",
    ]
    .concat();
    let code = words::grouped(&w.code);
    let amount = view.amount.to_string();
    view! {
        <div class="withdrawal">
            <p>"Di este código de retiro en la caja:"</p>
            <p class="code">{code}</p>
            <dl>
                <div class="row"><dt>"Cuánto"</dt><dd>{amount}</dd></div>
                <div class="row"><dt>"Qué llevar"</dt><dd>{bring}</dd></div>
                <div class="row"><dt>"Dónde"</dt><dd>"En cualquier punto Efecty de Colombia."</dd></div>
                <div class="row"><dt>"Hasta cuándo"</dt><dd>{until}</dd></div>
            </dl>
            <p class="muted small">"Si no lo retiras a tiempo, la tienda puede abrir una nueva devolución."</p>
            <PrintButton/>
        </div>
    }
}

/// A field of the chosen (masked) destination, or `""`.
fn destination_field<'a>(view: &'a RefundView, key: &str) -> &'a str {
    view.destination
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

/// Where the money goes, in words, from the masked destination.
pub(super) fn destination_words(view: &RefundView) -> String {
    let get = |k: &str| destination_field(view, k);
    match get("type") {
        "bank_account" => [
            "tu cuenta ",
            words::account_type(get("account_type")),
            " de ",
            get("bank"),
            " (",
            get("cci"),
            get("account_number"),
            ")",
        ]
        .concat(),
        "wallet" => [
            "tu ",
            words::wallet(get("provider")),
            " (",
            get("phone"),
            ")",
        ]
        .concat(),
        "cash_pickup" => "Efecty".to_owned(),
        _ => "tu destino".to_owned(),
    }
}

/// "Imprimir comprobante" (hidden on paper by the sheet).
#[component]
fn PrintButton() -> impl IntoView {
    view! {
        <button type="button" class="secondary print" on:click=|_| browser::print()>
            "Imprimir comprobante"
        </button>
    }
}
