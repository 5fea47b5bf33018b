//! `POST /demo/checkout`: the local demo storefront's "backend". Enabled only when the
//! `VALE_DEMO` variable is `"1"` (set in `.dev.vars`, never in production), else `404`.
//!
//! It creates a voucher for `mer_local` through the same create path as the API and
//! answers only `{id, client_secret, hosted_url}`, so the demo page never holds the
//! secret key.

use crate::body;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, json_response};
use crate::vouchers::api::origin;
use crate::vouchers::create;
use serde_json::json;
use vale_shared::MerchantId;
use worker::{Env, Request, Response};

/// Whether the demo routes are on.
pub fn enabled(env: &Env) -> bool {
    env.var("VALE_DEMO").is_ok_and(|v| v.to_string() == "1")
}

/// `POST /demo/checkout` with `{network, amount, currency, reference, description}`.
pub async fn checkout(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let merchant = config
        .merchant(&MerchantId::local())
        .filter(|m| !m.livemode())
        .ok_or_else(ApiError::not_found)?;
    let body = body::read(&mut req).await?;
    let origin = origin(&req, env)?;
    let created = create::create(env, merchant, &body, None, &origin).await?;
    let voucher: vale_shared::voucher::Voucher = serde_json::from_str(&created.body)?;
    let answer = json!({
        "id": voucher.id,
        "client_secret": voucher.client_secret,
        "hosted_url": voucher.hosted_url,
    });
    Ok(json_response(201, answer.to_string()))
}
