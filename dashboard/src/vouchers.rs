//! Vouchers: search by reference, payment code, status and the days they were created
//! (`created[gte]`/`created[lte]`), newest first, a page at a time; and a voucher's page
//! with its timeline (created, notified, paid, refunds, the end), its events with each
//! endpoint's delivery and response code, and the audit trail with each notification's
//! raw body as received.

use crate::api::{self, enc};
use crate::app::{Ctx, ctx, href};
use crate::fmt;
use crate::paging::pager;
use leptos::prelude::*;
use serde_json::Value;

const PAGE: u32 = 20;

/// The list's path: the filters given, a page after `after`. A payment code names one
/// voucher per network, so the dates (which the API does not take with it) are left out.
fn list_path(
    reference: &str,
    code: &str,
    status: &str,
    (from, to): (&str, &str),
    after: Option<&str>,
) -> String {
    let mut q = String::from("/vouchers?limit=");
    q.push_str(&PAGE.to_string());
    let (from, to) = if code.trim().is_empty() {
        (from, to)
    } else {
        ("", "")
    };
    for (name, value) in [
        ("reference", reference),
        ("payment_code", code),
        ("status", status),
        ("created[gte]", from),
        ("created[lte]", to),
    ] {
        if !value.trim().is_empty() {
            q.push('&');
            q.push_str(name);
            q.push('=');
            q.push_str(&enc(value.trim()));
        }
    }
    if let Some(after) = after {
        q.push_str("&starting_after=");
        q.push_str(&enc(after));
    }
    q
}

/// A table of vouchers, each linking to its page.
pub fn table(ctx: Ctx, rows: Vec<Value>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No hay vouchers con esos datos."</p> }.into_any();
    }
    view! {
        <div class="scroll" tabindex="0" role="region" aria-label="Tabla desplazable"><table class="cards">
            <thead><tr>
                <th scope="col">"Referencia"</th><th scope="col">"Monto"</th>
                <th scope="col">"Estado"</th><th scope="col">"Código de pago"</th>
                <th scope="col">"Red"</th><th scope="col">"Creado"</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|v| {
                let id = fmt::text(&v, "id");
                let status = fmt::text(&v, "status");
                view! { <tr>
                    <td data-label="Referencia"><a href=href(&ctx, "voucher", Some(&id))>{fmt::text(&v, "reference")}</a></td>
                    <td data-label="Monto" class="num">{fmt::amount(&v, "amount")}</td>
                    <td data-label="Estado"><span class=format!("pill {status}")>{fmt::status(&status).to_owned()}</span></td>
                    <td data-label="Código de pago" class="mono">{fmt::text(&v, "payment_code")}</td>
                    <td data-label="Red">{network(&v)}</td>
                    <td data-label="Creado">{fmt::date(&v, "created_at")}</td>
                </tr> }
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}

fn network(v: &Value) -> &'static str {
    match v.get("network").and_then(Value::as_str) {
        Some("efecty") => "Efecty",
        Some("pagoefectivo") => "PagoEfectivo",
        _ => "—",
    }
}

/// The vouchers list.
#[component]
pub fn Vouchers() -> impl IntoView {
    let ctx = ctx();
    let reference = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // The cursors of the pages before this one (for "Anterior") and this page's.
    let cursors: RwSignal<Vec<Option<String>>> = RwSignal::new(vec![None]);
    let answer: RwSignal<Option<api::Answer>> = RwSignal::new(None);
    let load = move || {
        let after = cursors.get_untracked().last().cloned().flatten();
        let path = list_path(
            &reference.get_untracked(),
            &code.get_untracked(),
            &status.get_untracked(),
            (&from.get_untracked(), &to.get_untracked()),
            after.as_deref(),
        );
        let mode = ctx.mode();
        answer.set(None);
        leptos::task::spawn_local(async move {
            answer.set(Some(api::get(&mode, &path).await));
        });
    };
    load();
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        cursors.set(vec![None]);
        load();
    };
    view! {
        <h1>"Vouchers"</h1>
        <form class="filters" role="search" on:submit=search>
            <label>"Referencia"<input name="reference" prop:value=move || reference.get()
                on:input=move |ev| reference.set(event_target_value(&ev))/></label>
            <label>"Código de pago"<input name="payment_code" inputmode="numeric" prop:value=move || code.get()
                on:input=move |ev| code.set(event_target_value(&ev))/></label>
            <label>"Estado"<select name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                <option value="">"Todos"</option>
                {["pending", "paid", "expired", "cancelled", "refunded", "partially_refunded"].into_iter()
                    .map(|s| view! { <option value=s>{fmt::status(s).to_owned()}</option> }).collect_view()}
            </select></label>
            <label>"Desde"<input name="created_gte" type="date" prop:value=move || from.get()
                on:input=move |ev| from.set(event_target_value(&ev))/></label>
            <label>"Hasta"<input name="created_lte" type="date" prop:value=move || to.get()
                on:input=move |ev| to.set(event_target_value(&ev))/></label>
            <button type="submit">"Buscar"</button>
        </form>
        {move || match answer.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some(a) if !a.ok() => view! { <p role="alert" class="err">{a.error()}</p> }.into_any(),
            Some(a) => {
                let json = a.json();
                let rows = json.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                let last = rows.last().map(|v| fmt::text(v, "id"));
                let more = json.get("has_more").and_then(Value::as_bool) == Some(true);
                view! {
                    {table(ctx, rows)}
                    {pager(cursors, last, more, load)}
                }.into_any()
            }
        }}
    }
}

/// One step of a voucher's timeline: when, what.
fn step(at: String, what: String) -> impl IntoView {
    view! { <li><time>{at}</time>" "<span>{what}</span></li> }
}

/// A voucher's page.
#[component]
pub fn VoucherPage() -> impl IntoView {
    let ctx = ctx();
    let id = ctx.id().unwrap_or_default();
    let data: RwSignal<Option<(api::Answer, Value, Value)>> = RwSignal::new(None);
    let events: RwSignal<Vec<(Value, Vec<Value>)>> = RwSignal::new(Vec::new());
    let mode = ctx.mode();
    leptos::task::spawn_local(async move {
        let v = api::get(&mode, &["/vouchers/", &enc(&id)].concat()).await;
        let n = api::get(&mode, &["/vouchers/", &enc(&id), "/notifications"].concat()).await;
        let r = api::get(&mode, &["/refunds?voucher=", &enc(&id)].concat()).await;
        data.set(Some((v, n.json(), r.json())));
        // Its events (its own and its refunds'), oldest first, each with its deliveries.
        let e = api::get(&mode, &["/events?limit=100&voucher=", &enc(&id)].concat()).await;
        let mut list = e
            .json()
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        list.reverse();
        let sent = crate::deliveries::of(&mode, &list).await;
        events.set(
            list.into_iter()
                .zip(sent)
                .map(|(e, (_, d))| (e, d))
                .collect(),
        );
    });
    view! {
        <p><a href=move || href(&ctx, "vouchers", None)>"← Vouchers"</a></p>
        {move || match data.get() {
            None => view! { <p aria-live="polite">"Cargando…"</p> }.into_any(),
            Some((v, _, _)) if !v.ok() => view! { <p role="alert" class="err">{v.error()}</p> }.into_any(),
            Some((v, notes, refunds)) => page(v.json(), notes, refunds).into_any(),
        }}
        <h2>"Eventos y entregas"</h2>
        {move || {
            let list = events.get();
            if list.is_empty() {
                return view! { <p class="empty">"Aún no hay eventos de este voucher."</p> }.into_any();
            }
            view! { <ol class="timeline events">{list.into_iter().map(|(e, d)| {
                let id = fmt::text(&e, "id");
                let shown = id.clone();
                view! { <li data-event=id>
                    <time>{fmt::date(&e, "created_at")}</time>
                    <span class="mono">{fmt::text(&e, "type")}</span>" · "<span class="mono">{shown}</span>
                    {crate::deliveries::list(d)}
                </li> }
            }).collect_view()}</ol> }.into_any()
        }}
    }
}

fn page(v: Value, notes: Value, refunds: Value) -> impl IntoView {
    let notes = notes
        .get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let refunds = refunds
        .get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let status = fmt::text(&v, "status");
    let mut steps: Vec<(String, String)> =
        vec![(fmt::date(&v, "created_at"), String::from("Creado"))];
    for n in &notes {
        let mut what = String::from("Notificación de ");
        what.push_str(&fmt::text(n, "network"));
        what.push_str(": ");
        what.push_str(&fmt::text(n, "outcome"));
        steps.push((fmt::date_of(n.get("received_at"), &v), what));
    }
    if v.get("paid_at").is_some_and(|p| !p.is_null()) {
        steps.push((fmt::date(&v, "paid_at"), String::from("Pagado")));
    }
    for r in &refunds {
        let mut what = String::from("Reembolso ");
        what.push_str(&fmt::amount(r, "amount"));
        what.push_str(": ");
        what.push_str(fmt::status(&fmt::text(r, "status")));
        steps.push((fmt::date_of(r.get("created_at"), &v), what));
    }
    for (field, label) in [("expired_at", "Vencido"), ("cancelled_at", "Cancelado")] {
        if v.get(field).is_some_and(|p| !p.is_null()) {
            steps.push((fmt::date(&v, field), String::from(label)));
        }
    }
    view! {
        <h1>"Voucher "{fmt::text(&v, "reference")}</h1>
        <dl class="facts">
            <dt>"Estado"</dt><dd><span class=format!("pill {status}")>{fmt::status(&status).to_owned()}</span></dd>
            <dt>"Monto"</dt><dd>{fmt::amount(&v, "amount")}</dd>
            <dt>"Red"</dt><dd>{network(&v)}</dd>
            <dt>"Código de pago"</dt><dd class="mono">{fmt::text(&v, "payment_code")}</dd>
            <dt>"Vence"</dt><dd>{fmt::date(&v, "expires_at")}</dd>
            <dt>"Id"</dt><dd class="mono">{fmt::text(&v, "id")}</dd>
        </dl>
        <h2>"Línea de tiempo"</h2>
        <ol class="timeline">{steps.into_iter().map(|(at, what)| step(at, what)).collect_view()}</ol>
        <h2>"Notificaciones recibidas"</h2>
        {if notes.is_empty() {
            view! { <p class="empty">"La red aún no ha notificado este voucher."</p> }.into_any()
        } else {
            notes.into_iter().map(|n| {
                let body = n.get("body").and_then(Value::as_str).map_or_else(
                    || String::from("(cuerpo borrado tras 180 días)"),
                    str::to_owned,
                );
                view! {
                    <section class="card notification">
                        <h3>{fmt::text(&n, "network")}" · "{fmt::text(&n, "outcome")}</h3>
                        <p class="hint">{fmt::date_of(n.get("received_at"), &v)}" · "<span class="mono">{fmt::text(&n, "id")}</span></p>
                        <pre tabindex="0">{body}</pre>
                    </section>
                }
            }).collect_view().into_any()
        }}
    }
}
