//! A marketplace platform's seller payouts (issue #23), answered by its seller ledger
//! (`objects::seller_ledger::payouts`):
//!
//! - `POST /v1/payouts {account, amount?}` (secret key): pays out a seller's available
//!   money (all of it in whole cash steps, or `amount`). `400`: `account_invalid`,
//!   `account_not_enabled`, `balance_insufficient`, `amount_invalid`.
//! - `GET /v1/payouts/{id}` (secret or restricted key).
//! - `POST /v1/payouts/{id}/paid {reference?}` and `/failed {failure_reason}` (secret
//!   key): the rail closed it; a failed payout gives its amount back to available.
//!   The same close again answers the payout unchanged; the other is `409 payout_closed`.
//!
//! A merchant that is not a platform gets `403 platform_required`.

use crate::api::accounts::not_a_platform;
use crate::config::Config;
use crate::http::auth::{self, Access};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::seller_ledger::payouts::{Close, Manual, no_such_payout};
use crate::objects::seller_ledger::{Command, SellerLedgerClient};
use crate::runtime::random;
use serde_json::{Map, Value};
use vale_shared::id::{AccountId, PayoutId};
use vale_shared::refund::FailureReason;
use worker::{Env, Request, Response};

fn platform(access: Access<'_>) -> ApiResult<Access<'_>> {
    if access.merchant.platform {
        Ok(access)
    } else {
        Err(not_a_platform())
    }
}

fn ledger(env: &Env, access: &Access<'_>) -> ApiResult<SellerLedgerClient> {
    SellerLedgerClient::of(env, &access.merchant.id, access.mode)
}

/// The body as a JSON object whose fields are all among `known` (an empty body is `{}`).
async fn fields(req: &mut Request, known: &[&str]) -> ApiResult<Map<String, Value>> {
    let raw = body::read(req).await?;
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let fields: Map<String, Value> = serde_json::from_slice(&raw).map_err(|_| {
        ApiError::invalid("body", "body_invalid", "The body must be a JSON object.")
    })?;
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            unknown,
            "parameter_unknown",
            "This parameter is not known.",
        ));
    }
    Ok(fields)
}

/// `POST /v1/payouts`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = platform(auth::secret(&req, config)?)?;
    let fields = fields(&mut req, &["account", "amount"]).await?;
    let account = match fields.get("account") {
        Some(Value::String(a)) => a.parse::<AccountId>().map_err(|_| {
            ApiError::invalid(
                "account",
                "account_invalid",
                "No such account for this platform in this mode.",
            )
        })?,
        Some(_) => {
            return Err(ApiError::invalid(
                "account",
                "account_invalid",
                "account must be an account id (`acct_…`).",
            ));
        }
        None => {
            return Err(ApiError::invalid(
                "account",
                "parameter_missing",
                "account is required: the seller to pay out.",
            ));
        }
    };
    let amount = match fields.get("amount") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::invalid(
                "amount",
                "amount_invalid",
                "amount must be a positive whole number of minor units.",
            )
        })?),
    };
    let body = ledger(env, &access)?
        .text(&Command::Payout(Manual {
            id: PayoutId::from_random(random::bytes()?).to_string(),
            account: account.to_string(),
            amount,
        }))
        .await?;
    Ok(json_response(201, body))
}

fn parse_id(id: &str) -> ApiResult<PayoutId> {
    id.parse().map_err(|_| no_such_payout())
}

/// `GET /v1/payouts/{id}`.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = platform(auth::reader(req, config)?)?;
    let id = parse_id(id)?;
    let body = ledger(env, &access)?
        .text(&Command::GetPayout {
            id: id.to_string(),
            livemode: access.livemode(),
        })
        .await?;
    Ok(json_response(200, body))
}

/// `POST /v1/payouts/{id}/paid` (`paid`) or `/failed`.
pub async fn close(
    mut req: Request,
    env: &Env,
    config: &Config,
    id: &str,
    paid: bool,
) -> ApiResult<Response> {
    let access = platform(auth::secret(&req, config)?)?;
    let id = parse_id(id)?;
    let how = if paid {
        let fields = fields(&mut req, &["reference"]).await?;
        let reference = match fields.get("reference") {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) if !r.is_empty() && r.chars().count() <= 64 => Some(r.clone()),
            Some(_) => {
                return Err(ApiError::invalid(
                    "reference",
                    "reference_invalid",
                    "reference must be 1 to 64 characters.",
                ));
            }
        };
        Close::Paid { reference }
    } else {
        let fields = fields(&mut req, &["failure_reason"]).await?;
        let reason = fields
            .get("failure_reason")
            .and_then(Value::as_str)
            .and_then(|r| r.parse::<FailureReason>().ok())
            .ok_or_else(|| {
                ApiError::invalid(
                    "failure_reason",
                    "failure_reason_invalid",
                    "failure_reason must be invalid_destination, name_mismatch, collection_expired or payout_rejected.",
                )
            })?;
        Close::Failed {
            failure_reason: reason.as_str().to_owned(),
        }
    };
    let body = ledger(env, &access)?
        .text(&Command::ClosePayout {
            id: id.to_string(),
            how,
            livemode: access.livemode(),
        })
        .await?;
    Ok(json_response(200, body))
}
