//! The account routes of a marketplace platform (issue #23), answered by its seller
//! ledger (`objects::seller_ledger`, one per platform and mode):
//!
//! - `POST /v1/accounts` (secret key, optional `Idempotency-Key`)
//! - `GET /v1/accounts?status=&limit=&starting_after=` (secret or restricted key)
//! - `GET /v1/accounts/{id}` (secret or restricted key)
//! - `POST /v1/accounts/{id}` (secret key): changes the fields it names
//! - `POST /v1/accounts/{id}/disable` (secret key)
//!
//! A merchant that is not a platform gets `403` on all of them. A seller of another
//! platform, or of the other mode, is `404`: each lives in its own platform's and mode's
//! object.

use crate::api::create_voucher::idempotency_key;
use crate::api::vouchers::{page_params, unknown_param};
use crate::config::Config;
use crate::http::auth::{self, Access};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::objects::seller_ledger::{self, AccountQuery, Command, Idempotency, SellerLedgerClient};
use crate::runtime::{clock, random};
use sha2::{Digest, Sha256};
use vale_shared::id::AccountId;
use vale_shared::marketplace::{Account, AccountStatus, NewAccount};
use worker::{Env, Method, Request, Response};

/// `403` for a merchant that is not a marketplace platform.
pub fn not_a_platform() -> ApiError {
    ApiError::new(
        403,
        ErrorType::InvalidRequestError,
        "platform_required",
        "Only a marketplace platform (`platform: true` in its configuration) has seller accounts.",
    )
}

/// The key's access, refused with `403` unless its merchant is a platform.
fn platform(access: Access<'_>) -> ApiResult<Access<'_>> {
    if access.merchant.platform {
        Ok(access)
    } else {
        Err(not_a_platform())
    }
}

/// An account id from the path: anything else is an unknown account.
fn parse_id(id: &str) -> ApiResult<AccountId> {
    id.parse().map_err(|_| seller_ledger::no_such_account())
}

fn ledger(env: &Env, access: &Access<'_>) -> ApiResult<SellerLedgerClient> {
    SellerLedgerClient::of(env, &access.merchant.id, access.mode)
}

/// Routes `/v1/accounts…` (`404` for a path that is not one of them).
pub async fn route(
    req: Request,
    env: &Env,
    config: &Config,
    segments: &[&str],
) -> ApiResult<Response> {
    use Method::{Get, Post};
    let method = req.method();
    match (method, segments) {
        (Post, ["v1", "accounts"]) => create(req, env, config).await,
        (Get, ["v1", "accounts"]) => list(&req, env, config).await,
        (Get, ["v1", "accounts", id]) => {
            let id = (*id).to_owned();
            read(&req, env, config, &id).await
        }
        (Post, ["v1", "accounts", id]) => {
            let id = (*id).to_owned();
            update(req, env, config, &id).await
        }
        (Get, ["v1", "accounts", id, "statement"]) => {
            let id = (*id).to_owned();
            statement(&req, env, config, &id).await
        }
        (Post, ["v1", "accounts", id, "disable"]) => {
            let id = (*id).to_owned();
            disable(&req, env, config, &id).await
        }
        (
            _,
            ["v1", "accounts"]
            | ["v1", "accounts", _]
            | ["v1", "accounts", _, "disable" | "statement"],
        ) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found()),
    }
}

/// `POST /v1/accounts`: checked here (a `400` never reaches the object), stored there.
async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = platform(auth::secret(&req, config)?)?;
    let key = idempotency_key(req.headers().get("idempotency-key").ok().flatten())?;
    let body = body::read(&mut req).await?;
    let new = NewAccount::from_json(&body)?;
    let account = Account::create(
        AccountId::from_random(random::bytes()?),
        access.livemode(),
        new,
        clock::now(),
    );
    let idempotency = key.map(|key| Idempotency {
        key_sha256: hex::encode(Sha256::digest(key.as_bytes())),
        request_sha256: hex::encode(Sha256::digest(&body)),
    });
    #[derive(serde::Deserialize)]
    struct Created {
        replayed: bool,
        account: serde_json::Value,
    }
    let text = ledger(env, &access)?
        .text(&Command::CreateAccount {
            account: account.to_stored(),
            idempotency,
        })
        .await?;
    let created: Created = serde_json::from_str(&text)?;
    let resp = json_response(201, created.account.to_string());
    if created.replayed {
        resp.headers().set("idempotent-replayed", "true")?;
    }
    Ok(resp)
}

/// `GET /v1/accounts/{id}`.
async fn read(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = platform(auth::reader(req, config)?)?;
    let id = parse_id(id)?;
    let body = ledger(env, &access)?
        .text(&Command::GetAccount { id: id.to_string() })
        .await?;
    Ok(json_response(200, body))
}

/// `POST /v1/accounts/{id}`: the object checks the body against the account's country.
async fn update(mut req: Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = platform(auth::secret(&req, config)?)?;
    let id = parse_id(id)?;
    let body = body::read(&mut req).await?;
    let body = String::from_utf8(body).map_err(|_| {
        ApiError::invalid("body", "body_invalid", "The body must be a JSON object.")
    })?;
    let body = ledger(env, &access)?
        .text(&Command::UpdateAccount {
            id: id.to_string(),
            body,
        })
        .await?;
    Ok(json_response(200, body))
}

/// `POST /v1/accounts/{id}/disable`.
async fn disable(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = platform(auth::secret(req, config)?)?;
    let id = parse_id(id)?;
    let body = ledger(env, &access)?
        .text(&Command::DisableAccount { id: id.to_string() })
        .await?;
    Ok(json_response(200, body))
}

/// `GET /v1/accounts/{id}/statement?from=YYYY-MM-DD&to=YYYY-MM-DD` (secret or restricted
/// key): the seller's balance transactions of those Lima/Bogotá days as CSV
/// (`vale_shared::marketplace::statement`), between its opening and closing balances.
async fn statement(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = platform(auth::reader(req, config)?)?;
    let id = parse_id(id)?;
    let (mut from, mut to) = (None, None);
    for (name, value) in req.url()?.query_pairs() {
        match name.as_ref() {
            "from" => from = Some(crate::runtime::clock::lima_day(&value, "from")?.0),
            "to" => to = Some(crate::runtime::clock::lima_day(&value, "to")?.0),
            other => return Err(unknown_param(other)),
        }
    }
    let missing = |p: &str| {
        ApiError::invalid(
            p,
            "parameter_missing",
            format!("{p} is required (YYYY-MM-DD)."),
        )
    };
    let (from, to) = (
        from.ok_or_else(|| missing("from"))?,
        to.ok_or_else(|| missing("to"))?,
    );
    if from > to {
        return Err(ApiError::invalid(
            "to",
            "parameter_invalid",
            "to must not be before from.",
        ));
    }
    #[derive(serde::Deserialize)]
    struct Csv {
        csv: String,
    }
    let answer: Csv = ledger(env, &access)?
        .call(&Command::Statement {
            account: id.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        })
        .await?;
    let resp = Response::ok(answer.csv)?;
    resp.headers()
        .set("content-type", "text/csv; charset=utf-8")?;
    Ok(resp)
}

/// `GET /v1/accounts?status=&limit=&starting_after=`.
async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = platform(auth::reader(req, config)?)?;
    let mut query = AccountQuery {
        status: None,
        limit: 10,
        starting_after: None,
    };
    for (name, value) in req.url()?.query_pairs() {
        if page_params(
            &name,
            &value,
            &mut query.limit,
            &mut query.starting_after,
            |v| v.parse::<AccountId>().ok().map(|id| id.to_string()),
        )? {
            continue;
        }
        match name.as_ref() {
            "status" => {
                let status: AccountStatus = value.parse().map_err(|()| {
                    ApiError::invalid(
                        "status",
                        "status_invalid",
                        "status must be pending, enabled or disabled.",
                    )
                })?;
                query.status = Some(status.as_str().to_owned());
            }
            other => return Err(unknown_param(other)),
        }
    }
    let body = ledger(env, &access)?
        .text(&Command::ListAccounts(query))
        .await?;
    Ok(json_response(200, body))
}
