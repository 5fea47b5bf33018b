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
use vale_shared::id::RefundId;
use vale_shared::refund::{FailureReason, RefundStatus};
use worker::{Env, Request, Response};

pub(super) fn refund_id(id: &str) -> ApiResult<RefundId> {
    id.parse().map_err(|_| no_such_refund())
}

/// `POST /v1/refunds`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let key = crate::api::create_voucher::idempotency_key(req.headers().get("idempotency-key")?)?;
    let origin = origin(&req, env)?;
    let seller = crate::api::acting_for::seller(&req, env, &access).await?;
    let raw = body::read(&mut req).await?;
    let created = open(env, &access, &raw, key, origin, seller).await?;
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
/// behind `POST /v1/refunds` and the demo store's refund button. Acting for `seller`
/// (`Vale-Account`), the refund is that seller's alone, of a voucher with a share for it.
pub async fn open(
    env: &Env,
    access: &auth::Access<'_>,
    raw: &[u8],
    idempotency_key: Option<String>,
    origin: String,
    seller: Option<vale_shared::id::AccountId>,
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
    // Acting for a seller, the seller is part of the request (as for vouchers): the
    // same key and body for another seller, or for none, is another request (`422`).
    let request_hash = match &seller {
        Some(seller) => hex(&[raw, b"\nVale-Account: ", seller.as_str().as_bytes()].concat()),
        None => hex(raw),
    };
    let request = RefundRequest {
        body: std::str::from_utf8(raw).ok().map(str::to_owned),
        request_hash,
        idempotency_key: key_hash.clone(),
        created_by: access.key_id(),
        origin,
        acting_for: seller.map(|s| s.to_string()),
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
pub(super) fn readable(body: String, role: Role) -> ApiResult<String> {
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
        Caller::Key(access) => {
            // Acting for a seller: only a refund of a voucher with a share for it.
            if let Some(seller) = crate::api::acting_for::seller(req, env, &access).await? {
                let voucher = id.voucher_id();
                let shared = crate::api::acting_for::shared_of(
                    env,
                    &access,
                    &seller,
                    std::slice::from_ref(&voucher),
                )
                .await?;
                if !shared.contains(&voucher) {
                    return Err(no_such_refund());
                }
            }
            (
                Scope::merchant(&access.merchant.id, access.mode),
                access.role,
            )
        }
        Caller::Refund(secret) if secret.refund_id().as_ref() == Some(&id) => {
            if req
                .headers()
                .has(crate::api::acting_for::HEADER)
                .unwrap_or(true)
            {
                return Err(not_for_client_secret());
            }
            (Scope::Refund { refund: id.clone() }, Role::Secret)
        }
        Caller::Refund(_) | Caller::Client(_) => return Err(ApiError::permission_denied()),
    };
    let body = ask(env, scope, &id, RefundAction::Get).await?;
    Ok(json_response(200, readable(body, role)?))
}

/// `404`: no such refund (for this merchant, mode, or seller).
fn no_such_refund() -> ApiError {
    ApiError::new(
        404,
        crate::http::error::ErrorType::InvalidRequestError,
        "resource_missing",
        "No such refund.",
    )
}

/// `Vale-Account` with a refund's client secret: the header is for a platform's key.
fn not_for_client_secret() -> ApiError {
    ApiError::invalid(
        "Vale-Account",
        "header_not_supported",
        "Vale-Account (acting for a seller) goes with the platform's key, not a client secret: nothing was done.",
    )
}

pub(super) async fn ask(
    env: &Env,
    scope: Scope,
    id: &RefundId,
    action: RefundAction,
) -> ApiResult<String> {
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

pub(super) async fn act(
    env: &Env,
    scope: Scope,
    id: &RefundId,
    action: RefundAction,
) -> ApiResult<Response> {
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
pub(super) fn failure_reason(given: Option<&str>) -> ApiResult<FailureReason> {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    let seller = crate::api::acting_for::seller(req, env, &access).await?;
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    if let Some(voucher) = voucher {
        if let Some(seller) = &seller {
            let shared = crate::api::acting_for::shared_of(
                env,
                &access,
                seller,
                std::slice::from_ref(&voucher),
            )
            .await?;
            if !shared.contains(&voucher) {
                return Err(ApiError::no_such_voucher());
            }
        }
        let body = VoucherClient::of(env, &voucher)?
            .text(scope, Command::Refunds { status })
            .await?;
        return Ok(json_response(200, readable(body, access.role)?));
    }
    let page = match &seller {
        None => {
            LedgerClient::of(env, &access.merchant.id)?
                .call::<RefundIds>(&ledger::Command::ListRefunds {
                    livemode: access.livemode(),
                    status: status.map(|s| s.as_str().to_owned()),
                    limit,
                    starting_after,
                })
                .await?
        }
        Some(seller) => sellers_page(env, &access, seller, status, limit, starting_after).await?,
    };
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

/// A page of the refunds of `seller`'s vouchers, newest first: the merchant's index read
/// in pages of 100, each page's refunds kept when the seller ledger says their voucher
/// has a share for the seller, until `limit` and one more are found or the index ends.
async fn sellers_page(
    env: &Env,
    access: &crate::http::auth::Access<'_>,
    seller: &vale_shared::id::AccountId,
    status: Option<RefundStatus>,
    limit: u32,
    mut starting_after: Option<RefundId>,
) -> ApiResult<RefundIds> {
    const BATCH: u32 = 100;
    let want = usize::try_from(limit).unwrap_or(usize::MAX);
    let index = LedgerClient::of(env, &access.merchant.id)?;
    let mut ids: Vec<RefundId> = Vec::new();
    loop {
        let page: RefundIds = index
            .call(&ledger::Command::ListRefunds {
                livemode: access.livemode(),
                status: status.map(|s| s.as_str().to_owned()),
                limit: BATCH,
                starting_after: starting_after.clone(),
            })
            .await?;
        let mut vouchers: Vec<VoucherId> = page.ids.iter().map(RefundId::voucher_id).collect();
        vouchers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        vouchers.dedup();
        let shared = crate::api::acting_for::shared_of(env, access, seller, &vouchers).await?;
        ids.extend(
            page.ids
                .iter()
                .filter(|id| shared.contains(&id.voucher_id()))
                .cloned(),
        );
        if ids.len() > want || !page.has_more {
            break;
        }
        match page.ids.last() {
            Some(last) => starting_after = Some(last.clone()),
            None => break,
        }
    }
    let has_more = ids.len() > want;
    ids.truncate(want);
    Ok(RefundIds { ids, has_more })
}

/// An answer, or `None` for a `404` (a voucher purged after the index listed it).
pub(super) fn present(answer: ApiResult<String>) -> ApiResult<Option<String>> {
    match answer {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}
