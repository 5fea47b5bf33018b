//! A marketplace platform's sellers (issue #23's accounts): the list with each seller's
//! status and what it still owes (`requirements.currently_due`), newest first a page at a
//! time; and a seller's page: its balance and balance transactions, its payouts with their
//! status, the vouchers with a share for it (read acting for it, `Vale-Account`) and its
//! statement for a range of days as CSV.

use crate::api::{self, enc};
use crate::app::{Ctx, ctx, href, notice};
use crate::fmt;
use crate::paging::pager;
use leptos::prelude::*;
use serde_json::Value;

const PAGE: u32 = 20;

/// `?…&starting_after=` for a page after `after`.
fn after_param(path: &mut String, after: Option<&str>) {
    if let Some(after) = after {
        path.push_str("&starting_after=");
        path.push_str(&enc(after));
    }
}

/// A list answer's rows.
fn rows(json: &Value) -> Vec<Value> {
    json.get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// What a seller still owes Vale, in Spanish.
fn due(a: &Value) -> String {
    let due: Vec<&str> = a
        .pointer("/requirements/currently_due")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .map(|f| match f {
                    "payout_destination" => "destino de pagos",
                    other => other,
                })
                .collect()
        })
        .unwrap_or_default();
    if due.is_empty() {
        String::from("Nada pendiente")
    } else {
        ["Falta: ", &due.join(", ")].concat()
    }
}

/// The sellers list.
#[component]
pub fn Sellers() -> impl IntoView {
    let ctx = ctx();
    let status = RwSignal::new(String::new());
    let cursors: RwSignal<Vec<Option<String>>> = RwSignal::new(vec![None]);
    let answer: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let load = move || {
        let mut path = ["/accounts?limit=", &PAGE.to_string()].concat();
        let s = status.get_untracked();
        if !s.is_empty() {
            path.push_str("&status=");
            path.push_str(&enc(&s));
        }
        after_param(
            &mut path,
            cursors.get_untracked().last().cloned().flatten().as_deref(),
        );
        let mode = ctx.mode();
        answer.set(None);
        leptos::task::spawn_local(async move {
            answer.set(Some(api::get(&mode, &path).await));
        });
    };
    load();
    view! {
        <h1>"Vendedores"</h1>
        <form class="filters" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            cursors.set(vec![None]);
            load();
        }>
            <label>"Estado"<select name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                <option value="">"Todos"</option>
                {["pending", "enabled", "disabled"].into_iter()
                    .map(|s| view! { <option value=s>{seller_status(s)}</option> }).collect_view()}
            </select></label>
            <button type="submit">"Buscar"</button>
        </form>
        {move || match answer.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let json = a.json();
                let list = rows(&json);
                let last = list.last().map(|v| fmt::text(v, "id"));
                let more = json.get("has_more").and_then(Value::as_bool) == Some(true);
                view! {
                    {sellers_table(ctx, list)}
                    {pager(cursors, last, more, load)}
                }.into_any()
            }
        }}
    }
}

/// A seller's status in Spanish.
fn seller_status(s: &str) -> &'static str {
    match s {
        "pending" => "Pendiente",
        "enabled" => "Activo",
        "disabled" => "Desactivado",
        _ => "—",
    }
}

fn sellers_table(ctx: Ctx, list: Vec<Value>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No hay vendedores con ese estado."</p> }.into_any();
    }
    view! {
        <table class="cards">
            <thead><tr>
                <th scope="col">"Vendedor"</th><th scope="col">"País"</th><th scope="col">"Estado"</th>
                <th scope="col">"Requisitos"</th><th scope="col">"Pagos"</th><th scope="col">"Creado"</th>
            </tr></thead>
            <tbody>{list.into_iter().map(|a| {
                let id = fmt::text(&a, "id");
                let st = fmt::text(&a, "status");
                view! { <tr data-account=id.clone()>
                    <td data-label="Vendedor"><a href=href(&ctx, "seller", Some(&id))>{fmt::text(&a, "display_name")}</a></td>
                    <td data-label="País">{fmt::text(&a, "country")}</td>
                    <td data-label="Estado"><span class=format!("pill {st}")>{seller_status(&st)}</span></td>
                    <td data-label="Requisitos">{due(&a)}</td>
                    <td data-label="Pagos">{schedule(&a)}</td>
                    <td data-label="Creado">{fmt::date(&a, "created_at")}</td>
                </tr> }
            }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

/// The payout schedule in Spanish.
fn schedule(a: &Value) -> &'static str {
    match a
        .pointer("/payout_schedule/interval")
        .and_then(Value::as_str)
    {
        Some("daily") => "Diarios",
        Some("weekly") => "Semanales",
        Some("manual") => "A mano",
        _ => "—",
    }
}

/// A balance transaction's type in Spanish.
fn txn_type(t: &str) -> &'static str {
    match t {
        "payment" => "Venta",
        "refund" => "Reembolso",
        "refund_failure" => "Reembolso devuelto",
        "payout" => "Pago al vendedor",
        "payout_failure" => "Pago fallido",
        "adjustment" => "Ajuste",
        _ => "—",
    }
}

/// A payout's status in Spanish.
fn payout_status(s: &str) -> &'static str {
    match s {
        "pending" => "En camino",
        "paid" => "Pagado",
        "failed" => "Fallido",
        _ => "—",
    }
}

/// The amounts of one side of a balance (`available` or `pending`).
fn side(balance: &Value, which: &str) -> String {
    balance
        .get(which)
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| fmt::amount(e, "amount"))
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| String::from("—"))
}

/// Today in Lima/Bogotá (UTC−05:00) less `days`, `YYYY-MM-DD`.
fn day(days: f64) -> String {
    let ms = js_sys::Date::now() - 5.0 * 3_600_000.0 - days * 86_400_000.0;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let iso: String = d.to_iso_string().into();
    iso.get(..10).unwrap_or_default().to_owned()
}

/// A seller's page.
#[component]
pub fn SellerPage() -> impl IntoView {
    let ctx = ctx();
    let id = ctx.id().unwrap_or_default();
    let account: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let balance: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let vouchers: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let payouts: RwSignal<Option<Vec<Value>>> = RwSignal::new(None);
    let mode = ctx.mode();
    {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            account.set(Some(
                api::get(&mode, &["/accounts/", &enc(&id)].concat()).await,
            ));
            balance.set(Some(api::get_as(&mode, "/balance", &id).await));
            vouchers.set(Some(api::get_as(&mode, "/vouchers?limit=10", &id).await));
            // Its payouts: the payout rows of its newest 100 movements, each with the
            // payout's own status.
            let path = ["/balance_transactions?limit=100&account=", &enc(&id)].concat();
            let txns = rows(&api::get(&mode, &path).await.json());
            let mut found = Vec::new();
            for t in txns
                .iter()
                .filter(|t| t.get("type").and_then(Value::as_str) == Some("payout"))
            {
                let po = fmt::text(t, "source");
                let a = api::get(&mode, &["/payouts/", &enc(&po)].concat()).await;
                if a.ok() {
                    found.push(a.json());
                }
            }
            payouts.set(Some(found));
        });
    }
    let back = move || href(&ctx, "sellers", None);
    view! {
        <p><a href=back>"← Vendedores"</a></p>
        {move || match account.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => facts(a.json()).into_any(),
        }}
        <h2>"Saldo"</h2>
        {move || match balance.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let b = a.json();
                view! { <dl class="facts balance">
                    <dt>"Disponible"</dt><dd class="available">{side(&b, "available")}</dd>
                    <dt>"Pendiente"</dt><dd class="pending">{side(&b, "pending")}</dd>
                </dl> }.into_any()
            }
        }}
        <h2>"Pagos al vendedor"</h2>
        {move || match payouts.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(list) if list.is_empty() => view! { <p class="empty">"Aún no hay pagos."</p> }.into_any(),
            Some(list) => payouts_table(list).into_any(),
        }}
        <Transactions id=id.clone()/>
        <h2>"Vouchers del vendedor"</h2>
        {move || match vouchers.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => crate::vouchers::table(ctx, rows(&a.json())).into_any(),
        }}
        <Statement id=id/>
    }
}

fn facts(a: Value) -> impl IntoView {
    let st = fmt::text(&a, "status");
    let destination = a
        .get("payout_destination")
        .and_then(Value::as_object)
        .map_or_else(
            || String::from("Sin destino"),
            |d| {
                d.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| [k.as_str(), ": ", s].concat()))
                    .collect::<Vec<_>>()
                    .join(" · ")
            },
        );
    view! {
        <h1>{fmt::text(&a, "display_name")}</h1>
        <dl class="facts">
            <dt>"Estado"</dt><dd><span class=format!("pill {st}")>{seller_status(&st)}</span></dd>
            <dt>"Requisitos"</dt><dd class="due">{due(&a)}</dd>
            <dt>"País"</dt><dd>{fmt::text(&a, "country")}</dd>
            <dt>"Documento"</dt><dd>{fmt::text(&a, "document_type")}" "{fmt::text(&a, "document_number")}</dd>
            <dt>"Destino de pagos"</dt><dd>{destination}</dd>
            <dt>"Pagos"</dt><dd>{schedule(&a)}</dd>
            <dt>"Id"</dt><dd class="mono">{fmt::text(&a, "id")}</dd>
        </dl>
    }
}

fn payouts_table(list: Vec<Value>) -> impl IntoView {
    view! {
        <table class="cards payouts">
            <thead><tr><th scope="col">"Creado"</th><th scope="col">"Pago"</th><th scope="col">"Monto"</th>
                <th scope="col">"Estado"</th><th scope="col">"Referencia"</th></tr></thead>
            <tbody>{list.into_iter().map(|p| {
                let st = fmt::text(&p, "status");
                let why = p.get("failure_reason").and_then(Value::as_str).map(str::to_owned);
                view! { <tr data-payout=fmt::text(&p, "id")>
                    <td data-label="Creado">{fmt::date(&p, "created_at")}</td>
                    <td data-label="Pago" class="mono">{fmt::text(&p, "id")}</td>
                    <td data-label="Monto" class="num">{fmt::amount(&p, "amount")}</td>
                    <td data-label="Estado"><span class=format!("pill payout-{st}")>{payout_status(&st)}</span>
                        {why.map(|w| view! { " "<span class="why">{w}</span> })}</td>
                    <td data-label="Referencia">{fmt::text(&p, "reference")}</td>
                </tr> }
            }).collect_view()}</tbody>
        </table>
    }
}

/// A seller's balance transactions, newest first, a page at a time.
#[component]
fn Transactions(id: String) -> impl IntoView {
    let ctx = ctx();
    let cursors: RwSignal<Vec<Option<String>>> = RwSignal::new(vec![None]);
    let answer: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let id = StoredValue::new(id);
    let load = move || {
        let mut path = [
            "/balance_transactions?limit=",
            &PAGE.to_string(),
            "&account=",
            &enc(&id.get_value()),
        ]
        .concat();
        after_param(
            &mut path,
            cursors.get_untracked().last().cloned().flatten().as_deref(),
        );
        let mode = ctx.mode();
        answer.set(None);
        leptos::task::spawn_local(async move {
            answer.set(Some(api::get(&mode, &path).await));
        });
    };
    load();
    view! {
        <h2>"Movimientos"</h2>
        {move || match answer.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let json = a.json();
                let list = rows(&json);
                let last = list.last().map(|v| fmt::text(v, "id"));
                let more = json.get("has_more").and_then(Value::as_bool) == Some(true);
                if list.is_empty() {
                    return view! { <p class="empty">"Aún no hay movimientos."</p> }.into_any();
                }
                view! {
                    <table class="cards txns">
                        <thead><tr><th scope="col">"Creado"</th><th scope="col">"Tipo"</th><th scope="col">"Neto"</th>
                            <th scope="col">"Comisión"</th><th scope="col">"Estado"</th><th scope="col">"Origen"</th></tr></thead>
                        <tbody>{list.into_iter().map(|t| {
                            let source = fmt::text(&t, "source");
                            let st = fmt::text(&t, "status");
                            let link = source.starts_with("vch_").then(|| href(&ctx, "voucher", Some(&source)));
                            view! { <tr data-txn=fmt::text(&t, "id")>
                                <td data-label="Creado">{fmt::date(&t, "created_at")}</td>
                                <td data-label="Tipo">{txn_type(&fmt::text(&t, "type"))}</td>
                                <td data-label="Neto" class="num">{fmt::amount(&t, "amount")}</td>
                                <td data-label="Comisión" class="num">{fmt::amount(&t, "fee")}</td>
                                <td data-label="Estado"><span class=format!("pill txn-{st}")>
                                    {if st == "available" { "Disponible" } else { "Pendiente" }}</span></td>
                                <td data-label="Origen" class="mono">{match link {
                                    Some(l) => view! { <a href=l>{source}</a> }.into_any(),
                                    None => view! { <span>{source}</span> }.into_any(),
                                }}</td>
                            </tr> }
                        }).collect_view()}</tbody>
                    </table>
                    {pager(cursors, last, more, load)}
                }.into_any()
            }
        }}
    }
}

/// The statement of a range of days, downloaded as CSV.
#[component]
fn Statement(id: String) -> impl IntoView {
    let ctx = ctx();
    let from = RwSignal::new(day(30.0));
    let to = RwSignal::new(day(0.0));
    let msg = RwSignal::new((true, String::new()));
    let id = StoredValue::new(id);
    let download = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (f, t, id) = (from.get_untracked(), to.get_untracked(), id.get_value());
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            let path = [
                "/accounts/",
                &enc(&id),
                "/statement?from=",
                &enc(&f),
                "&to=",
                &enc(&t),
            ]
            .concat();
            let a = api::call(
                "GET",
                &api::url(&mode, &path),
                api::Body::None,
                Some("text/csv"),
            )
            .await;
            if a.ok() {
                api::download(
                    &["extracto-", &id, "-", &f, "-", &t, ".csv"].concat(),
                    &a.text,
                    "text/csv",
                );
                msg.set((true, String::from("Extracto descargado.")));
            } else {
                msg.set((false, a.error()));
            }
        });
    };
    view! {
        <h2>"Extracto"</h2>
        <form class="filters statement" on:submit=download>
            <label>"Desde"<input type="date" name="from" prop:value=move || from.get()
                on:input=move |ev| from.set(event_target_value(&ev))/></label>
            <label>"Hasta"<input type="date" name="to" prop:value=move || to.get()
                on:input=move |ev| to.set(event_target_value(&ev))/></label>
            <button type="submit">"Descargar extracto CSV"</button>
        </form>
        {notice(msg)}
    }
}
