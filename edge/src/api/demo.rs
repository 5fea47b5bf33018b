//! The local demo storefront, enabled only when the `VALE_DEMO` variable is `"1"` (set in
//! `.dev.vars`, never in production), else `404`:
//!
//! - `GET /` serves the demo store (`www/index.html`); in production `/` is no store.
//! - `POST /demo/checkout` creates a voucher for `mer_local` (test mode) through the same
//!   create path as the API and answers only `{id, client_secret, hosted_url}`, so the
//!   demo page never holds the secret key.
//! - `POST /demo/vouchers/{id}/pay` runs the sandbox's network simulator for one of
//!   `mer_local`'s vouchers, so a person trying the demo can watch it turn paid.
//! - `POST /demo/vouchers/{id}/refund` opens a refund of the whole of a paid voucher
//!   (reason `requested_by_customer`) and answers only `{id, collect_url}`: the page the
//!   store would send the shopper.
//! - `POST /demo/refunds/{id}/succeed` is the sandbox payout simulator's `succeed` (for a
//!   cash pickup: the shopper collected it).

use crate::api::create_voucher;
use crate::api::sandbox;
use crate::api::vouchers::origin;
use crate::config::{Config, Mode, Role};
use crate::http::auth::Access;
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, json_response};
use serde_json::json;
use vale_shared::MerchantId;
use vale_shared::voucher::Voucher;
use worker::{Env, Request, Response};

/// Whether the demo routes are on.
pub fn enabled(env: &Env) -> bool {
    env.var("VALE_DEMO").is_ok_and(|v| v.to_string() == "1")
}

/// `mer_local` as if its test secret key had called.
fn local(config: &Config) -> ApiResult<Access<'_>> {
    let merchant = config
        .merchant(&MerchantId::local())
        .ok_or_else(ApiError::not_found)?;
    Ok(Access {
        merchant,
        mode: Mode::Test,
        role: Role::Secret,
        key: [0; 32],
    })
}

/// `GET /`: the demo store page.
pub async fn store(req: &Request, env: &Env) -> ApiResult<Response> {
    let mut url = req.url()?;
    url.set_path("/");
    Ok(env.assets("ASSETS")?.fetch(url.as_str(), None).await?)
}

/// `POST /demo/vouchers/{id}/pay`.
pub async fn pay(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    sandbox::simulate_payment(req, env, config, &local(config)?, id).await
}

/// `POST /demo/checkout` with `{network, amount, currency, reference, description}`.
pub async fn checkout(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = local(config)?;
    let body = body::read(&mut req).await?;
    let origin = origin(&req, env)?;
    let created = create_voucher::create(env, config, &access, &body, None, &origin, None).await?;
    let voucher: Voucher = serde_json::from_str(created.voucher.get())?;
    let answer = json!({
        "id": voucher.id,
        "client_secret": voucher.client_secret,
        "hosted_url": voucher.hosted_url,
    });
    Ok(json_response(201, answer.to_string()))
}

/// `POST /demo/vouchers/{id}/refund`: as `POST /v1/refunds {voucher, reason}` with
/// `mer_local`'s secret key.
pub async fn refund(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = local(config)?;
    let voucher: vale_shared::VoucherId = id.parse().map_err(|_| ApiError::not_found())?;
    let body = json!({"voucher": voucher.as_str(), "reason": "requested_by_customer"}).to_string();
    let opened =
        crate::api::refunds::open(env, &access, body.as_bytes(), None, origin(req, env)?, None)
            .await?;
    let refund: serde_json::Value = serde_json::from_str(opened.refund.get())?;
    let answer = json!({
        "id": refund.get("id"),
        "collect_url": refund.get("collect_url"),
    });
    Ok(json_response(201, answer.to_string()))
}

/// `POST /demo/refunds/{id}/succeed`: the sandbox payout simulator settles it.
pub async fn succeed(env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    use crate::objects::voucher::{Command, RefundAction, Scope, VoucherClient};
    let access = local(config)?;
    let id: vale_shared::id::RefundId = id.parse().map_err(|_| ApiError::not_found())?;
    let body = VoucherClient::of(env, &id.voucher_id())?
        .text(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::Refund {
                id: id.clone(),
                action: RefundAction::Settle {
                    reference: Some("sandbox".to_owned()),
                },
            },
        )
        .await?;
    Ok(json_response(200, body))
}
