//! Reports across a merchant's settlements: `GET /v1/settlements/unsettled` (paid vouchers
//! no settlement listed) and `GET /v1/settlements/digest`.

use super::settlements::*;
use crate::config::Config;
use crate::http::auth;
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::ledger::{self, CodedList, LedgerClient};
use crate::runtime::clock;
use serde_json::{Value, json};
use time::Duration;
use vale_shared::settlement::Category;
use wasm_bindgen::JsValue;
use worker::{Env, Request, Response};

/// `GET /v1/settlements/unsettled?older_than_days=` (default 3): paid vouchers no
/// settlement listed, paid longer ago than that.
pub async fn unsettled(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let days = match req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "older_than_days")
    {
        None => 3,
        Some((_, v)) => v
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=90).contains(d))
            .ok_or_else(|| {
                ApiError::invalid(
                    "older_than_days",
                    "parameter_invalid",
                    "older_than_days must be 0 to 90.",
                )
            })?,
    };
    let found: CodedList = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::Unsettled {
            livemode: access.livemode(),
            paid_before_ms: clock::millis(clock::now() - Duration::days(days)),
            limit: 1000,
        })
        .await?;
    let data: Vec<Value> = found
        .vouchers
        .iter()
        .map(|v| json!({"voucher": v.id, "payment_code": v.payment_code, "network": v.network}))
        .collect();
    Ok(json_response(
        200,
        json!({"object": "list", "data": data, "has_more": data.len() >= 1000}).to_string(),
    ))
}

/// `GET /v1/settlements/digest`: the newest daily digest (the cron writes one a day):
/// `{day, unsettled: [{voucher, payment_code, network}], created_at}`, plus the
/// settlements of the last 30 days that had mismatches.
pub async fn digest(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let found: ledger::DigestRow = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::LatestDigest {
            livemode: access.livemode(),
        })
        .await?;
    let since = clock::millis(clock::now() - Duration::days(30));
    let rows: Vec<StoredSettlement> = db(env)?
        .prepare("SELECT id, livemode, network, file_date, lines, total, currency, counts, created_ms, status FROM settlement WHERE merchant_id = ? AND livemode = ? AND created_ms >= ? ORDER BY created_ms DESC LIMIT 100")
        .bind(&[
            JsValue::from_str(&access.merchant.id.to_string()),
            JsValue::from_f64(f64::from(u8::from(access.livemode()))),
            JsValue::from_f64(since as f64),
        ])?
        .all()
        .await?
        .results()?;
    let mismatched: Vec<Value> = rows
        .iter()
        .map(StoredSettlement::render)
        .filter(|s| {
            Category::ALL
                .into_iter()
                .filter(|c| c.needs_attention())
                .any(|c| {
                    s.get("counts")
                        .and_then(|counts| counts.get(c.as_str()))
                        .and_then(Value::as_u64)
                        .is_some_and(|n| n > 0)
                })
        })
        .collect();
    let created = (found.created_ms > 0).then(|| {
        rfc3339(
            clock::from_millis(u64::try_from(found.created_ms).unwrap_or(0))
                .to_offset(time::macros::offset!(-5)),
        )
    });
    let unsettled: Vec<Value> = found
        .unsettled
        .iter()
        .map(|v| json!({"voucher": v.id, "payment_code": v.payment_code, "network": v.network}))
        .collect();
    let body = json!({
        "object": "settlement_digest",
        "day": (!found.day.is_empty()).then_some(found.day),
        "created_at": created.flatten(),
        "unsettled": unsettled,
        "settlements_with_mismatches": mismatched,
    });
    Ok(json_response(200, body.to_string()))
}
