//! Orphan codes: a CIP live PagoEfectivo issued for this voucher id that no voucher holds
//! and no one was shown (review M1). One appears when a create's `POST /v1/cips` answer
//! comes after the deadline (the create already answered `503`, and its retry issues
//! another CIP), or when a create stops after PagoEfectivo issued its CIP (the claim
//! failed, or a resumed attempt had finished meanwhile).
//!
//! Each is a row of `orphan_cip` (an outbox of its own, kept apart from the voucher's
//! schema: the object may hold no voucher at all) written the moment the CIP is known,
//! then deleted upstream (`DELETE /v1/cips/{cip}`). A delete that fails is retried by the
//! object's alarm with the index's back-off until PagoEfectivo says the CIP is gone (or
//! paid or expired: either way it can no longer be paid). Should a notification about an
//! orphan arrive meanwhile, the voucher keeps it without letting it end the voucher: an
//! expiry is ignored, a payment is an unexpected payment (`code_mismatch`).

use crate::config::{self, Mode};
use crate::http::error::ApiResult;
use crate::networks::rail::{Rail, Rails, Withdrawn};
use crate::objects::voucher::schedule::retry_delay;
use crate::runtime::clock;
use crate::runtime::storage::{self, flag, int, text};
use serde::Deserialize;
use time::OffsetDateTime;
use vale_shared::MerchantId;
use worker::{Env, ScheduledTime, SqlStorage, Storage};

/// The table, created on first use (not a step of the voucher's schema).
const TABLE: &str = "CREATE TABLE IF NOT EXISTS orphan_cip (
  cip         TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  livemode    INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_ms     INTEGER NOT NULL
)";

#[derive(Deserialize)]
struct Row {
    cip: String,
    merchant_id: String,
    livemode: i64,
    attempts: i64,
}

/// Whose CIP it is, to rebuild the rail that deletes it.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The merchant.
    pub merchant: MerchantId,
    /// Its mode.
    pub livemode: bool,
}

/// When the next orphan delete is due (runtime clock), if any is left.
pub fn due(sql: &SqlStorage) -> ApiResult<Option<OffsetDateTime>> {
    if !storage::has_table(sql, "orphan_cip")? {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Next {
        next: Option<i64>,
    }
    let next = sql
        .exec("SELECT MIN(next_ms) AS next FROM orphan_cip", None)?
        .to_array::<Next>()?
        .into_iter()
        .next()
        .and_then(|n| n.next);
    Ok(next.map(|ms| clock::from_millis(u64::try_from(ms).unwrap_or(0))))
}

/// Whether this object's voucher holds `cip` as its own code: then it is no orphan,
/// whatever went wrong around it, and is never deleted from here.
fn held(sql: &SqlStorage, cip: &str) -> ApiResult<bool> {
    if !storage::has_table(sql, "voucher")? {
        return Ok(false);
    }
    Ok(!sql
        .exec(
            "SELECT 1 AS held FROM voucher WHERE payment_code = ?",
            vec![text(cip)],
        )?
        .to_array::<serde_json::Value>()?
        .is_empty())
}

/// Records `cip` as an orphan of `owner` (idempotent), then tries to delete it upstream
/// at once; what fails waits for the alarm. A code the voucher holds is left alone.
pub async fn discard(env: &Env, storage: &Storage, sql: &SqlStorage, owner: &Owner, cip: &str) {
    match held(sql, cip) {
        Ok(false) => {}
        Ok(true) => return,
        Err(e) => {
            worker::console_error!("orphan CIP: could not read the voucher ({})", e.code);
            return;
        }
    }
    let now_ms = clock::millis(clock::now());
    let recorded = sql.exec(TABLE, None).and_then(|_| {
        sql.exec(
            "INSERT OR IGNORE INTO orphan_cip (cip, merchant_id, livemode, next_ms) VALUES (?, ?, ?, ?)",
            vec![
                text(cip),
                text(owner.merchant.as_str()),
                flag(owner.livemode),
                int(now_ms),
            ],
        )
    });
    if let Err(e) = recorded {
        worker::console_error!("orphan CIP: could not record it ({e})");
        return;
    }
    if let Err(e) = retry(env, storage, sql).await {
        worker::console_error!("orphan CIP: delete failed ({}); the alarm retries", e.code);
    }
}

/// Deletes upstream every orphan whose time has come; a failure backs off. Then sets the
/// alarm for what is left (no sooner than it is already set).
pub async fn retry(env: &Env, storage: &Storage, sql: &SqlStorage) -> ApiResult<()> {
    if !storage::has_table(sql, "orphan_cip")? {
        return Ok(());
    }
    let now = clock::now();
    let rows: Vec<Row> = sql
        .exec(
            "SELECT cip, merchant_id, livemode, attempts FROM orphan_cip WHERE next_ms <= ? ORDER BY next_ms LIMIT 20",
            vec![int(clock::millis(now))],
        )?
        .to_array()?;
    let config = config::load(env)?;
    for row in rows {
        let rail = row
            .merchant_id
            .parse::<MerchantId>()
            .ok()
            .and_then(|id| config.merchant(&id))
            .map(|m| {
                Rails::of(
                    m,
                    vale_shared::Network::Pagoefectivo,
                    Mode::of(row.livemode != 0),
                )
            });
        let gone = match &rail {
            _ if held(sql, &row.cip)? => true,
            // The merchant or its API is no longer configured: nothing can delete it.
            None | Some(Rails::Local(_) | Rails::Unconfigured) => true,
            Some(rail) => match rail.withdraw(&row.cip).await {
                Ok(Withdrawn::Done) => true,
                // Paid under the orphan: its notification is kept on the voucher as an
                // unexpected payment (`code_mismatch`); nothing is left to delete.
                Ok(Withdrawn::AlreadyPaid(_)) => {
                    worker::console_log!("orphan CIP: already paid; left to its notification");
                    true
                }
                Err(e) => {
                    worker::console_error!("orphan CIP: delete failed ({})", e.code);
                    false
                }
            },
        };
        // Reloaded after the await: only this row changes.
        if gone {
            sql.exec("DELETE FROM orphan_cip WHERE cip = ?", vec![text(&row.cip)])?;
        } else {
            let next = clock::now() + retry_delay(row.attempts);
            sql.exec(
                "UPDATE orphan_cip SET attempts = attempts + 1, next_ms = ? WHERE cip = ?",
                vec![int(clock::millis(next)), text(&row.cip)],
            )?;
        }
    }
    let Some(next) = due(sql)? else {
        // Every orphan gone: an object that never held a voucher keeps nothing behind.
        if !storage::has_table(sql, "voucher")? {
            sql.exec("DROP TABLE IF EXISTS orphan_cip", None)?;
        }
        return Ok(());
    };
    {
        let sooner = match storage.get_alarm().await? {
            Some(at) => clock::millis(next) < at,
            None => true,
        };
        if sooner {
            #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
            let date = worker::js_sys::Date::new(&(clock::millis(next) as f64).into());
            storage.set_alarm(ScheduledTime::new(date)).await?;
        }
    }
    Ok(())
}
