//! A marketplace platform's balances (issue #23), answered by its seller ledger:
//!
//! - `GET /v1/balance` (secret or restricted key): the seller's with `Vale-Account`, the
//!   platform's own without it: `{object: "balance", livemode, available: [{amount,
//!   currency}], pending: [...]}`, one entry per currency (a seller's one currency; the
//!   platform's COP and PEN), zero included.
//! - `GET /v1/balance_transactions?account=&limit=&starting_after=`: newest first; one
//!   seller's rows with `account=` or `Vale-Account` (both must then name the same
//!   seller), every party's without either (the platform's own rows have `account: null`).
//!
//! A merchant that is not a platform gets `403 platform_required`.

use crate::api::accounts::not_a_platform;
use crate::api::acting_for;
use crate::api::vouchers::{page_params, unknown_param};
use crate::config::Config;
use crate::http::auth::{self, Access};
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::seller_ledger::book::Whose;
use crate::objects::seller_ledger::{Command, SellerLedgerClient};
use vale_shared::Currency;
use vale_shared::id::AccountId;
use worker::{Env, Request, Response};

fn platform<'a>(req: &Request, config: &'a Config) -> ApiResult<Access<'a>> {
    let access = auth::reader(req, config)?;
    if access.merchant.platform {
        Ok(access)
    } else {
        Err(not_a_platform())
    }
}

/// The currency a seller keeps its balance in, from its account object.
async fn seller_currency(
    env: &Env,
    access: &Access<'_>,
    seller: &AccountId,
) -> ApiResult<Currency> {
    #[derive(serde::Deserialize)]
    struct Country {
        country: String,
    }
    let account: Country = SellerLedgerClient::of(env, &access.merchant.id, access.mode)?
        .call(&Command::GetAccount {
            id: seller.to_string(),
        })
        .await?;
    account
        .country
        .parse::<vale_shared::marketplace::Country>()
        .map(vale_shared::marketplace::Country::currency)
        .map_err(|()| ApiError::internal("a stored account's country does not read back"))
}

/// `GET /v1/balance`.
pub async fn balance(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = platform(req, config)?;
    if let Some((name, _)) = req.url()?.query_pairs().next() {
        return Err(unknown_param(&name));
    }
    let (whose, currencies) = match acting_for::seller(req, env, &access).await? {
        Some(seller) => {
            let currency = seller_currency(env, &access, &seller).await?;
            (
                Whose::Seller {
                    account: seller.to_string(),
                },
                vec![currency],
            )
        }
        None => (Whose::Platform, vec![Currency::Cop, Currency::Pen]),
    };
    let body = SellerLedgerClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::Balance {
            whose,
            livemode: access.livemode(),
            currencies,
        })
        .await?;
    Ok(json_response(200, body))
}

/// `GET /v1/balance_transactions`.
pub async fn transactions(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = platform(req, config)?;
    let mut limit = 10;
    let mut starting_after: Option<String> = None;
    let mut account: Option<String> = None;
    for (name, value) in req.url()?.query_pairs() {
        if page_params(&name, &value, &mut limit, &mut starting_after, |v| {
            v.parse::<vale_shared::id::TransactionId>()
                .ok()
                .map(|id| id.to_string())
        })? {
            continue;
        }
        match name.as_ref() {
            "account" => account = Some(value.into_owned()),
            other => return Err(unknown_param(other)),
        }
    }
    let acting = acting_for::seller(req, env, &access).await?;
    let seller = match (acting, account) {
        (Some(seller), Some(named)) if named != seller.as_str() => {
            return Err(ApiError::invalid(
                "account",
                "account_invalid",
                "account must be the seller of Vale-Account, or be left out.",
            ));
        }
        (Some(seller), _) => Some(seller),
        (None, Some(named)) => {
            let invalid = || {
                ApiError::invalid(
                    "account",
                    "account_invalid",
                    "No such account for this platform in this mode.",
                )
            };
            let id: AccountId = named.parse().map_err(|_| invalid())?;
            match seller_currency(env, &access, &id).await {
                Ok(_) => Some(id),
                Err(e) if e.status == 404 => return Err(invalid()),
                Err(e) => return Err(e),
            }
        }
        (None, None) => None,
    };
    let whose = seller.map_or(Whose::Everyone, |s| Whose::Seller {
        account: s.to_string(),
    });
    let body = SellerLedgerClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::Transactions {
            whose,
            limit,
            starting_after,
        })
        .await?;
    Ok(json_response(200, body))
}
