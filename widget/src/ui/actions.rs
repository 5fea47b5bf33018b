//! Copy the code, print the voucher, share its link: each with a fallback and a spoken
//! confirmation.

use crate::browser;
use leptos::html::Span;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vale_shared::voucher::DisplayVoucher;

/// The three buttons and the line that says what happened.
/// `code_node` is the visible code, selected when the clipboard is out of reach.
pub fn actions(v: &DisplayVoucher, code_node: NodeRef<Span>) -> impl IntoView + use<> {
    let notice = RwSignal::new(String::new());
    let copied = RwSignal::new(false);
    let code = v.payment_code.clone();
    let link = v.hosted_url.clone();
    let title = format!("Comprobante {} por {}", v.network.brand(), v.amount);
    let share_text = format!(
        "Código {}: {}",
        v.network.brand(),
        vale_shared::voucher::group_for_reading(&code)
    );

    let copy = move |_| {
        let code = code.clone();
        spawn_local(async move {
            if browser::copy(&code).await {
                copied.set(true);
                notice.set("Código copiado.".into());
                set_timeout(
                    move || {
                        let _ = copied.try_set(false);
                    },
                    std::time::Duration::from_secs(3),
                );
            } else {
                if let Some(node) = code_node.get_untracked() {
                    browser::select(&node);
                }
                notice
                    .set("No pudimos copiarlo: mantén presionado el código y elige Copiar.".into());
            }
        });
    };
    let share = move |_| {
        let (title, text, link) = (title.clone(), share_text.clone(), link.clone());
        spawn_local(async move {
            if browser::can_share() {
                // A cancelled share sheet needs no message.
                browser::share(&title, &text, &link).await;
            } else if browser::copy(&link).await {
                notice.set("Enlace copiado: guárdalo para volver a este comprobante.".into());
            } else {
                notice.set(format!(
                    "Guarda este enlace para volver al comprobante: {link}"
                ));
            }
        });
    };

    view! {
        <div class="actions">
            <button type="button" class="button primary" on:click=copy>
                {move || if copied.get() { "¡Copiado!" } else { "Copiar código" }}
            </button>
            <button type="button" class="button" on:click=move |_| browser::print()>
                "Imprimir"
            </button>
            <button type="button" class="button" on:click=share>
                "Compartir"
            </button>
        </div>
        <p class="notice" role="status" aria-live="polite">{move || notice.get()}</p>
    }
}
