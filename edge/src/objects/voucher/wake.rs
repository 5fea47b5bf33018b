//! What the alarm (or the cron's sweep) does when it wakes a voucher: a sandbox-requested
//! expiry, the window's end, body and voucher purges, the index; and the schedule's facts,
//! read from storage.

use super::object::*;
use super::outbox::*;
use super::schedule::Facts;
use super::store::{self, Stored};
use super::{orphans, refund as refunds};
use crate::http::error::ApiResult;
use crate::objects::ledger::{self, Done, LedgerClient};
use crate::runtime::clock;
use crate::runtime::storage::int;
use serde::Deserialize;
use worker::SqlStorage;

impl VoucherObject {
    /// Does what is due: a sandbox-requested expiry, the window's end, body and voucher
    /// purges, the index. `sweep`: called by the cron's sweep, so the index's wake-up is
    /// refreshed even when nothing changed.
    pub(super) async fn wake(&self, sweep: bool) -> ApiResult<()> {
        // Orphan CIPs first: there may be no voucher here at all.
        if let Err(e) = orphans::retry(&self.env, &self.storage(), &self.shell.sql).await {
            worker::console_error!("orphan CIP retry failed ({}); retrying later", e.code);
        }
        if !self.has_schema()? {
            return Ok(());
        }
        let Some(stored) = Stored::load(&self.shell.sql)? else {
            return Ok(());
        };
        self.refund_deadlines(stored.now(clock::now())).await?;
        if self.ask_before_expiry(&stored).await? {
            return Ok(());
        }
        // Reload after the await.
        let Some(stored) = Stored::load(&self.shell.sql)? else {
            return Ok(());
        };
        let real = clock::now();
        let now = stored.now(real);
        let forced = !stored.livemode
            && !self
                .shell
                .sql
                .exec(
                    "UPDATE voucher SET sandbox_due = 0 WHERE sandbox_due = 1 RETURNING id",
                    None,
                )?
                .to_array::<serde_json::Value>()?
                .is_empty();
        let life = if forced {
            stored.life.expire_now(now).unwrap_or(stored.life)
        } else {
            stored.life.at(now)
        };

        let changed = life != stored.life;
        let purge_before = clock::millis(now - store::BODY_RETENTION);
        let now_ms = clock::millis(real);
        let stored = self.write(stored, now_ms, move |tx, next| {
            tx.sql.exec(
                "UPDATE notification SET body = NULL WHERE body IS NOT NULL AND received_ms < ?",
                vec![int(purge_before)],
            )?;
            if changed {
                next.record_move(tx.sql, life, tx.key, tx.now_ms)?;
            }
            Ok(())
        })?;
        let facts = facts(&self.shell.sql, &stored)?;
        if facts.is_purgeable(real) {
            let remove = ledger::Command::Remove {
                id: stored.id.clone(),
            };
            LedgerClient::of(&self.env, &stored.merchant)?
                .call::<Done>(&remove)
                .await?;
            self.storage().delete_alarm().await?;
            self.storage().delete_all().await?;
            self.shell.emptied();
            return Ok(());
        }
        if sweep || !facts.indexed {
            // Inline here: the alarm (or the sweep) is the retry.
            if let Err(e) = sync_index(&self.env, &self.storage(), &self.shell.sql).await {
                worker::console_error!("index update failed ({}); retrying later", e.code);
            }
            return Ok(());
        }
        set_alarm(&self.storage(), facts.next_wake(real)).await
    }
}

/// What the schedule is computed from, read from storage.
pub(super) fn facts(sql: &SqlStorage, stored: &Stored) -> ApiResult<Facts> {
    #[derive(Deserialize)]
    struct Pending {
        oldest: Option<i64>,
        unforwarded: i64,
    }
    let pending = sql
        .exec(
            "SELECT (SELECT MIN(received_ms) FROM notification WHERE body IS NOT NULL) AS oldest,
                    (SELECT COUNT(*) FROM outbox WHERE forwarded = 0) AS unforwarded",
            None,
        )?
        .to_array::<Pending>()?
        .into_iter()
        .next();
    let oldest = pending.as_ref().and_then(|p| p.oldest);
    let unforwarded = pending.map_or(0, |p| p.unforwarded);
    let (refund_due, refund_changed) = refunds::schedule_facts(sql)?;
    let at = |ms: Option<i64>| ms.map(|ms| clock::from_millis(u64::try_from(ms).unwrap_or(0)));
    Ok(Facts {
        refund_due: at(refund_due),
        refund_changed: at(refund_changed),
        orphan_due: orphans::due(sql)?,
        life: stored.life,
        created_at: stored.created_at,
        clock_offset: stored.clock_offset,
        indexed: stored.indexed_version >= stored.version && unforwarded == 0,
        index_failures: stored.index_failures,
        oldest_body: oldest.map(|ms| clock::from_millis(u64::try_from(ms).unwrap_or(0))),
    })
}
