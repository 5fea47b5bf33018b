//! Acting for a seller (`Vale-Account: acct_…`, issue #23): a marketplace platform's key
//! issues, reads and lists one seller's vouchers.
//!
//! - `POST /v1/vouchers` with the header issues a voucher that is wholly the seller's but
//!   `application_fee_amount` (the split is checked in the voucher object, by the
//!   platform's seller ledger).
//! - `GET /v1/vouchers/{id}` with the header answers only a voucher with a share for that
//!   seller (`404` otherwise: a seller sees no other voucher of the platform).
//! - `GET /v1/vouchers` with the header lists that seller's vouchers, newest first, from
//!   the seller ledger.
//!
//! - `GET /v1/balance` and `GET /v1/balance_transactions` answer that seller's
//!   (`api::balances`).
//! - `GET /v1/refunds/{id}` and `GET /v1/refunds` with the header read and list only
//!   refunds of vouchers with a share for that seller (`404` for any other).
//! - `POST /v1/refunds` with the header refunds a voucher with a share for that seller,
//!   out of that seller's share alone (checked in the voucher object:
//!   `objects::voucher::refund::splits`).
//!
//! A merchant that is no platform gets `403 platform_required`; a header that names no
//! account of this platform in this mode is `400 account_invalid` (param `Vale-Account`),
//! the same answer for a malformed id, another platform's seller and the other mode's.
//! Every other route refuses the header (`400 header_not_supported`) before it does
//! anything, so nothing meant for a seller is ever done for the platform.

use crate::api::accounts::not_a_platform;
use crate::http::auth::Access;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::seller_ledger::{Command, SellerLedgerClient};
use vale_shared::VoucherId;
use vale_shared::id::AccountId;
use worker::{Env, Method, Request};

/// The header's name.
pub const HEADER: &str = "vale-account";

/// Refuses the header on a route that does not act for a seller.
pub fn refuse_elsewhere(req: &Request, segments: &[&str]) -> ApiResult<()> {
    // The dashboard's proxy (`/dashboard/api/{mode}/v1/…`) acts as the API route it names.
    let segments = match segments {
        ["dashboard", "api", _, rest @ ..] => rest,
        other => other,
    };
    let served = matches!(
        (req.method(), segments),
        (Method::Post | Method::Get, ["v1", "vouchers"])
            | (Method::Post | Method::Get, ["v1", "refunds"])
            | (Method::Get, ["v1", "refunds", _])
            | (
                Method::Get,
                ["v1", "vouchers", _] | ["v1", "balance"] | ["v1", "balance_transactions"]
            )
    );
    if !served && req.headers().has(HEADER).unwrap_or(true) {
        return Err(ApiError::invalid(
            "Vale-Account",
            "header_not_supported",
            "Vale-Account (acting for a seller) is not served on this route: nothing was done. Send the request without it.",
        ));
    }
    Ok(())
}

fn account_invalid() -> ApiError {
    ApiError::invalid(
        "Vale-Account",
        "account_invalid",
        "No such account for this platform in this mode.",
    )
}

/// The header's value as sent, refused with `403` for a merchant that is no platform.
pub fn header(req: &Request, access: &Access<'_>) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(HEADER).ok().flatten() else {
        return Ok(None);
    };
    if !access.merchant.platform {
        return Err(not_a_platform());
    }
    Ok(Some(value))
}

/// The seller the request acts for, checked to be an account of this platform and
/// mode (`400 account_invalid` otherwise), or `None` without the header.
pub async fn seller(req: &Request, env: &Env, access: &Access<'_>) -> ApiResult<Option<AccountId>> {
    let Some(value) = header(req, access)? else {
        return Ok(None);
    };
    let id: AccountId = value.parse().map_err(|_| account_invalid())?;
    let ledger = SellerLedgerClient::of(env, &access.merchant.id, access.mode)?;
    match ledger
        .text(&Command::GetAccount { id: id.to_string() })
        .await
    {
        Ok(_) => Ok(Some(id)),
        Err(e) if e.status == 404 => Err(account_invalid()),
        Err(e) => Err(e),
    }
}

/// Whether the merchant's voucher JSON has a share for `seller`.
pub fn has_share(voucher: &str, seller: &AccountId) -> bool {
    #[derive(serde::Deserialize)]
    struct Share {
        account: String,
    }
    #[derive(serde::Deserialize)]
    struct Sold {
        #[serde(default)]
        splits: Vec<Share>,
    }
    serde_json::from_str::<Sold>(voucher)
        .is_ok_and(|v| v.splits.iter().any(|s| s.account == seller.as_str()))
}

/// A page of the seller's vouchers, newest first: their ids and whether more follow.
pub async fn page(
    env: &Env,
    access: &Access<'_>,
    seller: &AccountId,
    limit: u32,
    starting_after: Option<&VoucherId>,
) -> ApiResult<(Vec<VoucherId>, bool)> {
    #[derive(serde::Deserialize)]
    struct Page {
        ids: Vec<String>,
        has_more: bool,
    }
    let page: Page = SellerLedgerClient::of(env, &access.merchant.id, access.mode)?
        .call(&Command::ListVouchers {
            account: seller.to_string(),
            limit,
            starting_after: starting_after.map(ToString::to_string),
        })
        .await?;
    let ids = page
        .ids
        .iter()
        .filter_map(|id| id.parse::<VoucherId>().ok())
        .collect();
    Ok((ids, page.has_more))
}

/// Which of `vouchers` have a share for `seller` (from the seller ledger's index of the
/// seller's vouchers).
pub async fn shared_of(
    env: &Env,
    access: &Access<'_>,
    seller: &AccountId,
    vouchers: &[VoucherId],
) -> ApiResult<std::collections::HashSet<VoucherId>> {
    #[derive(serde::Deserialize)]
    struct Shared {
        vouchers: Vec<String>,
    }
    if vouchers.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let shared: Shared = SellerLedgerClient::of(env, &access.merchant.id, access.mode)?
        .call(&Command::SharedOf {
            account: seller.to_string(),
            vouchers: vouchers.iter().map(ToString::to_string).collect(),
        })
        .await?;
    Ok(shared
        .vouchers
        .iter()
        .filter_map(|id| id.parse::<VoucherId>().ok())
        .collect())
}
