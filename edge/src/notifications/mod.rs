//! The networks' inbound notifications:
//!
//! - `POST /v1/notifications/pagoefectivo`: `PE-Signature` = hex HMAC-SHA256 of the raw body.
//! - `POST /v1/notifications/efecty`: Standard Webhooks v1 (`webhook-id`,
//!   `webhook-timestamp`, `webhook-signature`).
//!
//! Every notification goes the same way: read the raw bytes (at most 64 KiB), verify the
//! signature before parsing anything, then parse, find the voucher by its payment code in
//! the merchant's ledger, and hand the voucher object a [`Notice`] that it applies at most
//! once (checking amount and currency).
//!
//! **Finding the merchant.** A notification does not name the merchant, and a network
//! signs with that merchant's secret; so the edge tries each configured merchant's secret
//! for that network, in configuration order, and the first that verifies the raw body is
//! the merchant. With a handful of merchants this is a few HMACs per notification; with
//! many, give each merchant its own notification URL instead (a later change).

mod efecty;
mod pagoefectivo;

pub use efecty::signed_request as efecty_request;
pub use pagoefectivo::signed_request as pagoefectivo_request;

use crate::body;
use crate::config::{Config, Merchant};
use crate::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::ledger::{self, Found, LedgerClient};
use crate::vouchers::{Applied, Command, Notice, VoucherClient};
use serde_json::json;
use vale_shared::{Network, VoucherId};
use worker::{Env, Request, Response};

/// A notification that passed its signature and parsed.
#[derive(Debug)]
pub struct Verified<'a> {
    /// Whose secret signed it.
    pub merchant: &'a Merchant,
    /// The payment code it is about.
    pub payment_code: String,
    /// The voucher id the network echoes back, if it does.
    pub voucher_id: Option<String>,
    /// What to apply.
    pub notice: Notice,
}

/// `401`: the signature did not verify under any merchant's secret.
pub fn bad_signature(code: &str, message: &str) -> ApiError {
    ApiError::new(401, ErrorType::AuthenticationError, code, message)
}

/// `400`: the (authentic) body is not the network's notification.
pub fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::new(
        400,
        ErrorType::InvalidRequestError,
        "notification_invalid",
        message,
    )
}

/// Handles a notification from `network` and answers `200` once it is applied (or was
/// already).
pub async fn handle(
    network: Network,
    mut req: Request,
    env: &Env,
    config: &Config,
) -> ApiResult<Response> {
    let body = body::read(&mut req).await?;
    let verified = match network {
        Network::Pagoefectivo => pagoefectivo::verify(&req, &body, config)?,
        Network::Efecty => efecty::verify(&req, &body, config)?,
    };
    let merchant = verified.merchant;
    let lookup = ledger::Command::Lookup {
        network,
        payment_code: verified.payment_code,
    };
    let found: Found = LedgerClient::of(env, &merchant.id)?.call(&lookup).await?;
    if let Some(echoed) = &verified.voucher_id
        && echoed
            .parse::<VoucherId>()
            .is_ok_and(|id| id != found.voucher_id)
    {
        return Err(malformed(
            "transactionCode names another voucher than the CIP.",
        ));
    }
    let applied: Applied = VoucherClient::of(env, &found.voucher_id)?
        .call(Some(&merchant.id), Command::Notify(verified.notice))
        .await?;
    let answer = json!({
        "received": true,
        "duplicate": !applied.changed,
        "voucher": applied.voucher.id,
        "status": applied.voucher.status,
    });
    Ok(json_response(200, answer.to_string()))
}
