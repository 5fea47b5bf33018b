//! What settlement asks the ledger: vouchers by code, paid in a window, marked settled,
//! still unsettled, and each day's digest of them.

use super::protocol::*;
use super::store::*;
use crate::http::error::ApiResult;
use crate::objects::shell::{SqlShell, json};
use crate::runtime::storage::{self, flag, int, text};
use serde::Deserialize;
use vale_shared::{Network, VoucherId};

/// `Command::LookupMany`.
pub(super) fn lookup_many(
    shell: &SqlShell,
    livemode: bool,
    network: Network,
    codes: Vec<String>,
) -> ApiResult<String> {
    let mut vouchers = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(90) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut args = vec![flag(livemode), text(network.as_str())];
        args.extend(chunk.iter().map(|c| text(c)));
        let rows: Vec<CodedRow> = shell
                .sql
                .exec(
                    &format!("SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND network = ? AND payment_code IN ({marks})"),
                    args,
                )?
                .to_array()?;
        vouchers.extend(coded(rows)?);
    }
    json(&CodedList { vouchers })
}

/// `Command::PaidIn`.
pub(super) fn paid_in(
    shell: &SqlShell,
    livemode: bool,
    network: Network,
    from_ms: i64,
    to_ms: i64,
) -> ApiResult<String> {
    let rows: Vec<CodedRow> = shell
            .sql
            .exec(
                "SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND network = ? AND paid_ms >= ? AND paid_ms < ? ORDER BY paid_ms LIMIT 100000",
                vec![flag(livemode), text(network.as_str()), int(from_ms), int(to_ms)],
            )?
            .to_array()?;
    json(&CodedList {
        vouchers: coded(rows)?,
    })
}

/// `Command::MarkSettled`.
pub(super) fn mark_settled(shell: &SqlShell, ids: Vec<VoucherId>) -> ApiResult<String> {
    storage::atomically(&shell.storage(), &shell.sql, move |sql| {
        for id in &ids {
            sql.exec(
                "UPDATE voucher SET settled = 1 WHERE id = ?",
                vec![text(id.as_str())],
            )?;
        }
        Ok(())
    })?;
    json(&Done { ok: true })
}

/// `Command::Unsettled`.
pub(super) fn unsettled(
    shell: &SqlShell,
    livemode: bool,
    paid_before_ms: i64,
    limit: u32,
) -> ApiResult<String> {
    let rows: Vec<CodedRow> = shell
            .sql
            .exec(
                "SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND settled = 0 AND paid_ms IS NOT NULL AND paid_ms < ?
                   AND status IN ('paid', 'partially_refunded', 'refunded') ORDER BY paid_ms LIMIT ?",
                vec![flag(livemode), int(paid_before_ms), int(i64::from(limit))],
            )?
            .to_array()?;
    json(&CodedList {
        vouchers: coded(rows)?,
    })
}

/// `Command::Digest`.
pub(super) fn digest(
    shell: &SqlShell,
    livemode: bool,
    day: String,
    paid_before_ms: i64,
    now_ms: i64,
) -> ApiResult<String> {
    if let Some(found) = stored_digest(shell, livemode, Some(&day))? {
        return json(&found);
    }
    let rows: Vec<CodedRow> = shell
            .sql
            .exec(
                "SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND settled = 0 AND paid_ms IS NOT NULL AND paid_ms < ?
                   AND status IN ('paid', 'partially_refunded', 'refunded') ORDER BY paid_ms LIMIT 1000",
                vec![flag(livemode), int(paid_before_ms)],
            )?
            .to_array()?;
    let unsettled = coded(rows)?;
    shell.sql.exec(
        "INSERT OR IGNORE INTO digest (day, livemode, unsettled, created_ms) VALUES (?, ?, ?, ?)",
        vec![
            text(&day),
            flag(livemode),
            text(&serde_json::to_string(&unsettled)?),
            int(now_ms),
        ],
    )?;
    json(&DigestRow {
        day,
        unsettled,
        created_ms: now_ms,
    })
}

/// `Command::LatestDigest`.
pub(super) fn latest_digest(shell: &SqlShell, livemode: bool) -> ApiResult<String> {
    json(&stored_digest(shell, livemode, None)?.unwrap_or(DigestRow {
        day: String::new(),
        unsettled: Vec::new(),
        created_ms: 0,
    }))
}

/// The digest of `day`, or the newest one.
pub(super) fn stored_digest(
    shell: &SqlShell,
    livemode: bool,
    day: Option<&str>,
) -> ApiResult<Option<DigestRow>> {
    #[derive(Deserialize)]
    struct Row {
        day: String,
        unsettled: String,
        created_ms: i64,
    }
    let rows: Vec<Row> = match day {
        Some(day) => shell.sql.exec(
            "SELECT day, unsettled, created_ms FROM digest WHERE livemode = ? AND day = ?",
            vec![flag(livemode), text(day)],
        )?,
        None => shell.sql.exec(
            "SELECT day, unsettled, created_ms FROM digest WHERE livemode = ? ORDER BY day DESC LIMIT 1",
            vec![flag(livemode)],
        )?,
    }
    .to_array()?;
    rows.into_iter()
        .next()
        .map(|r| {
            Ok(DigestRow {
                day: r.day,
                unsettled: serde_json::from_str(&r.unsettled)?,
                created_ms: r.created_ms,
            })
        })
        .transpose()
}
