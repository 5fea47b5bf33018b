//! The ledger's refund rows (listing, the payout file's pages) and each refund
//! `Idempotency-Key`'s voucher.

use super::protocol::*;
use super::store::*;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::shell::{SqlShell, json};
use crate::runtime::storage::{self, flag, int, text};
use serde::Deserialize;
use vale_shared::VoucherId;
use vale_shared::id::RefundId;

/// `Command::ListRefunds`.
pub(super) fn list_refunds(
    shell: &SqlShell,
    livemode: bool,
    status: Option<String>,
    limit: u32,
    starting_after: Option<RefundId>,
) -> ApiResult<String> {
    let mut query = "SELECT id FROM refund WHERE livemode = ?".to_owned();
    let mut args = vec![flag(livemode)];
    if let Some(status) = &status {
        query.push_str(" AND status = ?");
        args.push(text(status));
    }
    if let Some(after) = &starting_after {
        query.push_str(" AND seq < (SELECT seq FROM refund WHERE id = ?)");
        args.push(text(after.as_str()));
    }
    query.push_str(" ORDER BY seq DESC LIMIT ?");
    args.push(int(i64::from(limit) + 1));
    let rows: Vec<IdRow> = shell.sql.exec(&query, args)?.to_array()?;
    refund_ids(rows, limit)
}

/// `Command::RefundsPrepared`.
pub(super) fn refunds_prepared(
    shell: &SqlShell,
    livemode: bool,
    from_ms: i64,
    to_ms: i64,
    limit: u32,
    starting_after: Option<RefundId>,
) -> ApiResult<String> {
    // Regression (review L8): the file stopped silently at 10,000 lines; it
    // pages now, after the cursor's (processing_ms, seq).
    let limit = limit.clamp(1, PAYOUT_PAGE_MAX);
    let mut query =
        "SELECT id FROM refund WHERE livemode = ? AND processing_ms >= ? AND processing_ms < ?"
            .to_owned();
    let mut args = vec![flag(livemode), int(from_ms), int(to_ms)];
    if let Some(after) = &starting_after {
        #[derive(Deserialize)]
        struct At {
            seq: i64,
            processing_ms: Option<i64>,
        }
        let at: At = shell
            .sql
            .exec(
                "SELECT seq, processing_ms FROM refund WHERE id = ? AND livemode = ?",
                vec![text(after.as_str()), flag(livemode)],
            )?
            .to_array()?
            .into_iter()
            .next()
            .ok_or_else(|| {
                ApiError::invalid(
                    "starting_after",
                    "resource_missing",
                    "starting_after is not a refund of this account.",
                )
            })?;
        let at_ms = at.processing_ms.unwrap_or(i64::MIN);
        query.push_str(" AND (processing_ms > ? OR (processing_ms = ? AND seq > ?))");
        args.extend([int(at_ms), int(at_ms), int(at.seq)]);
    }
    query.push_str(" ORDER BY processing_ms, seq LIMIT ?");
    args.push(int(i64::from(limit) + 1));
    let rows: Vec<IdRow> = shell.sql.exec(&query, args)?.to_array()?;
    refund_ids(rows, limit)
}

/// `Command::ClaimRefundKey`.
pub(super) fn claim_refund_key(
    shell: &SqlShell,
    livemode: bool,
    key_hash: String,
    voucher: VoucherId,
) -> ApiResult<String> {
    let home = storage::atomically(&shell.storage(), &shell.sql, move |sql| {
        let held: Vec<VoucherRow> = sql
            .exec(
                "SELECT voucher FROM refund_key WHERE key_hash = ? AND livemode = ?",
                vec![text(&key_hash), flag(livemode)],
            )?
            .to_array()?;
        if let Some(held) = held.into_iter().next() {
            let voucher = held
                .voucher
                .parse()
                .map_err(|_| ApiError::internal("ledger: bad voucher id"))?;
            return Ok(KeyHome {
                voucher,
                fresh: false,
            });
        }
        sql.exec(
            "INSERT INTO refund_key (key_hash, livemode, voucher) VALUES (?, ?, ?)",
            vec![text(&key_hash), flag(livemode), text(voucher.as_str())],
        )?;
        Ok(KeyHome {
            voucher,
            fresh: true,
        })
    })?;
    json(&home)
}

/// `Command::ReleaseRefundKey`.
pub(super) fn release_refund_key(
    shell: &SqlShell,
    key_hash: String,
    voucher: VoucherId,
) -> ApiResult<String> {
    shell.sql.exec(
        "DELETE FROM refund_key WHERE key_hash = ? AND voucher = ?",
        vec![text(&key_hash), text(voucher.as_str())],
    )?;
    json(&Done { ok: true })
}
