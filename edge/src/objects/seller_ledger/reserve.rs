//! Checking a voucher's sellers and holding its place under their open-voucher limits,
//! in one transaction (the check and the count cannot race): `split::check` decides,
//! this file loads the accounts and their pending vouchers and writes the reservation.
//!
//! A reservation is one `open_voucher` row per seller of the voucher. It counts against
//! `max_open_vouchers` until it is released (the voucher was paid, expired or was
//! cancelled, or its create failed) or until `until_ms` (the end of the voucher's
//! confirmation window: a voucher past it is no longer pending, whether or not the
//! release reached here). Reserving the same voucher again (a retried create) neither
//! counts it twice nor fails on its own row.

use super::accounts;
use crate::http::error::{ApiError, ApiResult};
use crate::runtime::storage::{self, int, text};
use serde::Deserialize;
use serde_json::{Value, json};
use vale_shared::Network;
use vale_shared::marketplace::Split;
use vale_shared::marketplace::split;
use worker::{SqlStorage, Storage};

/// What a create asks of the seller ledger.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Reservation {
    /// `vch_…`.
    pub voucher: String,
    /// The voucher's network.
    pub network: Network,
    /// The key's mode.
    pub livemode: bool,
    /// Whether the seller came from `Vale-Account` (the errors then name it).
    pub acting_for: bool,
    /// The split, in its stored form ([`Split::to_stored`]).
    pub split: Value,
    /// When the voucher stops being pending at the latest (ms).
    pub until_ms: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

fn open_vouchers(sql: &SqlStorage, account: &str, voucher: &str, now: i64) -> ApiResult<u32> {
    let rows: Vec<Count> = sql
        .exec(
            "SELECT count(*) AS n FROM open_voucher WHERE account = ? AND voucher <> ? AND until_ms > ?",
            vec![text(account), text(voucher), int(now)],
        )?
        .to_array()?;
    Ok(rows
        .first()
        .and_then(|c| u32::try_from(c.n).ok())
        .unwrap_or(u32::MAX))
}

/// Checks every seller of the split and reserves the voucher's place with each. Answers
/// `{"sellers": {acct: display_name}}`, or the `400` of the first seller that fails
/// (nothing written then).
pub fn reserve(
    storage: &Storage,
    sql: &SqlStorage,
    reservation: Reservation,
    now: i64,
) -> ApiResult<Value> {
    let split = Split::from_stored(&reservation.split)
        .ok_or_else(|| ApiError::internal("reserve: not a stored split"))?;
    storage::atomically(storage, sql, move |sql| {
        let mut names = serde_json::Map::new();
        let mut views = Vec::with_capacity(split.shares.len());
        for share in &split.shares {
            let found = match accounts::get(sql, share.account.as_str()) {
                Ok(account) => Some(account),
                Err(e) if e.status == 404 => None,
                Err(e) => return Err(e),
            };
            let view = match &found {
                Some(account) => Some(account.seller_view(open_vouchers(
                    sql,
                    share.account.as_str(),
                    &reservation.voucher,
                    now,
                )?)),
                None => None,
            };
            if let Some(account) = found {
                names.insert(account.id.to_string(), json!(account.display_name));
            }
            views.push((share.account.clone(), view));
        }
        split::check(
            &split,
            reservation.network,
            reservation.livemode,
            reservation.acting_for,
            |id| views.iter().find(|(a, _)| a == id).and_then(|(_, v)| *v),
        )?;
        for share in &split.shares {
            sql.exec(
                "INSERT OR IGNORE INTO open_voucher (voucher, account, until_ms) VALUES (?, ?, ?)",
                vec![
                    text(&reservation.voucher),
                    text(share.account.as_str()),
                    int(reservation.until_ms),
                ],
            )?;
            sql.exec(
                "INSERT OR IGNORE INTO seller_voucher (account, voucher) VALUES (?, ?)",
                vec![text(share.account.as_str()), text(&reservation.voucher)],
            )?;
        }
        Ok(json!({"sellers": names}))
    })
}

/// Releases a voucher's reservations: it is no longer pending, or (`forget`) its create
/// failed and it never existed, so no seller lists it either.
pub fn release(
    storage: &Storage,
    sql: &SqlStorage,
    voucher: String,
    forget: bool,
) -> ApiResult<Value> {
    storage::atomically(storage, sql, move |sql| {
        sql.exec(
            "DELETE FROM open_voucher WHERE voucher = ?",
            vec![text(&voucher)],
        )?;
        if forget {
            sql.exec(
                "DELETE FROM seller_voucher WHERE voucher = ?",
                vec![text(&voucher)],
            )?;
        }
        Ok(json!({"released": true}))
    })
}

#[derive(Deserialize)]
struct Listed {
    seq: i64,
    voucher: String,
}

/// A page of a seller's vouchers, newest first: `{"ids": [...], "has_more": bool}`.
pub fn list(
    sql: &SqlStorage,
    account: &str,
    limit: u32,
    starting_after: Option<&str>,
) -> ApiResult<Value> {
    let mut before = i64::MAX;
    if let Some(after) = starting_after {
        let rows: Vec<Listed> = sql
            .exec(
                "SELECT seq, voucher FROM seller_voucher WHERE account = ? AND voucher = ?",
                vec![text(account), text(after)],
            )?
            .to_array()?;
        before = rows.first().map(|r| r.seq).ok_or_else(|| {
            ApiError::invalid(
                "starting_after",
                "starting_after_invalid",
                "starting_after is not an id of this list.",
            )
        })?;
    }
    let rows: Vec<Listed> = sql
        .exec(
            "SELECT seq, voucher FROM seller_voucher WHERE account = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            vec![text(account), int(before), int(i64::from(limit) + 1)],
        )?
        .to_array()?;
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = rows.len() > take;
    let ids: Vec<&str> = rows.iter().take(take).map(|r| r.voucher.as_str()).collect();
    Ok(json!({"ids": ids, "has_more": has_more}))
}

/// Which of `vouchers` have a share for `account`: `{"vouchers": [...]}`, in the order
/// given.
pub fn shared_of(sql: &SqlStorage, account: &str, vouchers: &[String]) -> ApiResult<Value> {
    let mut shared = Vec::new();
    for voucher in vouchers {
        let rows: Vec<Listed> = sql
            .exec(
                "SELECT seq, voucher FROM seller_voucher WHERE account = ? AND voucher = ?",
                vec![text(account), text(voucher)],
            )?
            .to_array()?;
        if !rows.is_empty() {
            shared.push(voucher.as_str());
        }
    }
    Ok(json!({"vouchers": shared}))
}
