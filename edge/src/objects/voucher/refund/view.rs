//! A refund as the API shows it: to its merchant's keys, or as the display view for the
//! refund page (its client secret).

use super::*;
use crate::http::error::ApiResult;
use crate::objects::voucher::store::Stored;
use crate::runtime::clock;
use serde_json::{Value, json};
use time::OffsetDateTime;
use vale_shared::id::{RefundId, RefundSecret};
use vale_shared::refund::RefundStatus;

/// Unix ms cut to the whole second: what a refund's instants are stored as, so what the
/// API shows (to the second) is the instant that holds.
pub(super) fn whole_second(at: OffsetDateTime) -> i64 {
    clock::millis(at).div_euclid(1000) * 1000
}

/// RFC 3339 in the network's offset, to the second: no fractional seconds (PHP's RFC 3339
/// parser and strict `strptime` refuse them).
pub(super) fn rfc3339(ms: i64, stored: &Stored) -> Value {
    let t =
        clock::from_millis(u64::try_from(ms).unwrap_or(0)).to_offset(stored.network.utc_offset());
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .map_or(Value::Null, Value::String)
}

/// What a withdrawal is at: `collectable` (its code can be collected), `past_due` (its
/// date passed and the rail has not said: still held, still collectable as far as Vale
/// knows), `collected`, or `void`.
pub(super) fn withdrawal_status(row: &Row, status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Succeeded => "collected",
        RefundStatus::Failed => "void",
        _ if row.past_due_ms.is_some() => "past_due",
        _ => "collectable",
    }
}

/// The refund object (`display`: the shopper's view, no secret or metadata).
pub(super) fn render(
    row: &Row,
    stored: &Stored,
    server_key: &[u8],
    origin: &str,
    display: bool,
) -> ApiResult<Value> {
    let id: RefundId = row.id.parse().map_err(|_| bad_stored())?;
    let secret = RefundSecret::derive(server_key, &id);
    let at = |ms: Option<i64>| ms.map_or(Value::Null, |ms| rfc3339(ms, stored));
    let status = row.status()?;
    let withdrawal = match (&row.withdrawal_code, row.collectable_until_ms) {
        (Some(code), Some(until)) => json!({"code": code,
            "collectable_until": rfc3339(until, stored),
            "status": withdrawal_status(row, status)}),
        _ => Value::Null,
    };
    let mut refund = json!({
        "id": row.id, "object": "refund", "livemode": stored.livemode,
        "voucher": stored.id, "amount": row.amount, "currency": row.currency,
        "reason": row.reason, "status": status.as_str(),
        "destination": row.destination().map_or(Value::Null, |d| d.masked()),
        "collect_url": format!("{origin}/r/{}?cs={}", row.id, secret.expose()),
        "expires_at": rfc3339(row.expires_ms, stored),
        "created_at": rfc3339(row.created_ms, stored),
        "succeeded_at": at(row.succeeded_ms),
        "failure_reason": row.failure_reason,
        "withdrawal": withdrawal,
        "approval_required": row.approval_required != 0,
        "approved_at": at(row.approved_ms),
        "unexpected_payment": row.payment_seq.map(|_| true),
    });
    if let Some(map) = refund.as_object_mut() {
        if row.payment_seq.is_none() {
            map.remove("unexpected_payment");
        }
        if let (false, Some(given)) = (display, splits::from_stored(row.splits.as_deref())) {
            map.insert("refund_splits".into(), splits::to_json(&given));
        }
        if display {
            map.remove("collect_url");
            map.insert("network".into(), json!(stored.network.as_str()));
            map.insert("reference".into(), json!(stored.issued.reference));
            map.insert(
                "destination_types".into(),
                json!(stored.network.refund_destinations()),
            );
        } else {
            map.insert("client_secret".into(), json!(secret.expose()));
            let metadata: Value = serde_json::from_str(&row.metadata).unwrap_or_else(|_| json!({}));
            map.insert("metadata".into(), metadata);
        }
    }
    Ok(refund)
}
