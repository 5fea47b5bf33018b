//! `GET /v1/vouchers?payment_code=…`: the vouchers with that payment code (issue #24: the
//! dashboard finds a shopper's voucher by the code they read out). Codes are unique per
//! merchant, mode and network, so the answer holds at most one voucher per network; the
//! merchant's index is asked once per network (`ledger::Command::Lookup`).

use crate::http::auth::Access;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::ledger::{self, Found, Ids, LedgerClient, ListQuery};
use vale_shared::Network;
use worker::Env;

/// The code as sent: 1 to 64 ASCII letters and digits (both networks' codes are digits;
/// letters are allowed so a code typed with a stray case is still looked up, never
/// guessed at), else `400` naming `payment_code`.
pub fn parse(value: &str) -> ApiResult<String> {
    let code = value.trim();
    if code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid(
            "payment_code",
            "payment_code_invalid",
            "payment_code must be 1 to 64 letters and digits.",
        ));
    }
    Ok(code.to_owned())
}

/// The ids with `code` in the caller's mode, one network after the other. `reference` and
/// `starting_after` do not combine with it (`400` naming them): a code names one voucher.
pub async fn find(env: &Env, access: &Access<'_>, query: &ListQuery, code: &str) -> ApiResult<Ids> {
    if query.reference.is_some() {
        return Err(ApiError::invalid(
            "reference",
            "parameter_conflict",
            "reference cannot be combined with payment_code.",
        ));
    }
    if query.starting_after.is_some() {
        return Err(ApiError::invalid(
            "starting_after",
            "parameter_conflict",
            "starting_after cannot be combined with payment_code (it names one voucher).",
        ));
    }
    let client = LedgerClient::of(env, &access.merchant.id)?;
    let mut ids = Vec::new();
    for network in [Network::Efecty, Network::Pagoefectivo] {
        let lookup = ledger::Command::Lookup {
            livemode: access.livemode(),
            network,
            payment_code: code.to_owned(),
        };
        match client.call::<Found>(&lookup).await {
            Ok(found) => ids.push(found.voucher_id),
            Err(e) if e.status == 404 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Ids {
        ids,
        has_more: false,
    })
}
