//! The ledger's voucher rows: a code claimed at create, the row kept up to date, looked
//! up by code, listed, removed with the voucher.

use super::protocol::*;
use super::store::*;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::objects::shell::{SqlShell, json};
use crate::runtime::storage::{self, flag, int, text};
use serde::Deserialize;
use vale_shared::id::RefundId;
use vale_shared::{Network, VoucherId};
use worker::{SqlStorage, SqlStorageValue};

/// `Command::Claim`.
pub(super) fn claim(
    shell: &SqlShell,
    livemode: bool,
    network: Network,
    candidates: Vec<String>,
    reference: String,
    created_at: i64,
    row: IndexRow,
) -> ApiResult<String> {
    let code = storage::atomically(&shell.storage(), &shell.sql, move |sql| {
        claim_within(
            sql,
            livemode,
            network,
            &candidates,
            &reference,
            created_at,
            &row,
        )
    })?;
    json(&Claimed { payment_code: code })
}

/// `Command::Update`.
pub(super) fn update(
    shell: &SqlShell,
    row: IndexRow,
    refunds: Vec<RefundRow>,
) -> ApiResult<String> {
    storage::atomically(&shell.storage(), &shell.sql, move |sql| {
        let newer = sql
            .exec(
                "UPDATE voucher SET status = ?, version = ?, wake_at_ms = ?, paid_ms = ?
                     WHERE id = ? AND version <= ? RETURNING livemode",
                vec![
                    text(&row.status),
                    int(row.version),
                    int(row.wake_at_ms),
                    storage::opt_int(row.paid_ms),
                    text(row.id.as_str()),
                    int(row.version),
                ],
            )?
            .to_array::<serde_json::Value>()?;
        // Refund rows only from the newest version (an older update that
        // arrives late changes nothing).
        let Some(livemode) = newer
            .first()
            .and_then(|v| v.get("livemode"))
            .and_then(serde_json::Value::as_i64)
        else {
            return Ok(());
        };
        for r in &refunds {
            sql.exec(
                    "INSERT INTO refund (id, livemode, status, created_ms, processing_ms) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, processing_ms = excluded.processing_ms",
                    vec![
                        text(r.id.as_str()),
                        int(livemode),
                        text(&r.status),
                        int(r.created_ms),
                        storage::opt_int(r.processing_ms),
                    ],
                )?;
        }
        Ok(())
    })?;
    json(&Done { ok: true })
}

/// `Command::Remove`.
pub(super) fn remove(shell: &SqlShell, id: VoucherId) -> ApiResult<String> {
    // Regression (review L1): the refund rows outlived their voucher, and the
    // refund list and payout file answered 404 for good.
    let random = id
        .as_str()
        .strip_prefix(VoucherId::PREFIX)
        .unwrap_or_default()
        .to_owned();
    storage::atomically(&shell.storage(), &shell.sql, move |sql| {
        sql.exec("DELETE FROM voucher WHERE id = ?", vec![text(id.as_str())])?;
        // A refund id is `re_` and its voucher's random part, then its number.
        if !random.is_empty() {
            let prefix = format!("{}{random}", RefundId::PREFIX);
            sql.exec(
                "DELETE FROM refund WHERE substr(id, 1, ?) = ?",
                vec![
                    int(i64::try_from(prefix.len()).unwrap_or(i64::MAX)),
                    text(&prefix),
                ],
            )?;
        }
        sql.exec(
            "DELETE FROM refund_key WHERE voucher = ?",
            vec![text(id.as_str())],
        )?;
        Ok(())
    })?;
    json(&Done { ok: true })
}

/// `Command::Lookup`.
pub(super) fn lookup(
    shell: &SqlShell,
    livemode: bool,
    network: Network,
    payment_code: String,
) -> ApiResult<String> {
    let rows: Vec<IdRow> = shell
        .sql
        .exec(
            "SELECT id FROM voucher WHERE livemode = ? AND network = ? AND payment_code = ?",
            vec![flag(livemode), text(network.as_str()), text(&payment_code)],
        )?
        .to_array()?;
    match ids(rows)?.into_iter().next() {
        Some(voucher_id) => json(&Found { voucher_id }),
        None => Err(ApiError::new(
            404,
            ErrorType::InvalidRequestError,
            "payment_code_unknown",
            "No voucher has this payment code.",
        )),
    }
}

/// `Command::List`.
pub(super) fn list(shell: &SqlShell, query: ListQuery) -> ApiResult<String> {
    json(&page(shell, &query)?)
}

/// One page of ids, newest first.
fn page(shell: &SqlShell, query: &ListQuery) -> ApiResult<Ids> {
    let mut sql = String::from("SELECT id FROM voucher WHERE livemode = ?");
    let mut bindings = vec![flag(query.livemode)];
    if let Some(reference) = &query.reference {
        sql.push_str(" AND reference = ?");
        bindings.push(text(reference));
    }
    if let Some(status) = &query.status {
        sql.push_str(" AND status = ?");
        bindings.push(text(status));
    }
    if let Some(from) = query.created_gte {
        sql.push_str(" AND created_at >= ?");
        bindings.push(int(from));
    }
    if let Some(to) = query.created_lte {
        sql.push_str(" AND created_at <= ?");
        bindings.push(int(to));
    }
    if let Some(after) = &query.starting_after {
        #[derive(Deserialize)]
        struct SeqRow {
            seq: i64,
        }
        let rows: Vec<SeqRow> = shell
            .sql
            .exec(
                "SELECT seq FROM voucher WHERE id = ? AND livemode = ?",
                vec![text(after.as_str()), flag(query.livemode)],
            )?
            .to_array()?;
        let seq = rows.first().map(|r| r.seq).ok_or_else(|| {
            ApiError::invalid(
                "starting_after",
                "resource_missing",
                "starting_after is not a voucher of this account.",
            )
        })?;
        sql.push_str(" AND seq < ?");
        bindings.push(SqlStorageValue::Integer(seq));
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    bindings.push(int(i64::from(query.limit) + 1));
    let mut found = ids(shell.sql.exec(&sql, bindings)?.to_array()?)?;
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    let has_more = found.len() > limit;
    found.truncate(limit);
    Ok(Ids {
        ids: found,
        has_more,
    })
}

/// Takes the first free code for `row.id` (or answers the one it already holds).
fn claim_within(
    sql: &SqlStorage,
    livemode: bool,
    network: Network,
    candidates: &[String],
    reference: &str,
    created_at: i64,
    row: &IndexRow,
) -> ApiResult<String> {
    #[derive(Deserialize)]
    struct Held {
        payment_code: String,
        network: String,
        livemode: i64,
    }
    let held: Option<Held> = sql
        .exec(
            "SELECT payment_code, network, livemode FROM voucher WHERE id = ?",
            vec![text(row.id.as_str())],
        )?
        .to_array()?
        .into_iter()
        .next();
    if let Some(held) = held {
        // A create resumed after its first attempt claimed this code and died: the same
        // code, with the retry's reference. A retry for another network (the first
        // attempt's body was never stored, so its key was free) claims afresh.
        if held.network == network.as_str() && (held.livemode != 0) == livemode {
            sql.exec(
                "UPDATE voucher SET reference = ?, created_at = ? WHERE id = ?",
                vec![text(reference), int(created_at), text(row.id.as_str())],
            )?;
            return Ok(held.payment_code);
        }
        sql.exec(
            "DELETE FROM voucher WHERE id = ?",
            vec![text(row.id.as_str())],
        )?;
    }
    for code in candidates {
        let taken = sql
            .exec(
                "SELECT 1 AS taken FROM voucher WHERE livemode = ? AND network = ? AND payment_code = ?",
                vec![flag(livemode), text(network.as_str()), text(code)],
            )?
            .to_array::<serde_json::Value>()?;
        if taken.is_empty() {
            sql.exec(
                "INSERT INTO voucher (id, livemode, network, payment_code, reference, status, created_at, version, wake_at_ms)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    text(row.id.as_str()),
                    flag(livemode),
                    text(network.as_str()),
                    text(code),
                    text(reference),
                    text(&row.status),
                    int(created_at),
                    int(row.version),
                    int(row.wake_at_ms),
                ],
            )?;
            return Ok(code.clone());
        }
    }
    Err(ApiError::internal("every candidate payment code was taken"))
}
