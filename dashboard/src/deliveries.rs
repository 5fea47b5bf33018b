//! Where an event went (`GET /v1/events/{id}/deliveries`): each endpoint's delivery with
//! the endpoint's last HTTP status, the attempts made and where it stands. Shown on a
//! voucher's timeline and in the webhooks view.

use crate::api::{self, enc};
use crate::fmt;
use leptos::prelude::*;
use serde_json::Value;

/// Each of `events`' deliveries (by event id), asked one event after another.
pub async fn of(mode: &str, events: &[Value]) -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let id = fmt::text(e, "id");
        let answer = api::get(mode, &["/events/", &enc(&id), "/deliveries"].concat()).await;
        let rows = answer
            .json()
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        out.push((id, rows));
    }
    out
}

/// A delivery's state in Spanish.
fn state(s: &str) -> &'static str {
    match s {
        "succeeded" => "Entregado",
        "pending" => "Reintentando",
        "failed" => "Fallido",
        _ => "—",
    }
}

/// One line per delivery: the endpoint, the last response code, attempts, state.
pub fn list(rows: Vec<Value>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <span class="empty">"Ningún endpoint lo recibe."</span> }.into_any();
    }
    view! { <ul class="plain deliveries">{rows.into_iter().map(|d| {
        let st = fmt::text(&d, "status");
        let code = d.get("last_response_status").and_then(Value::as_i64)
            .map_or_else(|| String::from("sin respuesta"), |c| ["HTTP ", &c.to_string()].concat());
        let attempts = d.get("attempts").and_then(Value::as_i64).unwrap_or(0);
        let tries = if attempts == 1 { String::from("1 intento") } else { [&attempts.to_string(), " intentos"].concat() };
        let url = d.get("url").and_then(Value::as_str).map_or_else(|| fmt::text(&d, "endpoint"), str::to_owned);
        view! { <li data-endpoint=fmt::text(&d, "endpoint")>
            <span class="mono">{url}</span>": "<strong class="code">{code}</strong>
            " · "{tries}" · "<span class=format!("pill delivery-{st}")>{state(&st)}</span>
        </li> }
    }).collect_view()}</ul> }.into_any()
}
