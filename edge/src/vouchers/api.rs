//! The voucher routes of the contract:
//!
//! - `POST /v1/vouchers` (secret key, optional `Idempotency-Key`)
//! - `GET /v1/vouchers/{id}` (secret key: the voucher; client secret: the display view,
//!   CORS-enabled with its `OPTIONS` preflight)
//! - `POST /v1/vouchers/{id}/cancel`
//! - `GET /v1/vouchers?reference=&status=&limit=&starting_after=`

use super::create::{self, Created};
use super::{Command, VoucherClient};
use crate::auth::{self, Caller};
use crate::body;
use crate::clock;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, json_response};
use crate::ledger::{self, LedgerClient, ListQuery};
use vale_shared::{VoucherId, VoucherStatus};
use worker::{Env, Request, Response};

/// Largest `limit` of a listing.
const MAX_LIMIT: u32 = 100;
/// `limit` when none is given.
const DEFAULT_LIMIT: u32 = 10;

/// The origin the hosted page links use: the `VALE_PUBLIC_ORIGIN` variable, else the
/// request's own.
pub fn origin(req: &Request, env: &Env) -> ApiResult<String> {
    if let Ok(var) = env.var("VALE_PUBLIC_ORIGIN") {
        let text = var.to_string();
        if !text.is_empty() {
            return Ok(text.trim_end_matches('/').to_owned());
        }
    }
    Ok(req.url()?.origin().ascii_serialization())
}

/// `POST /v1/vouchers`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let merchant = auth::merchant(&req, config)?;
    let key = create::idempotency_key(req.headers().get("idempotency-key").ok().flatten())?;
    let body = body::read(&mut req).await?;
    let origin = origin(&req, env)?;
    let Created {
        status,
        body,
        replayed,
    } = create::create(env, merchant, &body, key, &origin).await?;
    let resp = json_response(status, body);
    if replayed {
        resp.headers().set("idempotent-replayed", "true")?;
    }
    Ok(resp)
}

fn parse_id(id: &str) -> ApiResult<VoucherId> {
    id.parse().map_err(|_| ApiError::no_such_voucher())
}

/// `GET /v1/vouchers/{id}`: the whole voucher for its merchant, the display view for its
/// client secret.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let caller = auth::caller(req, config)?;
    let id = parse_id(id)?;
    let client = VoucherClient::of(env, &id)?;
    let body = match caller {
        Caller::Merchant(merchant) => {
            let voucher = client.voucher(Some(&merchant.id), Command::Get).await?;
            serde_json::to_string(&voucher)?
        }
        Caller::Client(secret) => {
            if secret.voucher_id() != id {
                return Err(ApiError::client_secret_forbidden());
            }
            let voucher = client.voucher(None, Command::Get).await?;
            if !auth::same(voucher.client_secret.as_bytes(), secret.expose().as_bytes()) {
                return Err(ApiError::unauthenticated());
            }
            serde_json::to_string(&voucher.display(clock::now()))?
        }
    };
    Ok(json_response(200, body))
}

/// CORS for the display view: any origin may read it with the client secret (no cookies
/// are involved, so `*` is safe).
pub fn with_cors(resp: Response) -> Response {
    let headers = resp.headers();
    let _ = headers.set("access-control-allow-origin", "*");
    let _ = headers.set("vary", "Origin");
    resp
}

/// The `OPTIONS` preflight of `GET /v1/vouchers/{id}`.
pub fn preflight() -> Response {
    let resp = Response::builder().with_status(204).empty();
    let headers = resp.headers();
    let _ = headers.set("access-control-allow-origin", "*");
    let _ = headers.set("access-control-allow-methods", "GET, OPTIONS");
    let _ = headers.set(
        "access-control-allow-headers",
        "Authorization, Content-Type",
    );
    let _ = headers.set("access-control-max-age", "86400");
    resp
}

/// `POST /v1/vouchers/{id}/cancel`.
pub async fn cancel(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let merchant = auth::merchant(req, config)?;
    let id = parse_id(id)?;
    let voucher = VoucherClient::of(env, &id)?
        .voucher(Some(&merchant.id), Command::Cancel)
        .await?;
    Ok(json_response(200, serde_json::to_string(&voucher)?))
}

/// `GET /v1/vouchers`.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let merchant = auth::merchant(req, config)?;
    let mut query = ListQuery {
        livemode: merchant.livemode(),
        reference: None,
        status: None,
        limit: DEFAULT_LIMIT,
        starting_after: None,
    };
    for (name, value) in req.url()?.query_pairs() {
        match name.as_ref() {
            "reference" => {
                if !vale_shared::voucher::is_valid_reference(&value) {
                    return Err(ApiError::invalid(
                        "reference",
                        "reference_invalid",
                        "reference must be 1 to 64 of A-Z, a-z, 0-9, `_` and `-`.",
                    ));
                }
                query.reference = Some(value.into_owned());
            }
            "status" => {
                let status: VoucherStatus = value.parse().map_err(|_| {
                    ApiError::invalid(
                        "status",
                        "status_invalid",
                        "status must be pending, paid, expired, cancelled, refunded or partially_refunded.",
                    )
                })?;
                query.status = Some(status.as_str().to_owned());
            }
            "limit" => {
                query.limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "limit",
                            "limit_invalid",
                            "limit must be a whole number from 1 to 100.",
                        )
                    })?;
            }
            "starting_after" => {
                let id = value.parse::<VoucherId>().map_err(|_| {
                    ApiError::invalid(
                        "starting_after",
                        "starting_after_invalid",
                        "starting_after must be a vch_ id.",
                    )
                })?;
                query.starting_after = Some(id);
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    "parameter_unknown",
                    "This parameter is not known.",
                ));
            }
        }
    }
    let body = LedgerClient::of(env, &merchant.id)?
        .call_text(&ledger::Command::List(query))
        .await?;
    Ok(json_response(200, body))
}
