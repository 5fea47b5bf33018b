//! The voucher routes of the contract:
//!
//! - `POST /v1/vouchers` (secret key, optional `Idempotency-Key`)
//! - `GET /v1/vouchers/{id}` (a key of the voucher's merchant and mode: the voucher; its
//!   client secret, in the `Authorization` header or as `?client_secret=`: the display
//!   view, CORS-enabled with its `OPTIONS` preflight)
//! - `POST /v1/vouchers/{id}` (secret key): moves a pending voucher's `expires_at`
//! - `POST /v1/vouchers/{id}/cancel` (secret key)
//! - `GET /v1/vouchers?reference=&status=&limit=&starting_after=`
//! - `GET /v1/vouchers/{id}/notifications?limit=&starting_after=` (the audit trail)

use crate::api::acting_for;
use crate::api::create_voucher as create;
use crate::api::vouchers_by_code as by_code;
use crate::config::Config;
use crate::http::auth::{self, Access, Caller};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::ledger::{self, Ids, LedgerClient, ListQuery};
use crate::objects::voucher::{Command, Scope, VoucherClient};
use futures_util::future::join_all;
use vale_shared::voucher::{Bound, created_bound};
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
    let access = auth::secret(&req, config)?;
    let key = create::idempotency_key(req.headers().get("idempotency-key").ok().flatten())?;
    let acting_for = acting_for::header(&req, &access)?;
    let body = body::read(&mut req).await?;
    let origin = origin(&req, env)?;
    let created = create::create(env, config, &access, &body, key, &origin, acting_for).await?;
    let resp = json_response(201, created.voucher.get().to_owned());
    if created.replayed {
        resp.headers().set("idempotent-replayed", "true")?;
    }
    Ok(resp)
}

/// A voucher id from the path: anything else is an unknown voucher.
pub fn parse_id(id: &str) -> ApiResult<VoucherId> {
    id.parse().map_err(|_| ApiError::no_such_voucher())
}

/// `GET /v1/vouchers/{id}`: the whole voucher for a key of its merchant and mode, the
/// display view for its client secret (checked by the server key: a forged one never
/// reaches the object).
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let caller = auth::display_caller(req, config)?;
    let id = parse_id(id)?;
    // A client may ask for the edge's drawing of the voucher with it (`vale.js` on a
    // store's page): one answer, before the wasm has loaded.
    let mut seller = None;
    let (scope, painted_for) = match caller {
        Caller::Key(access) => {
            seller = acting_for::seller(req, env, &access).await?;
            (Scope::merchant(&access.merchant.id, access.mode), None)
        }
        Caller::Client(secret) if secret.voucher_id() == id => (
            Scope::Client,
            crate::api::hosted::wants_first_paint(req).then_some(secret),
        ),
        Caller::Client(_) | Caller::Refund(_) => return Err(ApiError::permission_denied()),
    };
    let body = VoucherClient::of(env, &id)?
        .text(scope, Command::Get)
        .await?;
    if seller.is_some_and(|s| !acting_for::has_share(&body, &s)) {
        return Err(ApiError::no_such_voucher());
    }
    let body = match painted_for {
        Some(secret) => crate::api::hosted::with_first_paint(
            body,
            secret.expose(),
            crate::runtime::clock::now(),
        ),
        None => body,
    };
    Ok(json_response(200, body))
}

/// `POST /v1/vouchers/{id}`: `{"expires_at": …}` moves a pending voucher's deadline;
/// answers the whole voucher.
pub async fn update(mut req: Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let id = parse_id(id)?;
    let body = body::read(&mut req).await?;
    let body = VoucherClient::of(env, &id)?
        .text(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::Update {
                body: String::from_utf8(body).ok(),
            },
        )
        .await?;
    Ok(json_response(200, body))
}

/// `POST /v1/vouchers/{id}/cancel`.
pub async fn cancel(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    let id = parse_id(id)?;
    let body = VoucherClient::of(env, &id)?
        .text(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::Cancel,
        )
        .await?;
    Ok(json_response(200, body))
}

/// `limit` and `starting_after` of a list, with the cursor parsed by `parse`; answers
/// whether `name` was one of them.
pub fn page_params<T>(
    name: &str,
    value: &str,
    limit: &mut u32,
    after: &mut Option<T>,
    parse: impl Fn(&str) -> Option<T>,
) -> ApiResult<bool> {
    match name {
        "limit" => {
            *limit = value
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
            Ok(true)
        }
        "starting_after" => {
            *after = Some(parse(value).ok_or_else(|| {
                ApiError::invalid(
                    "starting_after",
                    "starting_after_invalid",
                    "starting_after is not an id of this list.",
                )
            })?);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// `400` for a query parameter the route does not take.
pub fn unknown_param(name: &str) -> ApiError {
    ApiError::invalid(name, "parameter_unknown", "This parameter is not known.")
}

/// `GET /v1/vouchers`: ids from the merchant's index, each voucher read from its own
/// object (the index holds no PII), in parallel.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let seller = acting_for::seller(req, env, &access).await?;
    let mut query = ListQuery {
        livemode: access.livemode(),
        reference: None,
        status: None,
        limit: DEFAULT_LIMIT,
        starting_after: None,
        created_gte: None,
        created_lte: None,
    };
    let mut payment_code = None;
    for (name, value) in req.url()?.query_pairs() {
        if page_params(
            &name,
            &value,
            &mut query.limit,
            &mut query.starting_after,
            |v| v.parse::<VoucherId>().ok(),
        )? {
            continue;
        }
        match name.as_ref() {
            "payment_code" => payment_code = Some(by_code::parse(&value)?),
            "created[gte]" => query.created_gte = Some(created(&name, &value, Bound::From)?),
            "created[lte]" => query.created_lte = Some(created(&name, &value, Bound::To)?),
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
            other => return Err(unknown_param(other)),
        }
    }
    let dated = [
        ("created[gte]", query.created_gte),
        ("created[lte]", query.created_lte),
    ]
    .into_iter()
    .find_map(|(name, bound)| bound.map(|_| name));
    if let Some(name) = dated
        && (seller.is_some() || payment_code.is_some())
    {
        return Err(ApiError::invalid(
            name,
            "parameter_invalid",
            "created[gte] and created[lte] search the merchant's own list: not with payment_code nor Vale-Account.",
        ));
    }
    let wanted = query.status.clone();
    let Ids { ids, has_more } = match (&seller, payment_code) {
        // A seller's vouchers come from the seller ledger; the filters apply to the page.
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "payment_code",
                "payment_code_with_account",
                "payment_code cannot be combined with Vale-Account: look the voucher up as the platform.",
            ));
        }
        (Some(seller), None) => {
            let (ids, has_more) = acting_for::page(
                env,
                &access,
                seller,
                query.limit,
                query.starting_after.as_ref(),
            )
            .await?;
            Ids { ids, has_more }
        }
        (None, Some(code)) => by_code::find(env, &access, &query, &code).await?,
        (None, None) => {
            LedgerClient::of(env, &access.merchant.id)?
                .call(&ledger::Command::List(query.clone()))
                .await?
        }
    };
    let reference = seller.as_ref().and(query.reference.as_deref());
    let body = list_body(env, &access, &ids, wanted.as_deref(), reference).await?;
    Ok(json_response(
        200,
        format!(r#"{{"object":"list","data":[{body}],"has_more":{has_more}}}"#),
    ))
}

/// A `created[gte]`/`created[lte]` bound (`vale_shared::voucher::created_bound`), or `400`
/// naming the parameter.
fn created(name: &str, value: &str, bound: Bound) -> ApiResult<i64> {
    created_bound(value, bound).ok_or_else(|| {
        ApiError::invalid(
            name,
            "created_invalid",
            "A created bound is Unix seconds or a day YYYY-MM-DD (Bogotá/Lima time).",
        )
    })
}

/// The vouchers `ids`, rendered by their objects, joined with commas. A voucher that is
/// gone (retention) or whose status moved past the filter since the index was written is
/// left out.
async fn list_body(
    env: &Env,
    access: &Access<'_>,
    ids: &[VoucherId],
    status: Option<&str>,
    reference: Option<&str>,
) -> ApiResult<String> {
    let reads = ids.iter().map(|id| async move {
        let scope = Scope::merchant(&access.merchant.id, access.mode);
        VoucherClient::of(env, id)?.text(scope, Command::Get).await
    });
    let mut body = String::new();
    for read in join_all(reads).await {
        let json = match read {
            Ok(json) => json,
            Err(e) if e.status == 404 => continue,
            Err(e) => return Err(e),
        };
        if status.is_some() || reference.is_some() {
            #[derive(serde::Deserialize)]
            struct Status {
                status: String,
                reference: String,
            }
            let Ok(read) = serde_json::from_str::<Status>(&json) else {
                continue;
            };
            if status.is_some_and(|s| s != read.status)
                || reference.is_some_and(|r| r != read.reference)
            {
                continue;
            }
        }
        if !body.is_empty() {
            body.push(',');
        }
        body.push_str(&json);
    }
    Ok(body)
}

/// `GET /v1/vouchers/{id}/notifications`: the voucher's audit trail, oldest first.
pub async fn notifications(
    req: &Request,
    env: &Env,
    config: &Config,
    id: &str,
) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let id = parse_id(id)?;
    let mut limit = MAX_LIMIT;
    let mut starting_after = None;
    for (name, value) in req.url()?.query_pairs() {
        if !page_params(&name, &value, &mut limit, &mut starting_after, |v| {
            v.parse::<vale_shared::NotificationId>()
                .ok()
                .map(|id| id.to_string())
        })? {
            return Err(unknown_param(&name));
        }
    }
    let body = VoucherClient::of(env, &id)?
        .text(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::Notifications {
                limit,
                starting_after,
            },
        )
        .await?;
    Ok(json_response(200, body))
}
