//! The refund routes. A refund lives in its voucher's object (its id names the voucher),
//! so each route is one call to that object; the merchant's index lists them across
//! vouchers.
//!
//! - `POST /v1/refunds` (secret key, `Idempotency-Key`): opens one.
//! - `GET /v1/refunds/{id}`: the refund for a key, its display view for its client secret
//!   (CORS).
//! - `GET /v1/refunds?voucher=&status=&limit=&starting_after=`.
//! - `POST /v1/refunds/{id}/cancel`, `/settle {reference?}`, `/fail {failure_reason}`
//!   (secret key); `/approve`, `/reject` (restricted key, not the creating one).
//! - `POST /v1/refunds/{id}/destination` (the refund's client secret, CORS).
//! - `GET /v1/payouts/files/{date}` (secret key): the day's payout file, CSV.

use crate::auth::{self, Caller};
use crate::body;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, json_response};
use crate::ledger::{self, LedgerClient, RefundIds};
use crate::vouchers::api::{origin, page_params, unknown_param};
use crate::vouchers::{Command, RefundAction, RefundRequest, Scope, VoucherClient};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use vale_shared::VoucherId;
use vale_shared::id::RefundId;
use vale_shared::refund::{FailureReason, RefundStatus};
use worker::{Env, Request, Response};

fn refund_id(id: &str) -> ApiResult<RefundId> {
    id.parse().map_err(|_| {
        ApiError::new(
            404,
            crate::error::ErrorType::InvalidRequestError,
            "resource_missing",
            "No such refund.",
        )
    })
}

/// `POST /v1/refunds`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let key = crate::vouchers::create::idempotency_key(req.headers().get("idempotency-key")?)?;
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
    let request = RefundRequest {
        body: std::str::from_utf8(raw).ok().map(str::to_owned),
        request_hash: hex(raw),
        // Scoped to the merchant and mode, as a voucher's own key is.
        idempotency_key: idempotency_key.map(|k| {
            hex(format!("{}/{}/{k}", access.merchant.id, access.mode.livemode()).as_bytes())
        }),
        created_by: access.key_id(),
        origin,
    };
    VoucherClient::of(env, &voucher)?
        .call(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::CreateRefund(request),
        )
        .await
}

/// `GET /v1/refunds/{id}`: a key of its merchant and mode, or its own client secret.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let caller = auth::caller(req, config)?;
    let id = refund_id(id)?;
    let scope = match caller {
        Caller::Key(access) => Scope::merchant(&access.merchant.id, access.mode),
        Caller::Refund(secret) if secret.refund_id().as_ref() == Some(&id) => {
            Scope::Refund { refund: id.clone() }
        }
        Caller::Refund(_) | Caller::Client(_) => return Err(ApiError::permission_denied()),
    };
    act(env, scope, &id, RefundAction::Get).await
}

async fn act(env: &Env, scope: Scope, id: &RefundId, action: RefundAction) -> ApiResult<Response> {
    let body = VoucherClient::of(env, &id.voucher_id())?
        .text(
            scope,
            Command::Refund {
                id: id.clone(),
                action,
            },
        )
        .await?;
    Ok(json_response(200, body))
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
        Move::Destination => return Err(ApiError::internal("unreachable")),
    };
    act(
        env,
        Scope::merchant(&access.merchant.id, access.mode),
        &id,
        action,
    )
    .await
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
        return Ok(json_response(200, body));
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
        let text = VoucherClient::of(env, &id.voucher_id())?
            .text(
                scope.clone(),
                Command::Refund {
                    id: id.clone(),
                    action: RefundAction::Get,
                },
            )
            .await?;
        data.push(RawValue::from_string(text)?);
    }
    let body = serde_json::json!({"object": "list", "data": data, "has_more": page.has_more});
    Ok(json_response(200, body.to_string()))
}

/// `GET /v1/payouts/files/{date}` (secret key): the refunds whose payout was prepared on
/// `date` (`YYYY-MM-DD`, UTC−05:00), one CSV line each, destinations whole (the bank needs
/// them): `refund,voucher,amount,currency,type,name,document_type,document_number,bank,account_type,account,provider,phone,withdrawal_code`.
pub async fn payout_file(
    req: &Request,
    env: &Env,
    config: &Config,
    date: &str,
) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    let (_, from_ms, to_ms) = crate::clock::lima_day(date, "date")?;
    let page: RefundIds = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::RefundsPrepared {
            livemode: access.livemode(),
            from_ms,
            to_ms,
        })
        .await?;
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    let mut csv = String::from(
        "refund,voucher,amount,currency,type,name,document_type,document_number,bank,account_type,account,provider,phone,withdrawal_code\n",
    );
    for id in &page.ids {
        let text = VoucherClient::of(env, &id.voucher_id())?
            .text(
                scope.clone(),
                Command::Refund {
                    id: id.clone(),
                    action: RefundAction::PayoutLine,
                },
            )
            .await?;
        let line: serde_json::Value = serde_json::from_str(&text)?;
        let field = |v: &serde_json::Value, k: &str| {
            let raw = match v.get(k) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            csv_field(&raw)
        };
        let d = line.get("destination").cloned().unwrap_or_default();
        let account = if d.get("cci").is_some() {
            field(&d, "cci")
        } else {
            field(&d, "account_number")
        };
        let name = if d.get("holder_name").is_some() {
            field(&d, "holder_name")
        } else {
            field(&d, "name")
        };
        csv.push_str(
            &[
                field(&line, "refund"),
                field(&line, "voucher"),
                field(&line, "amount"),
                field(&line, "currency"),
                field(&d, "type"),
                name,
                field(&d, "document_type"),
                field(&d, "document_number"),
                field(&d, "bank"),
                field(&d, "account_type"),
                account,
                field(&d, "provider"),
                field(&d, "phone"),
                field(&line, "withdrawal_code"),
            ]
            .join(","),
        );
        csv.push('\n');
    }
    let resp = Response::ok(csv)?;
    resp.headers()
        .set("content-type", "text/csv; charset=utf-8")?;
    resp.headers().set(
        "content-disposition",
        &format!("attachment; filename=\"vale-payouts-{date}.csv\""),
    )?;
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; a
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet never runs it.
pub fn csv_field(raw: &str) -> String {
    let safe = if raw.starts_with(['=', '+', '-', '@']) && !raw.starts_with("+5") {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("Ana Pérez"), "Ana Pérez");
        assert_eq!(csv_field("Pérez, Ana"), "\"Pérez, Ana\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("+573001234567"), "+573001234567");
    }
}
