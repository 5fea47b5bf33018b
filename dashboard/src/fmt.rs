//! Money and dates as people in Colombia and Peru read them: `$ 1.500.000` and
//! `S/ 25.50` (the shared crate's [`Money`] display, as `Intl` prints es-CO/es-PE), dates
//! in the network's country and zone.

use serde_json::Value;
use vale_shared::{Currency, Money};
use wasm_bindgen::JsValue;

/// The amount `minor` of `currency` (`COP`, `PEN`), or a dash; a negative amount (a
/// balance transaction's payout, a negative balance) with a leading `-`.
pub fn money(minor: Option<i64>, currency: Option<&str>) -> String {
    let currency = match currency {
        Some("COP") => Currency::Cop,
        Some("PEN") => Currency::Pen,
        Some("USD") => Currency::Usd,
        _ => return String::from("—"),
    };
    minor
        .and_then(|m| {
            let shown = Money::new(m.checked_abs()?, currency).ok()?.to_string();
            Some(if m < 0 { ["-", &shown].concat() } else { shown })
        })
        .unwrap_or_else(|| String::from("—"))
}

/// A JSON object's amount (`field`) in its `currency`.
pub fn amount(obj: &Value, field: &str) -> String {
    money(
        obj.get(field).and_then(Value::as_i64),
        obj.get("currency").and_then(Value::as_str),
    )
}

/// Locale and zone for an object: Peru for PagoEfectivo/PEN, Colombia otherwise.
fn place(obj: &Value) -> (&'static str, &'static str) {
    let peru = obj.get("network").and_then(Value::as_str) == Some("pagoefectivo")
        || obj.get("currency").and_then(Value::as_str) == Some("PEN");
    if peru {
        ("es-PE", "America/Lima")
    } else {
        ("es-CO", "America/Bogota")
    }
}

/// A time (RFC 3339 text or Unix seconds) of `obj`'s `field`, as its country reads it:
/// `7 dic 2026, 3:11 p. m.`; a dash when absent.
pub fn date(obj: &Value, field: &str) -> String {
    date_of(obj.get(field), obj)
}

/// [`date`] for a value given apart from its object.
pub fn date_of(value: Option<&Value>, obj: &Value) -> String {
    let ms = match value {
        Some(Value::String(text)) => js_sys::Date::parse(text),
        Some(Value::Number(n)) => n.as_f64().map_or(f64::NAN, |s| s * 1000.0),
        _ => f64::NAN,
    };
    if ms.is_nan() {
        return String::from("—");
    }
    let (locale, zone) = place(obj);
    let options = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    set("dateStyle", "medium");
    set("timeStyle", "short");
    set("timeZone", zone);
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    d.to_locale_string(locale, &options).into()
}

/// Text of a JSON field (a dash for none).
pub fn text(obj: &Value, field: &str) -> String {
    match obj.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::from("—"),
        Some(other) => other.to_string(),
    }
}

/// A status in Spanish (vouchers, refunds, reviews, endpoints, settlements).
pub fn status(s: &str) -> &str {
    match s {
        "pending" => "Pendiente",
        "paid" => "Pagado",
        "expired" => "Vencido",
        "cancelled" | "canceled" => "Cancelado",
        "refunded" => "Reembolsado",
        "partially_refunded" => "Reembolsado en parte",
        "requires_action" => "Espera datos del comprador",
        "pending_approval" => "Por aprobar",
        "processing" => "En proceso",
        "succeeded" => "Pagado al comprador",
        "failed" => "Fallido",
        "open" => "Abierta",
        "approved" => "Aprobada",
        "rejected" => "Rechazada",
        "blocked" => "Bloqueada",
        "voided" => "Anulada",
        "enabled" => "Activo",
        "disabled" => "Desactivado",
        "reconciled" => "Conciliado",
        other => other,
    }
}

/// A settlement category in Spanish.
pub fn category(c: &str) -> &str {
    match c {
        "matched" => "Conciliados",
        "paid_without_notification" => "Pagados sin notificación",
        "late_payment" => "Pagos tardíos",
        "unexpected_payment" => "Pagos inesperados",
        "duplicate" => "Duplicados",
        "amount_mismatch" => "Monto distinto",
        "unknown_reference" => "Código desconocido",
        "notified_not_settled" => "Notificados sin liquidar",
        other => other,
    }
}
