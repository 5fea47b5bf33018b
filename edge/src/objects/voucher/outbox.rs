//! Draining what must reach the outside after a change: the voucher's index row to the
//! merchant's ledger and its outbox's events to the merchant's events object, then the
//! alarm from storage.

use super::store::Stored;
use super::wake::*;
use crate::config::Mode;
use crate::http::error::ApiResult;
use crate::objects::events::{self, EventsClient, Forwarded};
use crate::objects::ledger::{self, Done, IndexRow, LedgerClient};
use crate::runtime::clock;
use crate::runtime::storage::int;
use serde::Deserialize;
use time::OffsetDateTime;
use worker::{Env, ScheduledTime, SqlStorage, Storage};

/// Drains what must reach the outside: the voucher's index row to the merchant's ledger
/// and its outbox's events to the merchant's events object. Then records how that went
/// and sets the alarm from storage (reloaded after the awaits).
pub(super) async fn sync_index(env: &Env, storage: &Storage, sql: &SqlStorage) -> ApiResult<()> {
    let Some(stored) = Stored::load(sql)? else {
        return Ok(());
    };
    let forwarded = forward_outbox(env, sql, &stored).await;
    let now = clock::now();
    let row = IndexRow {
        id: stored.id.clone(),
        version: stored.version,
        status: stored.life.status.as_str().to_owned(),
        wake_at_ms: clock::millis(facts(sql, &stored)?.next_wake(now)),
        paid_ms: stored.life.paid_at.map(clock::millis),
    };
    let refunds: Vec<ledger::RefundRow> = sql
        .exec(
            "SELECT id, status, created_ms, processing_ms FROM refund ORDER BY number",
            None,
        )?
        .to_array()?;
    // The risk counters first: the row is marked indexed only once they know too, so
    // the alarm retries them with the row.
    let counted = match crate::objects::voucher::screen::sync(
        env,
        &stored.issued.risk_counters,
        &stored.id,
        vale_shared::risk::Standing::of(stored.life.status),
    )
    .await
    {
        Ok(()) => match stored.review() {
            Some(review) => super::review::put(env, &stored.merchant, &review).await,
            None => Ok(()),
        },
        Err(e) => Err(e),
    };
    let sent = match counted {
        Ok(()) => {
            LedgerClient::of(env, &stored.merchant)?
                .call::<Done>(&ledger::Command::Update { row, refunds })
                .await
        }
        Err(e) => Err(e),
    };
    // A marketplace platform's seller ledger after the index (so the index never waits
    // for it); the row is marked indexed only once it knows too (issue #23).
    let sent = match sent {
        Ok(done) => super::market::sync(env, sql, &stored).await.map(|()| done),
        Err(e) => Err(e),
    };
    match &sent {
        Ok(_) => sql.exec(
            "UPDATE voucher SET indexed_version = max(indexed_version, ?), index_failures = 0",
            vec![int(stored.version)],
        )?,
        Err(_) => sql.exec(
            "UPDATE voucher SET index_failures = index_failures + 1",
            None,
        )?,
    };
    if forwarded.is_err() {
        sql.exec(
            "UPDATE voucher SET index_failures = index_failures + 1",
            None,
        )?;
    }
    if let Some(stored) = Stored::load(sql)? {
        set_alarm(storage, facts(sql, &stored)?.next_wake(clock::now())).await?;
    }
    sent.and(forwarded).map(|_| ())
}

/// Forwards the outbox's events not yet taken (oldest first, a batch at a time) and marks
/// them forwarded once the events object has them.
pub(super) async fn forward_outbox(env: &Env, sql: &SqlStorage, stored: &Stored) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Row {
        seq: i64,
        event_id: String,
        #[serde(rename = "type")]
        kind: String,
        created_ms: i64,
        data: String,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT seq, event_id, type, created_ms, data FROM outbox WHERE forwarded = 0 ORDER BY seq LIMIT 50",
            None,
        )?
        .to_array()?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(());
    };
    // A voucher wholly one seller's (one share, the rest the platform's fee) is about that
    // seller, and so are its refunds; a cart of several sellers is the platform's.
    let account = stored
        .issued
        .market
        .as_ref()
        .and_then(super::market::Sold::split)
        .and_then(|split| split.sole_seller().map(ToString::to_string));
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        events.push(Forwarded::from_row(
            &row.event_id,
            &row.kind,
            row.created_ms,
            row.data,
            account.clone(),
        )?);
    }
    let record = events::Command::Record {
        livemode: stored.livemode,
        events,
    };
    EventsClient::of(env, &stored.merchant, Mode::of(stored.livemode))?
        .text(&record)
        .await?;
    // Reloaded after the await: only the rows sent are marked.
    sql.exec(
        "UPDATE outbox SET forwarded = 1 WHERE forwarded = 0 AND seq <= ?",
        vec![int(last)],
    )?;
    Ok(())
}

pub(super) async fn set_alarm(storage: &Storage, at: OffsetDateTime) -> ApiResult<()> {
    #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
    let date = worker::js_sys::Date::new(&(clock::millis(at) as f64).into());
    storage.set_alarm(ScheduledTime::new(date)).await?;
    Ok(())
}
