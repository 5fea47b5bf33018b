//! Refunds: their status and destination (masked, as the API shows it), approve or reject
//! with a restricted session (the second person), and the day's payout file (the secret
//! session's).

use crate::api::{self, enc};
use crate::app::{ctx, href, notice};
use crate::fmt;
use leptos::prelude::*;
use serde_json::Value;

/// The destination as the API shows it (already masked): its fields in one line.
fn destination(r: &Value) -> String {
    let Some(d) = r.get("destination").and_then(Value::as_object) else {
        return String::from("Sin elegir");
    };
    d.iter()
        .filter_map(|(k, v)| v.as_str().map(|s| [k.as_str(), ": ", s].concat()))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Today in Lima/Bogotá (UTC−05:00), `YYYY-MM-DD`.
fn today() -> String {
    let ms = js_sys::Date::now() - 5.0 * 3_600_000.0;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let iso: String = d.to_iso_string().into();
    iso.get(..10).unwrap_or_default().to_owned()
}

/// The refunds view.
#[component]
pub fn Refunds() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(String::new());
    let answer: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let msg = RwSignal::new((true, String::new()));
    let day = RwSignal::new(today());
    let load = move || {
        let mut path = String::from("/refunds?limit=50");
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
            let a = api::post(&mode, &["/refunds/", &enc(&id), "/", verb].concat(), None).await;
            if a.ok() {
                let done = if verb == "approve" {
                    "Reembolso aprobado: "
                } else {
                    "Reembolso rechazado: "
                };
                msg.set((true, [done, &id].concat()));
                load();
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    let payout = move |_| {
        let mode = ctx.mode();
        let d = day.get_untracked();
        leptos::task::spawn_local(async move {
            let a = api::call(
                "GET",
                &api::url(&mode, &["/payouts/files/", &enc(&d), "?limit=900"].concat()),
                api::Body::None,
                None,
            )
            .await;
            if a.ok() {
                api::download(&["pagos-", &d, ".csv"].concat(), &a.text, "text/csv");
                msg.set((true, String::from("Archivo de pagos descargado.")));
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    view! {
        <h1>"Reembolsos"</h1>
        <form class="filters" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
            <label>"Estado"<select name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                <option value="">"Todos"</option>
                {["pending_approval", "requires_action", "processing", "succeeded", "failed", "canceled"].into_iter()
                    .map(|s| view! { <option value=s>{fmt::status(s).to_owned()}</option> }).collect_view()}
            </select></label>
            <button type="submit">"Buscar"</button>
        </form>
        <Show when=move || ctx.can("payout_file")>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); payout(()); }>
                <label>"Archivo de pagos del día"<input type="date" name="day" prop:value=move || day.get()
                    on:input=move |ev| day.set(event_target_value(&ev))/></label>
                <button type="submit">"Descargar CSV"</button>
            </form>
        </Show>
        {notice(msg)}
        {move || match answer.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let rows = a.json().get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                if rows.is_empty() {
                    return view! { <p class="empty">"No hay reembolsos con ese estado."</p> }.into_any();
                }
                let can_decide = ctx.can("decide");
                view! { <div class="scroll" tabindex="0" role="region" aria-label="Tabla desplazable"><table class="cards">
                    <thead><tr><th scope="col">"Creado"</th><th scope="col">"Reembolso"</th><th scope="col">"Voucher"</th>
                        <th scope="col">"Monto"</th><th scope="col">"Estado"</th><th scope="col">"Destino"</th><th scope="col">"Acción"</th></tr></thead>
                    <tbody>{rows.into_iter().map(|r| {
                        let id = fmt::text(&r, "id");
                        let voucher = fmt::text(&r, "voucher");
                        let st = fmt::text(&r, "status");
                        let waiting = can_decide && st == "pending_approval";
                        let (a_id, r_id) = (id.clone(), id.clone());
                        view! { <tr data-refund=id.clone()>
                            <td data-label="Creado">{fmt::date(&r, "created_at")}</td>
                            <td data-label="Reembolso" class="mono">{id.clone()}</td>
                            <td data-label="Voucher"><a href=href(&ctx, "voucher", Some(&voucher))>{voucher.clone()}</a></td>
                            <td data-label="Monto" class="num">{fmt::amount(&r, "amount")}</td>
                            <td data-label="Estado"><span class=format!("pill {st}")>{fmt::status(&st).to_owned()}</span></td>
                            <td data-label="Destino">{destination(&r)}</td>
                            <td data-label="Acción">{waiting.then(|| view! {
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
