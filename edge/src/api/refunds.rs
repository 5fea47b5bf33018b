//! The refund routes. A refund lives in its voucher's object (its id names the voucher),
//! so each route is one call to that object; the merchant's index lists them across
//! vouchers.
//!
//! - `POST /v1/refunds` (secret key, `Idempotency-Key`): opens one.
//! - `GET /v1/refunds/{id}`: the refund for a key, its display view for its client secret
//!   (CORS).
//! - `GET /v1/refunds?voucher=&status=&limit=&starting_after=`.
//! - `POST /v1/refunds/{id}/cancel`, `/settle {reference?}`, `/fail {failure_reason}`,
//!   `/void_withdrawal` (secret key); `/approve`, `/reject` (restricted key, not the
//!   creating one).
//! - `POST /v1/refunds/{id}/destination` (the refund's client secret, CORS).
//! - `GET /v1/payouts/files/{date}?limit=&starting_after=` (secret key): a page of the
//!   day's payout file, CSV.
//!
//! A restricted key reads refunds without their `client_secret` and `collect_url`: with
//! them it could choose where an approved refund goes (review M3).

use crate::api::vouchers::{origin, page_params, unknown_param};
use crate::config::Config;
use crate::config::Role;
use crate::http::auth::{self, Caller};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::ledger::{self, KeyHome, LedgerClient, RefundIds};
use crate::objects::voucher::{Command, RefundAction, RefundRequest, Scope, VoucherClient};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use vale_shared::VoucherId;
use vale_shared::csv;
use vale_shared::id::RefundId;
use vale_shared::refund::{FailureReason, RefundStatus};
use worker::{Env, Request, Response};

fn refund_id(id: &str) -> ApiResult<RefundId> {
    id.parse().map_err(|_| {
        ApiError::new(
            404,
            crate::http::error::ErrorType::InvalidRequestError,
            "resource_missing",
            "No such refund.",
        )
    })
}

/// `POST /v1/refunds`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let key = crate::api::create_voucher::idempotency_key(req.headers().get("idempotency-key")?)?;
    let origin = origin(&req, env)?;
    let raw = body::read(&mut req).await?;
    let created = open(env, &access, &raw, key, origin).await?;
    // A replay answers the first response again, status included.
    let resp = json_response(201, created.refund.get().to_owned());
    if created.replayed {
        resp.headers().set("idempotent-replayed", "true")?;
    }
    Ok(resp)
}

/// What opening a refund answered.
#[derive(Debug, Deserialize)]
pub struct Opened {
    /// Whether it was the stored answer to the same key and body.
    pub replayed: bool,
    /// The refund object.
    pub refund: Box<RawValue>,
}

/// Opens a refund from a raw create body for `access`'s merchant and mode: the one path
/// behind `POST /v1/refunds` and the demo store's refund button.
pub async fn open(
    env: &Env,
    access: &auth::Access<'_>,
    raw: &[u8],
    idempotency_key: Option<String>,
    origin: String,
) -> ApiResult<Opened> {
    #[derive(Deserialize)]
    struct Target {
        voucher: Option<String>,
    }
    let voucher: VoucherId = serde_json::from_slice::<Target>(raw)
        .ok()
        .and_then(|t| t.voucher)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::invalid("voucher", "voucher_invalid", "voucher must be a vch_ id.")
        })?;
    let hex = |bytes: &[u8]| hex::encode(Sha256::digest(bytes));
    // Scoped to the merchant and mode, as a voucher's own key is.
    let key_hash = idempotency_key
        .map(|k| hex(format!("{}/{}/{k}", access.merchant.id, access.mode.livemode()).as_bytes()));
    let ledger = LedgerClient::of(env, &access.merchant.id)?;
    // Regression (review L3): the key was kept in the voucher named, so the same key with
    // another voucher opened a second refund. The ledger says which voucher a key is for.
    let claimed = match &key_hash {
        Some(key_hash) => {
            let home: KeyHome = ledger
                .call(&ledger::Command::ClaimRefundKey {
                    livemode: access.livemode(),
                    key_hash: key_hash.clone(),
                    voucher: voucher.clone(),
                })
                .await?;
            if home.voucher != voucher {
                return Err(ApiError::new(
                    422,
                    crate::http::error::ErrorType::IdempotencyError,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used to refund another voucher; use a new key.",
                )
                .with_param("voucher"));
            }
            home.fresh
        }
        None => false,
    };
    let request = RefundRequest {
        body: std::str::from_utf8(raw).ok().map(str::to_owned),
        request_hash: hex(raw),
        idempotency_key: key_hash.clone(),
        created_by: access.key_id(),
        origin,
    };
    let opened = VoucherClient::of(env, &voucher)?
        .call(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::CreateRefund(request),
        )
        .await;
    // A create refused for its input stored nothing: its key is free again.
    if let (Err(e), Some(key_hash), true) = (&opened, key_hash, claimed)
        && e.status < 500
    {
        let release = ledger::Command::ReleaseRefundKey { key_hash, voucher };
        if let Err(e) = ledger.call::<ledger::Done>(&release).await {
            worker::console_error!("refund key release failed ({})", e.code);
        }
    }
    opened
}

/// Drops what a restricted key may not read from a refund object: its `client_secret` and
/// `collect_url` (with them it could choose where the money goes).
pub fn for_reader(refund: &mut serde_json::Value, role: Role) {
    if role == Role::Restricted
        && let Some(map) = refund.as_object_mut()
    {
        map.remove("client_secret");
        map.remove("collect_url");
    }
}

/// The refund object(s) of `body` as `role` may read them: `body` is a refund or a list.
fn readable(body: String, role: Role) -> ApiResult<String> {
    if role != Role::Restricted {
        return Ok(body);
    }
    let mut value: serde_json::Value = serde_json::from_str(&body)?;
    match value
        .get_mut("data")
        .and_then(serde_json::Value::as_array_mut)
    {
        Some(list) => list.iter_mut().for_each(|r| for_reader(r, role)),
        None => for_reader(&mut value, role),
    }
    Ok(value.to_string())
}

/// `GET /v1/refunds/{id}`: a key of its merchant and mode, or its own client secret.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let caller = auth::caller(req, config)?;
    let id = refund_id(id)?;
    let (scope, role) = match caller {
        Caller::Key(access) => (
            Scope::merchant(&access.merchant.id, access.mode),
            access.role,
        ),
        Caller::Refund(secret) if secret.refund_id().as_ref() == Some(&id) => {
            (Scope::Refund { refund: id.clone() }, Role::Secret)
        }
        Caller::Refund(_) | Caller::Client(_) => return Err(ApiError::permission_denied()),
    };
    let body = ask(env, scope, &id, RefundAction::Get).await?;
    Ok(json_response(200, readable(body, role)?))
}

async fn ask(env: &Env, scope: Scope, id: &RefundId, action: RefundAction) -> ApiResult<String> {
    VoucherClient::of(env, &id.voucher_id())?
        .text(
            scope,
            Command::Refund {
                id: id.clone(),
                action,
            },
        )
        .await
}

async fn act(env: &Env, scope: Scope, id: &RefundId, action: RefundAction) -> ApiResult<Response> {
    Ok(json_response(200, ask(env, scope, id, action).await?))
}

/// `POST /v1/sandbox/refunds/{id}/succeed` and `/fail {failure_reason?}` (test keys): the
/// sandbox's payout simulator settles a `processing` refund (`fail` defaults to
/// `payout_rejected`).
pub async fn sandbox(
    mut req: Request,
    env: &Env,
    config: &Config,
    id: &str,
    succeed: bool,
) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    if access.mode != crate::config::Mode::Test {
        return Err(ApiError::not_found());
    }
    let id = refund_id(id)?;
    let raw = body::read(&mut req).await?;
    let action = if succeed {
        RefundAction::Settle {
            reference: Some("sandbox".to_owned()),
        }
    } else {
        let given = serde_json::from_slice::<serde_json::Value>(&raw)
            .ok()
            .and_then(|v| {
                v.get("failure_reason")
                    .and_then(|r| r.as_str())
                    .map(str::to_owned)
            });
        let reason = match given {
            None => FailureReason::PayoutRejected,
            Some(r) => failure_reason(Some(&r))?,
        };
        RefundAction::Fail { reason }
    };
    act(
        env,
        Scope::merchant(&access.merchant.id, access.mode),
        &id,
        action,
    )
    .await
}

/// A `failure_reason` as given (`400` when missing or unknown).
fn failure_reason(given: Option<&str>) -> ApiResult<FailureReason> {
    given
        .and_then(|r| r.parse::<FailureReason>().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "failure_reason",
                "parameter_invalid",
                "failure_reason must be invalid_destination, name_mismatch, collection_expired or payout_rejected.",
            )
        })
}

/// What a route does to a refund.
#[derive(Debug, Clone, Copy)]
pub enum Move {
    /// `cancel`.
    Cancel,
    /// `approve`.
    Approve,
    /// `reject`.
    Reject,
    /// `settle`.
    Settle,
    /// `fail`.
    Fail,
    /// `destination`.
    Destination,
    /// `void_withdrawal`.
    VoidWithdrawal,
}

/// `POST /v1/refunds/{id}/{move}`.
pub async fn change(
    mut req: Request,
    env: &Env,
    config: &Config,
    id: &str,
    what: Move,
) -> ApiResult<Response> {
    let id = refund_id(id)?;
    if let Move::Destination = what {
        let Caller::Refund(secret) = auth::caller(&req, config)? else {
            return Err(ApiError::permission_denied());
        };
        if secret.refund_id().as_ref() != Some(&id) {
            return Err(ApiError::permission_denied());
        }
        let raw = body::read(&mut req).await?;
        let body = std::str::from_utf8(&raw).ok().map(str::to_owned);
        let scope = Scope::Refund { refund: id.clone() };
        return act(env, scope, &id, RefundAction::Destination { body }).await;
    }
    let access = match what {
        Move::Approve | Move::Reject => auth::restricted(&req, config)?,
        _ => auth::secret(&req, config)?,
    };
    let raw = body::read(&mut req).await?;
    let fields: serde_json::Map<String, serde_json::Value> =
        if raw.iter().all(u8::is_ascii_whitespace) {
            serde_json::Map::new()
        } else {
            serde_json::from_slice(&raw).map_err(|_| {
                ApiError::invalid("body", "body_invalid", "The body must be a JSON object.")
            })?
        };
    let action = match what {
        Move::Cancel => RefundAction::Cancel,
        Move::Approve => RefundAction::Approve {
            by: access.key_id(),
        },
        Move::Reject => RefundAction::Reject {
            by: access.key_id(),
        },
        Move::Settle => RefundAction::Settle {
            reference: match fields.get("reference") {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(r)) if !r.is_empty() && r.chars().count() <= 100 => {
                    Some(r.clone())
                }
                Some(_) => {
                    return Err(ApiError::invalid(
                        "reference",
                        "parameter_invalid",
                        "reference must be 1 to 100 characters.",
                    ));
                }
            },
        },
        Move::Fail => RefundAction::Fail {
            reason: failure_reason(
                fields
                    .get("failure_reason")
                    .and_then(serde_json::Value::as_str),
            )?,
        },
        Move::VoidWithdrawal => RefundAction::VoidWithdrawal,
        Move::Destination => return Err(ApiError::internal("unreachable")),
    };
    let body = ask(
        env,
        Scope::merchant(&access.merchant.id, access.mode),
        &id,
        action,
    )
    .await?;
    Ok(json_response(200, readable(body, access.role)?))
}

/// `GET /v1/refunds?voucher=&status=&limit=&starting_after=`: one voucher's from its
/// object, else the merchant's from its index, newest first.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let url = req.url()?;
    let (mut voucher, mut status, mut limit, mut starting_after) = (None, None, 10_u32, None);
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "voucher" => {
                voucher = Some(value.parse::<VoucherId>().map_err(|_| {
                    ApiError::invalid("voucher", "voucher_invalid", "voucher must be a vch_ id.")
                })?);
            }
            "status" => {
                status = Some(value.parse::<RefundStatus>().map_err(|()| {
                    ApiError::invalid("status", "status_invalid", "status is not a refund status.")
                })?);
            }
            other => {
                if !page_params(other, &value, &mut limit, &mut starting_after, |v| {
                    v.parse::<RefundId>().ok()
                })? {
                    return Err(unknown_param(other));
                }
            }
        }
    }
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    if let Some(voucher) = voucher {
        let body = VoucherClient::of(env, &voucher)?
            .text(scope, Command::Refunds { status })
            .await?;
        return Ok(json_response(200, readable(body, access.role)?));
    }
    let page: RefundIds = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::ListRefunds {
            livemode: access.livemode(),
            status: status.map(|s| s.as_str().to_owned()),
            limit,
            starting_after,
        })
        .await?;
    let mut data = Vec::with_capacity(page.ids.len());
    for id in &page.ids {
        // A refund whose voucher was purged meanwhile is skipped, never a 404 for the list
        // (regression, review L1).
        let Some(text) = present(ask(env, scope.clone(), id, RefundAction::Get).await)? else {
            continue;
        };
        data.push(RawValue::from_string(readable(text, access.role)?)?);
    }
    let body = serde_json::json!({"object": "list", "data": data, "has_more": page.has_more});
    Ok(json_response(200, body.to_string()))
}

/// An answer, or `None` for a `404` (a voucher purged after the index listed it).
fn present(answer: ApiResult<String>) -> ApiResult<Option<String>> {
    match answer {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

/// The payout file's columns, in order.
pub const PAYOUT_COLUMNS: &str = "refund,voucher,amount,currency,type,name,document_type,document_number,bank,account_type,account,provider,phone,withdrawal_code,bank_code,collectable_until";

/// `GET /v1/payouts/files/{date}?limit=&starting_after=` (secret key): the refunds whose
/// payout was prepared on `date` (`YYYY-MM-DD`, UTC−05:00, 2000 to 2100), one CSV line
/// each, destinations whole (the bank needs them), oldest first, [`PAYOUT_COLUMNS`].
/// A page holds `limit` lines (default 500, at most 900); when more follow, the answer
/// says `Vale-Has-More: true` and `Vale-Next-Starting-After: re_…` (and a `Link` with
/// `rel="next"`), and the next page is asked with `starting_after` (regression, review
/// L8: the file stopped silently at 10,000 lines). Every field is neutralised for
/// spreadsheets (`vale_shared::csv`; regression, review M4).
pub async fn payout_file(
    req: &Request,
    env: &Env,
    config: &Config,
    date: &str,
) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    let (_, from_ms, to_ms) = crate::runtime::clock::lima_day(date, "date")?;
    let mut limit = ledger::PAYOUT_PAGE;
    let mut starting_after = None;
    for (name, value) in req.url()?.query_pairs() {
        match name.as_ref() {
            "limit" => {
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=ledger::PAYOUT_PAGE_MAX).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "limit",
                            "limit_invalid",
                            "limit must be a whole number from 1 to 900.",
                        )
                    })?;
            }
            "starting_after" => {
                starting_after = Some(value.parse::<RefundId>().map_err(|_| {
                    ApiError::invalid(
                        "starting_after",
                        "starting_after_invalid",
                        "starting_after must be a re_ id of the previous page.",
                    )
                })?);
            }
            other => return Err(unknown_param(other)),
        }
    }
    let page: RefundIds = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::RefundsPrepared {
            livemode: access.livemode(),
            from_ms,
            to_ms,
            limit,
            starting_after,
        })
        .await?;
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    let mut file = format!("{PAYOUT_COLUMNS}\n");
    for id in &page.ids {
        let Some(text) = present(ask(env, scope.clone(), id, RefundAction::PayoutLine).await)?
        else {
            continue;
        };
        let line: serde_json::Value = serde_json::from_str(&text)?;
        file.push_str(&payout_line(&line));
        file.push('\n');
    }
    let resp = Response::ok(file)?;
    let headers = resp.headers();
    headers.set("content-type", "text/csv; charset=utf-8")?;
    headers.set(
        "content-disposition",
        &format!("attachment; filename=\"vale-payouts-{date}.csv\""),
    )?;
    headers.set("cache-control", "no-store")?;
    headers.set(
        "vale-has-more",
        if page.has_more { "true" } else { "false" },
    )?;
    if let (true, Some(last)) = (page.has_more, page.ids.last()) {
        headers.set("vale-next-starting-after", last.as_str())?;
        headers.set(
            "link",
            &format!(
                "</v1/payouts/files/{date}?limit={limit}&starting_after={last}>; rel=\"next\""
            ),
        )?;
    }
    Ok(resp)
}

/// One payout file line from a refund's `PayoutLine` answer, every field neutralised
/// (only a valid E.164 phone keeps its `+`).
fn payout_line(line: &serde_json::Value) -> String {
    let raw = |v: &serde_json::Value, k: &str| match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let field = |v: &serde_json::Value, k: &str| csv::field(&raw(v, k));
    let d = line.get("destination").cloned().unwrap_or_default();
    let either = |a: &str, b: &str| {
        if d.get(a).is_some() {
            field(&d, a)
        } else {
            field(&d, b)
        }
    };
    [
        field(line, "refund"),
        field(line, "voucher"),
        field(line, "amount"),
        field(line, "currency"),
        field(&d, "type"),
        either("holder_name", "name"),
        field(&d, "document_type"),
        field(&d, "document_number"),
        field(&d, "bank"),
        field(&d, "account_type"),
        either("cci", "account_number"),
        field(&d, "provider"),
        csv::phone(&raw(&d, "phone")),
        field(line, "withdrawal_code"),
        field(&d, "bank_code"),
        field(line, "collectable_until"),
    ]
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Regression (review M4): a formula in any free-text payout field reached the file.
    #[test]
    fn payout_lines_never_carry_a_formula_but_a_phone_keeps_its_plus() {
        let line = payout_line(&json!({
            "refund": "re_x", "voucher": "vch_x", "amount": 100, "currency": "COP",
            "withdrawal_code": "0123456789", "collectable_until": "2026-12-31T10:00:00-05:00",
            "destination": {"type": "cash_pickup", "name": "-2+3", "document_type": "@CC",
                "document_number": "=1+1", "phone": "+573001234567"}}));
        assert!(line.contains(",'-2+3,'@CC,'=1+1,"), "{line}");
        assert!(line.contains(",+573001234567,"), "{line}");
        let bank = payout_line(&json!({"destination": {"type": "bank_account",
            "bank": "+5+HYPERLINK(\"x\")", "account_number": "\t1", "holder_name": "Ana",
            "phone": "+5+1"}}));
        assert!(bank.contains("\"'+5+HYPERLINK(\"\"x\"\")\""), "{bank}");
        assert!(bank.contains("'\t1") && bank.contains("'+5+1"), "{bank}");
        assert_eq!(PAYOUT_COLUMNS.split(',').count(), line.split(',').count());
    }
}
