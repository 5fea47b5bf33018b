//! Reviews: vouchers a risk rule held before a payment code existed, the rule that
//! matched, and approve or reject (a restricted session).

use crate::api::{self, enc};
use crate::app::{ctx, href, notice};
use crate::fmt;
use leptos::prelude::*;
use serde_json::Value;

/// The reviews view.
#[component]
pub fn Reviews() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(String::from("open"));
    let answer: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let msg = RwSignal::new((true, String::new()));
    let load = move || {
        let mut path = String::from("/reviews?limit=50");
        let s = status.get_untracked();
        if !s.is_empty() {
            path.push_str("&status=");
            path.push_str(&enc(&s));
        }
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            answer.set(Some(api::get(&mode, &path).await));
        });
    };
    load();
    let decide = move |id: String, verb: &'static str| {
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            let a = api::post(&mode, &["/reviews/", &enc(&id), "/", verb].concat(), None).await;
            if a.ok() {
                msg.set((
                    true,
                    [
                        if verb == "approve" {
                            "Aprobada: "
                        } else {
                            "Rechazada: "
                        },
                        &id,
                    ]
                    .concat(),
                ));
                load();
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    view! {
        <h1>"Revisiones"</h1>
        <form class="filters" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
            <label>"Estado"<select name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                {["open", "approved", "rejected", "blocked", "voided", ""].into_iter()
                    .map(|s| view! { <option value=s>{if s.is_empty() { "Todas" } else { fmt::status(s) }.to_owned()}</option> }).collect_view()}
            </select></label>
            <button type="submit">"Buscar"</button>
        </form>
        {notice(msg)}
        {move || match answer.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let rows = a.json().get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                if rows.is_empty() {
                    return view! { <p class="empty">"No hay revisiones con ese estado."</p> }.into_any();
                }
                let can = ctx.can("decide");
                view! { <div class="scroll" tabindex="0" role="region" aria-label="Tabla desplazable"><table class="cards">
                    <thead><tr><th scope="col">"Creada"</th><th scope="col">"Referencia"</th><th scope="col">"Regla"</th>
                        <th scope="col">"Monto"</th><th scope="col">"Estado"</th><th scope="col">"Acción"</th></tr></thead>
                    <tbody>{rows.into_iter().map(|r| {
                        let id = fmt::text(&r, "id");
                        let st = fmt::text(&r, "status");
                        let voucher = r.get("voucher").and_then(Value::as_str).map(str::to_owned);
                        let (a_id, r_id) = (id.clone(), id.clone());
                        view! { <tr>
                            <td data-label="Creada">{fmt::date(&r, "created_at")}</td>
                            <td data-label="Referencia">{match voucher {
                                Some(v) => view! { <a href=href(&ctx, "voucher", Some(&v))>{fmt::text(&r, "reference")}</a> }.into_any(),
                                None => view! { <span>{fmt::text(&r, "reference")}</span> }.into_any(),
                            }}</td>
                            <td data-label="Regla" class="mono">{fmt::text(&r, "reason")}</td>
                            <td data-label="Monto" class="num">{fmt::amount(&r, "amount")}</td>
                            <td data-label="Estado"><span class=format!("pill {st}")>{fmt::status(&st).to_owned()}</span></td>
                            <td data-label="Acción">{(can && st == "open").then(|| view! {
                                <button type="button" on:click=move |_| decide(a_id.clone(), "approve")>"Aprobar"</button>
                                <button type="button" class="quiet" on:click=move |_| decide(r_id.clone(), "reject")>"Rechazar"</button>
                            })}</td>
                        </tr> }
                    }).collect_view()}</tbody>
                </table></div> }.into_any()
            }
        }}
    }
}
