//! The sandbox, for test keys only (`404` with a live key):
//!
//! - `POST /v1/sandbox/vouchers/{id}/pay`: builds the network's own signed notification
//!   (PagoEfectivo `PE-Signature`, or Efecty's Standard Webhooks headers) with the
//!   merchant's configured network secret and sends it through the real notification
//!   handler, then answers the voucher.
//! - `POST /v1/sandbox/vouchers/{id}/expire`: expires a pending voucher now, with the
//!   same step the alarm takes. `?via=alarm` (an addition to the contract, test mode only)
//!   instead marks the voucher due and fires its real alarm, so tests can watch a voucher
//!   expire "by itself" without waiting the 15-minute minimum lifetime.

use crate::auth;
use crate::clock;
use crate::config::{Config, Merchant};
use crate::error::{ApiError, ApiResult, json_response};
use crate::notifications;
use crate::random;
use crate::vouchers::api::origin;
use crate::vouchers::{Command, VoucherClient};
use vale_shared::{Network, VoucherId};
use worker::{Env, Request, Response};

fn test_merchant<'a>(req: &Request, config: &'a Config) -> ApiResult<&'a Merchant> {
    let merchant = auth::merchant(req, config)?;
    if merchant.livemode() {
        return Err(ApiError::not_found());
    }
    Ok(merchant)
}

fn parse_id(id: &str) -> ApiResult<VoucherId> {
    id.parse().map_err(|_| ApiError::no_such_voucher())
}

/// `POST /v1/sandbox/vouchers/{id}/pay`.
pub async fn pay(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let merchant = test_merchant(req, config)?;
    simulate_payment(req, env, config, merchant, id).await
}

/// The network simulator: pays `merchant`'s voucher `id` by sending the network's own
/// signed notification through the real notification handler; answers the voucher.
pub async fn simulate_payment(
    req: &Request,
    env: &Env,
    config: &Config,
    merchant: &Merchant,
    id: &str,
) -> ApiResult<Response> {
    let id = parse_id(id)?;
    let client = VoucherClient::of(env, &id)?;
    let voucher = client.voucher(Some(&merchant.id), Command::Get).await?;
    let network = voucher.network;
    let now = clock::now();
    let paid_at = now
        .to_offset(network.utc_offset())
        .replace_nanosecond(0)
        .unwrap_or(now);
    let url = format!(
        "{}/v1/notifications/{}",
        origin(req, env)?,
        network.as_str()
    );
    let notification = match network {
        Network::Pagoefectivo => {
            let operation = u64::from_le_bytes(random::bytes()?) % 1_000_000_000_000;
            notifications::pagoefectivo_request(
                merchant,
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
            notifications::efecty_request(
                merchant,
                &url,
                &webhook_id,
                &voucher.payment_code,
                voucher.amount,
                paid_at,
            )?
        }
    };
    notifications::handle(network, notification, env, config).await?;
    let voucher = client.voucher(Some(&merchant.id), Command::Get).await?;
    Ok(json_response(200, serde_json::to_string(&voucher)?))
}

/// `POST /v1/sandbox/vouchers/{id}/expire`; with `?via=alarm`, answers `202` with the
/// voucher still pending and lets the voucher's own alarm expire it moments later.
pub async fn expire(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let merchant = test_merchant(req, config)?;
    let id = parse_id(id)?;
    let via_alarm = req
        .url()?
        .query_pairs()
        .any(|(k, v)| k == "via" && v == "alarm");
    if via_alarm {
        let voucher = VoucherClient::of(env, &id)?
            .voucher(Some(&merchant.id), Command::ExpireByAlarm)
            .await?;
        return Ok(json_response(202, serde_json::to_string(&voucher)?));
    }
    let voucher = VoucherClient::of(env, &id)?
        .voucher(Some(&merchant.id), Command::Expire)
        .await?;
    Ok(json_response(200, serde_json::to_string(&voucher)?))
}
