//! The sandbox, for test keys only (`404` with a live key, and the voucher object itself
//! refuses sandbox commands on a live voucher):
//!
//! - `POST /v1/sandbox/vouchers/{id}/pay`: builds the network's own signed notification
//!   (PagoEfectivo `PE-Signature`, or Efecty's Standard Webhooks headers) with the
//!   merchant's test-mode network secret and sends it through the real notification
//!   handler, at the merchant's own notification address; then answers the voucher.
//! - `POST /v1/sandbox/vouchers/{id}/expire`: expires a pending voucher now, as if its
//!   deadline and confirmation window had passed. `?via=alarm` (an addition to the
//!   contract) instead marks the voucher due and fires its real alarm, so tests can watch
//!   a voucher expire "by itself".
//! - `POST /v1/sandbox/vouchers/{id}/advance {"seconds": N}` (an addition): moves this
//!   voucher's clock N seconds ahead (at most 6 years at a time), like a test clock: past
//!   the deadline it stays pending through the confirmation window, the display view's
//!   `server_time` moves with it, and so do the purges of the audit trail (180 days) and
//!   of the voucher itself (5 years).

use crate::api::notifications;
use crate::api::vouchers::{origin, parse_id};
use crate::config::{Config, Mode};
use crate::http::auth::{self, Access};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::networks::{efecty, pagoefectivo};
use crate::objects::voucher::{Command, Scope, VoucherClient};
use crate::runtime::clock;
use crate::runtime::random;
use vale_shared::Network;
use vale_shared::voucher::Voucher;
use worker::{Env, Request, Response};

/// The furthest a sandbox voucher's clock may move in one step: past its retention.
const MAX_ADVANCE_SECONDS: i64 = 6 * 366 * 86_400;

fn test_key<'a>(req: &Request, config: &'a Config) -> ApiResult<Access<'a>> {
    let access = auth::secret(req, config)?;
    if access.mode != Mode::Test {
        return Err(ApiError::not_found());
    }
    Ok(access)
}

/// `POST /v1/sandbox/vouchers/{id}/pay`.
pub async fn pay(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = test_key(req, config)?;
    simulate_payment(req, env, config, &access, id).await
}

/// The network simulator: pays a test voucher by sending the network's own signed
/// notification through the real notification handler; answers the voucher.
pub async fn simulate_payment(
    req: &Request,
    env: &Env,
    config: &Config,
    access: &Access<'_>,
    id: &str,
) -> ApiResult<Response> {
    let id = parse_id(id)?;
    let client = VoucherClient::of(env, &id)?;
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    let voucher: serde_json::Value = client.call(scope.clone(), Command::Get).await?;
    if voucher
        .get("payment_code")
        .is_some_and(serde_json::Value::is_null)
    {
        // An open (or rejected) risk review: there is no code a shopper could pay with.
        return Err(ApiError::new(
            409,
            crate::http::error::ErrorType::InvalidRequestError,
            "voucher_in_review",
            "This voucher waits for its risk review: it has no payment code to pay yet.",
        ));
    }
    let voucher: Voucher = serde_json::from_value(voucher)?;
    let network = voucher.network;
    let now = clock::now();
    let paid_at = now
        .to_offset(network.utc_offset())
        .replace_nanosecond(0)
        .unwrap_or(now);
    let merchant = access.merchant;
    let url = format!(
        "{}/v1/notifications/{}/{}",
        origin(req, env)?,
        network.as_str(),
        merchant.id
    );
    let notification = match network {
        Network::Pagoefectivo => {
            let operation = u64::from_le_bytes(random::bytes()?) % 1_000_000_000_000;
            pagoefectivo::notification::signed_request(
                merchant,
                Mode::Test,
                &url,
                format!("{operation:012}"),
                &voucher.payment_code,
                voucher.id.as_str(),
                voucher.amount,
                paid_at,
            )?
        }
        Network::Efecty => {
            let webhook_id = format!("msg_{}", hex::encode(random::bytes::<12>()?));
            efecty::notification::signed_request(
                merchant,
                Mode::Test,
                &url,
                &webhook_id,
                &voucher.payment_code,
                voucher.amount,
                paid_at,
            )?
        }
    };
    let merchant_id = merchant.id.to_string();
    notifications::handle(network, Some(&merchant_id), notification, env, config).await?;
    let body = client.text(scope, Command::Get).await?;
    Ok(json_response(200, body))
}

/// `POST /v1/sandbox/vouchers/{id}/expire`; with `?via=alarm`, answers `202` with the
/// voucher still pending and lets the voucher's own alarm expire it moments later.
pub async fn expire(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = test_key(req, config)?;
    let id = parse_id(id)?;
    let via_alarm = req
        .url()?
        .query_pairs()
        .any(|(k, v)| k == "via" && v == "alarm");
    let (status, command) = if via_alarm {
        (202, Command::SandboxExpireByAlarm)
    } else {
        (200, Command::SandboxExpire)
    };
    let body = VoucherClient::of(env, &id)?
        .text(Scope::merchant(&access.merchant.id, access.mode), command)
        .await?;
    Ok(json_response(status, body))
}

/// `POST /v1/sandbox/vouchers/{id}/advance {"seconds": N}`.
/// `seconds` from a sandbox clock body: 1 to 6 years.
fn advance_seconds(raw: &[u8]) -> ApiResult<i64> {
    serde_json::from_slice::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| v.get("seconds").and_then(serde_json::Value::as_i64))
        .filter(|s| (1..=MAX_ADVANCE_SECONDS).contains(s))
        .ok_or_else(|| {
            ApiError::invalid(
                "seconds",
                "seconds_invalid",
                "seconds must be a whole number from 1 to 189734400 (6 years).",
            )
        })
}

/// `POST /v1/sandbox/webhook_endpoints/{id}/advance {"seconds": n}` (test keys): the
/// endpoint's time moves ahead, so a retry schedule or the 5-day disable can be watched.
pub async fn advance_endpoint(
    mut req: Request,
    env: &Env,
    config: &Config,
    id: &str,
) -> ApiResult<Response> {
    test_key(&req, config)?;
    let raw = body::read(&mut req).await?;
    let seconds = advance_seconds(&raw)?;
    let action = crate::api::events::EndpointAction::SandboxAdvance { seconds };
    crate::api::events::change_endpoint(&req, env, config, id, action).await
}

pub async fn advance(
    mut req: Request,
    env: &Env,
    config: &Config,
    id: &str,
) -> ApiResult<Response> {
    let access = test_key(&req, config)?;
    let id = parse_id(id)?;
    let raw = body::read(&mut req).await?;
    let seconds = advance_seconds(&raw)?;
    let body = VoucherClient::of(env, &id)?
        .text(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::SandboxAdvance { seconds },
        )
        .await?;
    Ok(json_response(200, body))
}
