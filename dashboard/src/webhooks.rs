//! Webhooks: each endpoint's status and why it was disabled, re-enable, rotate its secret
//! (shown once, here only), and recent events with each endpoint's delivery and its last
//! response code, each event retried on demand.

use crate::api::{self, enc};
use crate::app::{ctx, notice};
use crate::fmt;
use leptos::prelude::*;
use serde_json::Value;

/// The webhooks view.
#[component]
pub fn Webhooks() -> impl IntoView {
    let ctx = ctx();
    let endpoints: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let events: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let sent: RwSignal<Vec<(String, Vec<Value>)>> = RwSignal::new(Vec::new());
    let msg = RwSignal::new((true, String::new()));
    let secret = RwSignal::new(String::new());
    let load = move || {
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            endpoints.set(Some(api::get(&mode, "/webhook_endpoints").await));
            let answer = api::get(&mode, "/events?limit=20").await;
            let list = answer
                .json()
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            events.set(Some(answer));
            sent.set(crate::deliveries::of(&mode, &list).await);
        });
    };
    load();
    let act = move |path: String, done: &'static str| {
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            let a = api::post(&mode, &path, None).await;
            if a.ok() {
                if let Some(s) = a.json().get("secret").and_then(Value::as_str) {
                    secret.set(s.to_owned());
                }
                msg.set((true, done.to_owned()));
                load();
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    view! {
        <h1>"Webhooks"</h1>
        {notice(msg)}
        {move || (!secret.get().is_empty()).then(|| view! {
            <section class="card once" role="region" aria-label="Secreto nuevo">
                <p>"Secreto nuevo: cópialo ahora, no se vuelve a mostrar."</p>
                <pre class="mono" tabindex="0">{secret.get()}</pre>
                <button type="button" on:click=move |_| secret.set(String::new())>"Ya lo guardé"</button>
            </section>
        })}
        <h2>"Endpoints"</h2>
        {move || match endpoints.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let rows = a.json().get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                if rows.is_empty() {
                    return view! { <p class="empty">"No hay endpoints."</p> }.into_any();
                }
                let can = ctx.can("webhooks");
                view! { <ul class="plain">{rows.into_iter().map(|e| {
                    let id = fmt::text(&e, "id");
                    let st = fmt::text(&e, "status");
                    let disabled = st == "disabled";
                    let why = e.get("disabled_reason").and_then(Value::as_str).map(str::to_owned);
                    let (en, ro) = (["/webhook_endpoints/", &enc(&id), "/enable"].concat(), ["/webhook_endpoints/", &enc(&id), "/rotate_secret"].concat());
                    view! { <li class="card endpoint" data-endpoint=id.clone()>
                        <p class="mono">{fmt::text(&e, "url")}</p>
                        <p><span class=format!("pill {st}")>{fmt::status(&st).to_owned()}</span>
                            {why.map(|w| view! { " Motivo: "<span class="why">{w}</span> })}</p>
                        <p class="hint">{id.clone()}" · creado "{fmt::date(&e, "created_at")}</p>
                        {can.then(|| view! {
                            {disabled.then(|| { let en = en.clone(); view! {
                                <button type="button" on:click=move |_| act(en.clone(), "Endpoint reactivado.")>"Reactivar"</button>
                            }})}
                            <button type="button" class="quiet" on:click=move |_| act(ro.clone(), "Secreto rotado.")>"Rotar secreto"</button>
                        })}
                    </li> }
                }).collect_view()}</ul> }.into_any()
            }
        }}
        <h2>"Eventos recientes"</h2>
        {move || match events.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let rows = a.json().get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                if rows.is_empty() {
                    return view! { <p class="empty">"No hay eventos."</p> }.into_any();
                }
                let can = ctx.can("webhooks");
                view! { <div class="scroll" tabindex="0" role="region" aria-label="Tabla desplazable"><table class="cards">
                    <thead><tr><th scope="col">"Creado"</th><th scope="col">"Tipo"</th><th scope="col">"Evento"</th>
                        <th scope="col">"Entregas"</th><th scope="col">"Acción"</th></tr></thead>
                    <tbody>{rows.into_iter().map(|e| {
                        let id = fmt::text(&e, "id");
                        let id_for_sent = id.clone();
                        let path = ["/events/", &enc(&id), "/retry"].concat();
                        view! { <tr>
                            <td data-label="Creado">{fmt::date(&e, "created_at")}</td>
                            <td data-label="Tipo" class="mono">{fmt::text(&e, "type")}</td>
                            <td data-label="Evento" class="mono">{id}</td>
                            <td data-label="Entregas">{move || {
                                let rows = sent.get().into_iter().find(|(e, _)| *e == id_for_sent).map(|(_, d)| d);
                                rows.map(crate::deliveries::list)
                            }}</td>
                            <td data-label="Acción">{can.then(|| view! {
                                <button type="button" class="quiet" on:click=move |_| act(path.clone(), "Evento reenviado.")>"Reintentar"</button>
                            })}</td>
                        </tr> }
                    }).collect_view()}</tbody>
                </table></div> }.into_any()
            }
        }}
    }
}
