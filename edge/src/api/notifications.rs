//! The networks' inbound notifications:
//!
//! - `POST /v1/notifications/pagoefectivo[/{merchant_id}]`: `PE-Signature` = hex
//!   HMAC-SHA256 of the raw body.
//! - `POST /v1/notifications/efecty[/{merchant_id}]`: Standard Webhooks v1 (`webhook-id`,
//!   `webhook-timestamp`, `webhook-signature`).
//!
//! Every notification goes the same way: read the raw bytes (at most 64 KiB), verify the
//! signature before parsing anything, then parse, find the voucher, and hand its object a
//! [`Notice`] that it decides and records (audit trail included) in one atomic step.
//!
//! **Finding the merchant and the mode.** The per-merchant address checks only that
//! merchant's secrets (test and live); the address without a merchant tries each
//! merchant's in configuration order. The secret that verifies says the mode, and the
//! voucher is looked for in that mode only.
//!
//! **Finding the voucher.** PagoEfectivo echoes the voucher id (`transactionCode`): the
//! notice goes straight to that object, which refuses it if the CIP is not its own; then,
//! as for Efecty, the code is looked up in the merchant's index. A CIP nobody has, sent
//! for a voucher of this merchant (an orphan: a create whose answer was lost, then
//! retried), is judged on that voucher as a code that is not its own: a payment is kept
//! as an unexpected payment (`code_mismatch`, whatever its amount), an expiry is
//! recorded and ignored (review M1).

use crate::config::{Config, Merchant, Mode};
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::networks::rail::{Rail, Rails, Upstream};
use crate::networks::{efecty, pagoefectivo};
use crate::objects::ledger::{self, Found, LedgerClient};
use crate::objects::voucher::{Applied, Command, Notice, Reported, Scope, VoucherClient};
use serde_json::json;
use vale_shared::{MerchantId, Network, VoucherId};
use worker::{Env, Request, Response};

/// A notification that passed its signature and parsed.
#[derive(Debug)]
pub struct Verified<'a> {
    /// Whose secret signed it.
    pub merchant: &'a Merchant,
    /// The mode of that secret.
    pub mode: Mode,
    /// The network that sent it.
    pub network: Network,
    /// The voucher id the network echoes back, if it does.
    pub voucher_id: Option<VoucherId>,
    /// What to apply.
    pub notice: Notice,
}

/// `401`: the signature did not verify under any candidate secret.
pub fn bad_signature(code: &str, message: &str) -> ApiError {
    ApiError::new(401, ErrorType::AuthenticationError, code, message)
}

/// `400`: the (authentic) body is not the network's notification. The parser's own
/// message is not echoed.
pub fn malformed(network: Network) -> ApiError {
    ApiError::new(
        400,
        ErrorType::InvalidRequestError,
        "notification_invalid",
        format!(
            "The body is not a valid {} notification; see the contract for its fields.",
            network.brand()
        ),
    )
}

/// The merchants whose secrets may have signed a notification sent to `merchant_id`'s
/// address (or to the address without one: all of them).
fn candidates<'a>(config: &'a Config, merchant_id: Option<&str>) -> ApiResult<Vec<&'a Merchant>> {
    match merchant_id {
        None => Ok(config.merchants.iter().collect()),
        Some(id) => id
            .parse::<MerchantId>()
            .ok()
            .and_then(|id| config.merchant(&id))
            .map(|m| vec![m])
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    ErrorType::InvalidRequestError,
                    "resource_missing",
                    "No such merchant: check the merchant id in this notification address.",
                )
            }),
    }
}

/// Handles a notification from `network` sent to `merchant_id`'s address (or the shared
/// one) and answers `200` once it is applied (or was already).
pub async fn handle(
    network: Network,
    merchant_id: Option<&str>,
    mut req: Request,
    env: &Env,
    config: &Config,
) -> ApiResult<Response> {
    let merchants = candidates(config, merchant_id)?;
    let body = body::read(&mut req).await?;
    let verified = match network {
        Network::Pagoefectivo => pagoefectivo::notification::verify(&req, &body, &merchants)?,
        Network::Efecty => efecty::notification::verify(&req, &body, &merchants)?,
    };
    let verified = confirm(verified).await?;
    let (id, applied) = deliver(env, network, verified).await?;
    let answer = json!({
        "received": true,
        "duplicate": applied.duplicate,
        "voucher": id,
        "status": applied.status,
    });
    Ok(json_response(200, answer.to_string()))
}

/// Verify, then pull: a payment reported to a live rail that can be asked (PagoEfectivo's
/// REST API) counts only once the network's own record agrees (paid, same amount and
/// payment). Unreachable is `503`, so the network retries; a disagreement goes on as
/// [`Reported::Unconfirmed`], kept in the voucher's audit trail and not applied.
async fn confirm(mut verified: Verified<'_>) -> ApiResult<Verified<'_>> {
    let Reported::Paid { amount, .. } = verified.notice.report else {
        return Ok(verified);
    };
    let rail = Rails::of(verified.merchant, verified.network, verified.mode);
    if !rail.can_query() {
        return Ok(verified);
    }
    let code = verified.notice.payment_code.clone();
    let rows = rail.query(&[code.as_str()]).await?;
    let agrees = rows.iter().any(|(cip, upstream)| {
        *cip == code
            && matches!(upstream, Upstream::Paid { amount: a, payment_key, .. }
                if *a == amount && *payment_key == verified.notice.network_key)
    });
    if !agrees {
        verified.notice.report = Reported::Unconfirmed;
    }
    Ok(verified)
}

/// Finds the voucher of a verified notice and applies it there.
async fn deliver(
    env: &Env,
    network: Network,
    verified: Verified<'_>,
) -> ApiResult<(VoucherId, Applied)> {
    let Verified {
        merchant,
        mode,
        voucher_id,
        mut notice,
        ..
    } = verified;
    let scope = Scope::merchant(&merchant.id, mode);
    let notify = |id: &VoucherId, notice: Notice| {
        let scope = scope.clone();
        let id = id.clone();
        async move {
            let applied: Applied = VoucherClient::of(env, &id)?
                .call(scope, Command::Notify(notice))
                .await?;
            Ok::<_, ApiError>((id, applied))
        }
    };
    if let Some(id) = &voucher_id {
        match notify(id, notice.clone()).await {
            Err(e) if e.status == 404 || e.code == crate::objects::voucher::CODE_MISMATCH => {}
            done => return done,
        }
    }
    let lookup = ledger::Command::Lookup {
        livemode: mode.livemode(),
        network,
        payment_code: notice.payment_code.clone(),
    };
    match LedgerClient::of(env, &merchant.id)?
        .call::<Found>(&lookup)
        .await
    {
        Ok(found) => {
            if voucher_id
                .as_ref()
                .is_some_and(|id| *id != found.voucher_id)
            {
                return Err(ApiError::new(
                    400,
                    ErrorType::InvalidRequestError,
                    "notification_invalid",
                    "transactionCode names another voucher than the CIP.",
                ));
            }
            notify(&found.voucher_id, notice).await
        }
        Err(e) if e.status == 404 => match &voucher_id {
            Some(id) => {
                notice.accept_other_code = true;
                notify(id, notice).await
            }
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}
