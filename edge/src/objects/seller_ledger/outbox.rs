//! The seller ledger's events (issue #23): `account.updated` when an account changes,
//! `payout.created`, `payout.paid` and `payout.failed` as payouts are made and closed,
//! each with the seller in `account`. An event is written here in the same transaction
//! as its change, its id derived from that change (so the same change written twice is
//! one event), then forwarded to the platform's events object after the command
//! ([`forward`]), which delivers it to the platform's webhook endpoints. A forward that
//! fails leaves the rows here: the next command sent through the client forwards them,
//! and the cron asks every platform's ledger each minute (the payout run), so an event
//! waits at most about a minute after a failure.

use crate::config::Mode;
use crate::http::error::ApiResult;
use crate::objects::events::{self, EventsClient, Forwarded};
use crate::runtime::storage::{flag, int, text};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use vale_shared::MerchantId;
use vale_shared::event::{EventType, subject_event_id};
use worker::{Env, SqlStorage};

/// Writes event `kind` about `subject` (an account or payout id) for the change named
/// `change`, with `data` as the API shows the object and `account` its seller.
pub(super) fn emit(
    sql: &SqlStorage,
    kind: EventType,
    subject: &str,
    change: &str,
    account: &str,
    data: &Value,
    now: i64,
) -> ApiResult<()> {
    let id = subject_event_id(subject, kind, change);
    let livemode = data
        .get("livemode")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    sql.exec(
        "INSERT OR IGNORE INTO outbox (event_id, type, account, livemode, created_ms, data)
         VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            text(id.as_str()),
            text(kind.as_str()),
            text(account),
            flag(livemode),
            int(now),
            text(&data.to_string()),
        ],
    )?;
    Ok(())
}

/// `account.updated` for an account whose JSON changed from `before` to `after`: the
/// change is named by when and what it became.
pub(super) fn account_updated(
    sql: &SqlStorage,
    before: &Value,
    after: &Value,
    now: i64,
) -> ApiResult<()> {
    if before == after {
        return Ok(());
    }
    let id = after.get("id").and_then(Value::as_str).unwrap_or_default();
    let digest = hex::encode(Sha256::digest(after.to_string().as_bytes()));
    emit(
        sql,
        EventType::AccountUpdated,
        id,
        &format!("{now}/{digest}"),
        id,
        after,
        now,
    )
}

/// Forwards the events not yet taken (oldest first, a batch at a time) to the platform's
/// events object, and removes them once it has them.
pub(super) async fn forward(
    env: &Env,
    sql: &SqlStorage,
    merchant: &MerchantId,
    livemode: bool,
) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Row {
        seq: i64,
        event_id: String,
        #[serde(rename = "type")]
        kind: String,
        account: Option<String>,
        created_ms: i64,
        data: String,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT seq, event_id, type, account, created_ms, data FROM outbox
              WHERE livemode = ? ORDER BY seq LIMIT 50",
            vec![flag(livemode)],
        )?
        .to_array()?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(());
    };
    let mut batch = Vec::with_capacity(rows.len());
    for row in rows {
        batch.push(Forwarded::from_row(
            &row.event_id,
            &row.kind,
            row.created_ms,
            row.data,
            row.account,
        )?);
    }
    EventsClient::of(env, merchant, Mode::of(livemode))?
        .text(&events::Command::Record {
            livemode,
            events: batch,
        })
        .await?;
    // After the await: only the rows sent are removed.
    sql.exec(
        "DELETE FROM outbox WHERE livemode = ? AND seq <= ?",
        vec![flag(livemode), int(last)],
    )?;
    Ok(())
}
