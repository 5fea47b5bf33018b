//! What the cron's sweep asks the ledger: live vouchers to ask their network about, and
//! vouchers whose alarms are overdue.

use super::protocol::*;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::shell::{SqlShell, json};
use crate::runtime::storage::{self, int, text};
use serde::Deserialize;
use vale_shared::Network;

/// `Command::ToAsk`.
pub(super) fn to_ask(
    shell: &SqlShell,
    network: Network,
    created_before: i64,
    asked_before_ms: i64,
    now_ms: i64,
    limit: u32,
) -> ApiResult<String> {
    #[derive(Deserialize)]
    struct AskRow {
        id: String,
        payment_code: String,
    }
    // Chosen and marked in one transaction: two sweeps never ask twice.
    let rows: Vec<AskRow> = storage::atomically(&shell.storage(), &shell.sql, move |sql| {
        Ok(sql
            .exec(
                "UPDATE voucher SET asked_ms = ? WHERE seq IN (
                       SELECT seq FROM voucher
                       WHERE livemode = 1 AND network = ? AND status = 'pending'
                         AND created_at < ? AND (asked_ms IS NULL OR asked_ms < ?)
                       ORDER BY asked_ms IS NOT NULL, asked_ms, seq LIMIT ?)
                     RETURNING id, payment_code",
                vec![
                    int(now_ms),
                    text(network.as_str()),
                    int(created_before),
                    int(asked_before_ms),
                    int(i64::from(limit)),
                ],
            )?
            .to_array()?)
    })?;
    let mut ask = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row
            .id
            .parse()
            .map_err(|_| ApiError::internal("ledger: bad voucher id"))?;
        ask.push(ToAsk {
            id,
            payment_code: row.payment_code,
        });
    }
    json(&Asking { ask })
}

/// `Command::Overdue`.
pub(super) fn overdue(shell: &SqlShell, now_ms: i64, limit: u32) -> ApiResult<String> {
    #[derive(Deserialize)]
    struct DueRow {
        id: String,
        livemode: i64,
    }
    let rows: Vec<DueRow> = shell
        .sql
        .exec(
            "SELECT id, livemode FROM voucher WHERE wake_at_ms <= ? ORDER BY wake_at_ms LIMIT ?",
            vec![int(now_ms), int(i64::from(limit))],
        )?
        .to_array()?;
    let mut due = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row
            .id
            .parse()
            .map_err(|_| ApiError::internal("ledger: bad voucher id"))?;
        due.push(Due {
            id,
            livemode: row.livemode != 0,
        });
    }
    json(&Overdue { due })
}
