//! Settlements: upload a network's file, its counts per category, the lines of one
//! category (and as CSV), and the daily digest.

use crate::api::{self, Body, enc};
use crate::app::{ctx, href, notice};
use crate::fmt;
use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::JsCast as _;

const CATEGORIES: [&str; 8] = [
    "matched",
    "paid_without_notification",
    "late_payment",
    "unexpected_payment",
    "duplicate",
    "amount_mismatch",
    "unknown_reference",
    "notified_not_settled",
];

/// The settlements view.
#[component]
pub fn Settlements() -> impl IntoView {
    let ctx = ctx();
    let list: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let digest: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let chosen: RwSignal<Option<Value>> = RwSignal::new(None);
    let category = RwSignal::new(String::from("amount_mismatch"));
    let lines: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let network = RwSignal::new(String::from("efecty"));
    let msg = RwSignal::new((true, String::new()));
    let file_input = NodeRef::<leptos::html::Input>::new();
    let load = move || {
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            list.set(Some(api::get(&mode, "/settlements").await));
            digest.set(Some(api::get(&mode, "/settlements/digest").await));
        });
    };
    load();
    let show_lines = move || {
        let Some(s) = chosen.get_untracked() else {
            return;
        };
        let mode = ctx.mode();
        let path = [
            "/settlements/",
            &enc(&fmt::text(&s, "id")),
            "/lines?category=",
            &enc(&category.get_untracked()),
        ]
        .concat();
        leptos::task::spawn_local(async move {
            lines.set(Some(api::get(&mode, &path).await));
        });
    };
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let file = file_input
            .get_untracked()
            .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        let Some(file) = file else {
            msg.set((false, String::from("Elige el archivo de la red.")));
            return;
        };
        let mode = ctx.mode();
        let url = api::url(
            &mode,
            &["/settlements?network=", &enc(&network.get_untracked())].concat(),
        );
        leptos::task::spawn_local(async move {
            let a = api::call("POST", &url, Body::File(file), None).await;
            if a.ok() {
                let s = a.json();
                msg.set((true, ["Archivo recibido: ", &fmt::text(&s, "id")].concat()));
                chosen.set(Some(s));
                show_lines();
                load();
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    let csv = move |_| {
        let Some(s) = chosen.get_untracked() else {
            return;
        };
        let mode = ctx.mode();
        let id = fmt::text(&s, "id");
        let cat = category.get_untracked();
        let url = api::url(
            &mode,
            &["/settlements/", &enc(&id), "/lines?category=", &enc(&cat)].concat(),
        );
        leptos::task::spawn_local(async move {
            let a = api::call("GET", &url, Body::None, Some("text/csv")).await;
            if a.ok() {
                api::download(
                    &[id.as_str(), "-", cat.as_str(), ".csv"].concat(),
                    &a.text,
                    "text/csv",
                );
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    view! {
        <h1>"Conciliaciones"</h1>
        <Show when=move || ctx.can("settle")>
            <form class="filters" on:submit=upload>
                <label>"Red"<select name="network" on:change=move |ev| network.set(event_target_value(&ev))>
                    <option value="efecty">"Efecty"</option>
                    <option value="pagoefectivo">"PagoEfectivo"</option>
                </select></label>
                <label>"Archivo de la red"<input type="file" name="file" node_ref=file_input/></label>
                <button type="submit">"Subir y conciliar"</button>
            </form>
        </Show>
        {notice(msg)}
        {move || chosen.get().map(|s| {
            let counts = s.get("counts").cloned().unwrap_or(Value::Null);
            view! {
                <section class="card">
                    <h2>"Archivo "<span class="mono">{fmt::text(&s, "id")}</span></h2>
                    <p>{fmt::text(&s, "network")}" · "{fmt::text(&s, "file_date")}" · "{fmt::status(&fmt::text(&s, "status")).to_owned()}</p>
                    <ul class="counts">{CATEGORIES.into_iter().map(|c| {
                        let n = counts.get(c).and_then(Value::as_i64).unwrap_or(0);
                        let bad = n > 0 && c != "matched" && c != "paid_without_notification";
                        view! { <li class:bad=bad>
                            <button type="button" class="quiet" aria-pressed=move || (category.get() == c).to_string()
                                on:click=move |_| { category.set(c.to_owned()); show_lines(); }>
                                {fmt::category(c).to_owned()}": "<strong>{n}</strong>
                            </button>
                        </li> }
                    }).collect_view()}</ul>
                    <h3>{move || fmt::category(&category.get()).to_owned()}</h3>
                    <button type="button" on:click=csv>"Descargar CSV"</button>
                    {move || lines.get().map(|a| {
                        let rows = a.json().get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                        if rows.is_empty() {
                            return view! { <p class="empty">"Ninguna línea en esta categoría."</p> }.into_any();
                        }
                        view! { <div class="scroll" tabindex="0" role="region" aria-label="Tabla desplazable"><table class="cards">
                            <thead><tr><th scope="col">"Línea"</th><th scope="col">"Código de pago"</th><th scope="col">"Voucher"</th>
                                <th scope="col">"Monto del archivo"</th><th scope="col">"Monto del voucher"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|l| {
                                let cur = if fmt::text(&s, "currency") == "PEN" { "PEN" } else { "COP" };
                                let voucher = l.get("voucher").and_then(Value::as_str).map(str::to_owned);
                                view! { <tr>
                                    <td data-label="Línea">{fmt::text(&l, "line")}</td>
                                    <td data-label="Código de pago" class="mono">{fmt::text(&l, "payment_code")}</td>
                                    <td data-label="Voucher">{voucher.map(|v| view! { <a href=href(&ctx, "voucher", Some(&v))>{v.clone()}</a> })}</td>
                                    <td data-label="Monto del archivo" class="num">{fmt::money(l.get("amount").and_then(Value::as_i64), Some(cur))}</td>
                                    <td data-label="Monto del voucher" class="num">{fmt::money(l.get("voucher_amount").and_then(Value::as_i64), Some(cur))}</td>
                                </tr> }
                            }).collect_view()}</tbody>
                        </table></div> }.into_any()
                    })}
                </section>
            }
        })}
        <h2>"Archivos recibidos"</h2>
        {move || match list.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let rows = a.json().get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                if rows.is_empty() {
                    return view! { <p class="empty">"Aún no hay archivos."</p> }.into_any();
                }
                view! { <ul class="plain">{rows.into_iter().map(|s| {
                    let label = [fmt::text(&s, "file_date"), String::from(" · "), fmt::text(&s, "network"), String::from(" · "), fmt::text(&s, "id")].concat();
                    view! { <li><button type="button" class="link" on:click=move |_| { chosen.set(Some(s.clone())); show_lines(); }>{label}</button></li> }
                }).collect_view()}</ul> }.into_any()
            }
        }}
        <h2>"Resumen diario"</h2>
        {move || digest.get().map(|a| {
            if a.status == 404 {
                return view! { <p class="empty">"Aún no hay resumen: se escribe en el primer barrido de cada día."</p> }.into_any();
            }
            if !a.ok() {
                return view! { <p role="alert" class="err">{a.error()}</p> }.into_any();
            }
            let d = a.json();
            let unsettled = d.get("unsettled").and_then(Value::as_array).map_or(0, Vec::len);
            let bad = d.get("settlements_with_mismatches").and_then(Value::as_array).map_or(0, Vec::len);
            let day = match d.get("day").and_then(Value::as_str) {
                Some(day) => ["Resumen del ", day, ": "].concat(),
                None => String::from("Aún no hay resumen del día (lo escribe el primer barrido de cada día): "),
            };
            view! { <p>{day}{unsettled}" pagos sin liquidar; "{bad}" archivos con diferencias en 30 días."</p> }.into_any()
        })}
    }
}
