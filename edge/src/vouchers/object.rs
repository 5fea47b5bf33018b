//! `VoucherObject`: one SQLite-backed Durable Object per voucher (named by its id), the
//! source of truth for that voucher.
//!
//! It holds the voucher, the notifications applied to it (so each applies once), and an
//! alarm: at `expires_at` a pending voucher expires with no request, and after a failed
//! index update the alarm retries it.
//!
//! Order of writes on every change: the voucher row (and the applied notification) in one
//! synchronous step, which the runtime commits atomically; then the merchant's ledger row,
//! tagged with the voucher's version so a late, older update cannot overwrite a newer one.
//! `synced_version` records what the ledger has; the alarm repairs any gap.

use super::{Applied, Command, Envelope, Notice, Reported};
use crate::clock;
use crate::error::{ApiError, ApiResult, ErrorType};
use crate::ledger::{self, LedgerClient, ListingRow};
use crate::rpc;
use serde::Deserialize;
use std::cell::Cell;
use time::OffsetDateTime;
use vale_shared::state::Outcome;
use vale_shared::voucher::{UnexpectedPayment, Voucher};
use vale_shared::{MerchantId, VoucherEvent, VoucherStatus};
use worker::{
    DurableObject, Env, Request, Response, Result, ScheduledTime, SqlStorage, SqlStorageValue,
    State, durable_object,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS voucher (
  singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
  merchant_id    TEXT NOT NULL,
  version        INTEGER NOT NULL,
  synced_version INTEGER NOT NULL DEFAULT 0,
  json           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notification (
  id          TEXT PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  outcome     TEXT NOT NULL
);
-- Sandbox only: a test-mode voucher whose next alarm must act as if its deadline came.
CREATE TABLE IF NOT EXISTS sandbox_due (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1)
);
";

/// How soon the alarm retries an index update that failed.
const SYNC_RETRY_MS: i64 = 15_000;

/// One voucher and everything that happened to it.
#[durable_object]
pub struct VoucherObject {
    state: State,
    env: Env,
    sql: SqlStorage,
    ready: Cell<bool>,
}

impl std::fmt::Debug for VoucherObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VoucherObject")
    }
}

struct Stored {
    merchant: MerchantId,
    version: i64,
    synced_version: i64,
    voucher: Voucher,
}

#[derive(Deserialize)]
struct Row {
    merchant_id: String,
    version: i64,
    synced_version: i64,
    json: String,
}

impl DurableObject for VoucherObject {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        VoucherObject {
            state,
            env,
            sql,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Envelope>(&mut req).await {
            Ok(envelope) => self.run(envelope).await,
            Err(e) => Err(e),
        };
        Ok(match result {
            Ok(body) => crate::error::json_response(200, body),
            Err(e) => e.into_response(),
        })
    }

    /// The expiry alarm (and the retry of a failed index update).
    async fn alarm(&self) -> Result<Response> {
        if let Err(e) = self.on_alarm().await {
            // Let the runtime retry the alarm: it does so with back-off.
            return Err(worker::Error::RustError(format!(
                "alarm failed: {}",
                e.code
            )));
        }
        Response::ok("")
    }
}

fn not_pending(status: VoucherStatus, verb: &str) -> ApiError {
    ApiError::new(
        409,
        ErrorType::InvalidRequestError,
        "voucher_not_pending",
        format!(
            "This voucher is {}; only a pending voucher can be {verb}.",
            status.as_str()
        ),
    )
}

impl VoucherObject {
    /// Creates the tables (only a create does this).
    fn schema(&self) -> ApiResult<()> {
        if !self.ready.get() {
            self.sql.exec(SCHEMA, None)?;
            self.ready.set(true);
        }
        Ok(())
    }

    /// Whether this object holds a voucher's tables. Reads only, so probing unknown ids
    /// leaves no storage behind.
    fn has_schema(&self) -> ApiResult<bool> {
        if !self.ready.get() {
            let found = self
                .sql
                .exec(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'voucher'",
                    None,
                )?
                .to_array::<serde_json::Value>()?;
            self.ready.set(!found.is_empty());
        }
        Ok(self.ready.get())
    }

    fn load(&self) -> ApiResult<Option<Stored>> {
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT merchant_id, version, synced_version, json FROM voucher",
                None,
            )?
            .to_array()?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(Stored {
            merchant: row
                .merchant_id
                .parse::<MerchantId>()
                .map_err(ApiError::internal)?,
            version: row.version,
            synced_version: row.synced_version,
            voucher: serde_json::from_str(&row.json)?,
        }))
    }

    /// The voucher, if it exists and belongs to `merchant` (when one is named).
    fn owned(&self, merchant: Option<&MerchantId>) -> ApiResult<Stored> {
        match self.load()? {
            Some(stored) if merchant.is_none_or(|m| *m == stored.merchant) => Ok(stored),
            _ => Err(ApiError::no_such_voucher()),
        }
    }

    /// Writes a changed voucher under the next version.
    fn save(&self, stored: &mut Stored) -> ApiResult<()> {
        stored.version += 1;
        self.sql.exec(
            "UPDATE voucher SET version = ?, json = ? WHERE singleton = 1",
            vec![
                SqlStorageValue::Integer(stored.version),
                SqlStorageValue::String(serde_json::to_string(&stored.voucher)?),
            ],
        )?;
        Ok(())
    }

    async fn run(&self, envelope: Envelope) -> ApiResult<String> {
        if matches!(envelope.command, Command::Create { .. }) {
            self.schema()?;
        } else if !self.has_schema()? {
            return Err(ApiError::no_such_voucher());
        }
        let merchant = envelope.merchant.as_ref();
        let voucher = match envelope.command {
            Command::Create { voucher } => return self.create(merchant, *voucher).await,
            Command::Get => self.owned(merchant)?.voucher,
            Command::Cancel => {
                self.change(merchant, VoucherEvent::Cancel, "cancelled")
                    .await?
            }
            Command::Expire => {
                // The sandbox's "as if the time had come": the alarm's own step.
                let mut stored = self.owned(merchant)?;
                self.expire(&mut stored)?;
                self.after_change(&mut stored).await;
                stored.voucher
            }
            Command::ExpireByAlarm => self.expire_by_alarm(merchant).await?,
            Command::Notify(notice) => {
                return Ok(serde_json::to_string(
                    &self.notify(merchant, notice).await?,
                )?);
            }
        };
        Ok(serde_json::to_string(&voucher)?)
    }

    async fn create(&self, merchant: Option<&MerchantId>, voucher: Voucher) -> ApiResult<String> {
        let merchant = merchant.ok_or_else(|| ApiError::internal("create without a merchant"))?;
        if let Some(stored) = self.load()? {
            // A resumed create (same idempotency key): the first attempt got this far.
            return if stored.merchant == *merchant {
                Ok(serde_json::to_string(&stored.voucher)?)
            } else {
                Err(ApiError::internal(
                    "voucher id already taken by another merchant",
                ))
            };
        }
        // The alarm first: an alarm with no voucher does nothing, a voucher with no alarm
        // would never expire.
        self.set_alarm_at(clock::millis(voucher.expires_at)).await?;
        let json = serde_json::to_string(&voucher)?;
        self.sql.exec(
            "INSERT INTO voucher (singleton, merchant_id, version, synced_version, json) VALUES (1, ?, 1, 0, ?)",
            vec![SqlStorageValue::String(merchant.to_string()), SqlStorageValue::String(json.clone())],
        )?;
        let mut stored = Stored {
            merchant: merchant.clone(),
            version: 1,
            synced_version: 0,
            voucher,
        };
        self.after_change(&mut stored).await;
        Ok(json)
    }

    /// The one expiry step, taken by the alarm at `expires_at` and by the sandbox on
    /// request: `pending` → `expired`, saved; anything else is `409` and unchanged.
    fn expire(&self, stored: &mut Stored) -> ApiResult<()> {
        match stored.voucher.status.apply(VoucherEvent::Expire) {
            Ok(Outcome::Moved(to)) => stored.voucher.status = to,
            Ok(Outcome::Flagged(_)) | Err(_) => {
                return Err(not_pending(stored.voucher.status, "expired"));
            }
        }
        self.save(stored)
    }

    /// Cancel on request: only from `pending`.
    async fn change(
        &self,
        merchant: Option<&MerchantId>,
        event: VoucherEvent,
        verb: &str,
    ) -> ApiResult<Voucher> {
        let mut stored = self.owned(merchant)?;
        match stored.voucher.status.apply(event) {
            Ok(Outcome::Moved(to)) => stored.voucher.status = to,
            Ok(Outcome::Flagged(_)) | Err(_) => {
                return Err(not_pending(stored.voucher.status, verb));
            }
        }
        self.save(&mut stored)?;
        self.after_change(&mut stored).await;
        Ok(stored.voucher)
    }

    async fn notify(&self, merchant: Option<&MerchantId>, notice: Notice) -> ApiResult<Applied> {
        let mut stored = self.owned(merchant)?;
        let seen = self
            .sql
            .exec(
                "SELECT 1 AS seen FROM notification WHERE id = ?",
                vec![SqlStorageValue::String(notice.notification_id.clone())],
            )?
            .to_array::<serde_json::Value>()?;
        if !seen.is_empty() {
            return Ok(Applied {
                changed: false,
                voucher: stored.voucher,
            });
        }
        let expected = stored.voucher.amount;
        if notice.amount.currency() != expected.currency() {
            return Err(ApiError::invalid(
                "currency",
                "currency_mismatch",
                "The notification's currency is not the voucher's.",
            ));
        }
        if notice.amount != expected {
            return Err(ApiError::invalid(
                "amount",
                "amount_mismatch",
                "The notification's amount is not the voucher's.",
            ));
        }
        let now = clock::now();
        let event = match notice.reported {
            Reported::Paid => VoucherEvent::Pay,
            Reported::Expired => VoucherEvent::Expire,
        };
        let outcome = match stored.voucher.status.apply(event) {
            Ok(Outcome::Moved(to)) => {
                stored.voucher.status = to;
                if to == VoucherStatus::Paid {
                    stored.voucher.paid_at = Some(notice.paid_at.unwrap_or(now));
                }
                format!("moved:{}", to.as_str())
            }
            Ok(Outcome::Flagged(reason)) => {
                stored.voucher.unexpected_payments.push(UnexpectedPayment {
                    reason,
                    amount: notice.amount,
                    paid_at: notice.paid_at.unwrap_or(now),
                    notification_id: notice.notification_id.clone(),
                });
                format!(
                    "flagged:{}",
                    serde_json::to_string(&reason)?.trim_matches('"')
                )
            }
            // A lapse reported for a voucher already settled: nothing to change.
            Err(_) => "ignored".to_owned(),
        };
        let changed = outcome != "ignored";
        // One synchronous step: the notification and the voucher commit together.
        self.sql.exec(
            "INSERT INTO notification (id, received_ms, outcome) VALUES (?, ?, ?)",
            vec![
                SqlStorageValue::String(notice.notification_id),
                SqlStorageValue::Integer(clock::millis(now)),
                SqlStorageValue::String(outcome),
            ],
        )?;
        if changed {
            self.save(&mut stored)?;
            self.after_change(&mut stored).await;
        }
        Ok(Applied {
            changed: true,
            voucher: stored.voucher,
        })
    }

    async fn on_alarm(&self) -> ApiResult<()> {
        if !self.has_schema()? {
            return Ok(());
        }
        let Some(mut stored) = self.load()? else {
            return Ok(());
        };
        let now = clock::now();
        let forced = !stored.voucher.livemode && self.take_sandbox_due()?;
        if (forced || is_due(&stored.voucher, now))
            && stored.voucher.status == VoucherStatus::Pending
        {
            self.expire(&mut stored)?;
        }
        self.after_change(&mut stored).await;
        Ok(())
    }

    /// Whether the sandbox asked this alarm to act as if due (and clears the request).
    fn take_sandbox_due(&self) -> ApiResult<bool> {
        let cursor = self
            .sql
            .exec("DELETE FROM sandbox_due RETURNING singleton", None)?;
        Ok(!cursor.to_array::<serde_json::Value>()?.is_empty())
    }

    /// The sandbox's `expire?via=alarm`: mark the voucher due and fire the alarm now.
    async fn expire_by_alarm(&self, merchant: Option<&MerchantId>) -> ApiResult<Voucher> {
        let stored = self.owned(merchant)?;
        if stored.voucher.livemode {
            return Err(ApiError::not_found());
        }
        if stored.voucher.status != VoucherStatus::Pending {
            return Err(not_pending(stored.voucher.status, "expired"));
        }
        self.sql.exec(
            "INSERT OR IGNORE INTO sandbox_due (singleton) VALUES (1)",
            None,
        )?;
        self.set_alarm_at(clock::millis(clock::now())).await?;
        Ok(stored.voucher)
    }

    /// Brings the ledger up to date, then sets the alarm for what remains to do.
    async fn after_change(&self, stored: &mut Stored) {
        if stored.synced_version < stored.version {
            match self.sync(stored).await {
                Ok(()) => stored.synced_version = stored.version,
                Err(e) => {
                    worker::console_error!("ledger update failed ({}); retrying by alarm", e.code)
                }
            }
        }
        if let Err(e) = self.schedule(stored).await {
            worker::console_error!("alarm could not be set ({})", e.code);
        }
    }

    async fn sync(&self, stored: &Stored) -> ApiResult<()> {
        let voucher = &stored.voucher;
        let row = ListingRow {
            id: voucher.id.clone(),
            version: stored.version,
            livemode: voucher.livemode,
            network: voucher.network,
            payment_code: voucher.payment_code.clone(),
            reference: voucher.reference.clone(),
            status: voucher.status.as_str().to_owned(),
            created_at: voucher
                .created_at
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(ApiError::internal)?,
            json: serde_json::to_string(voucher)?,
        };
        LedgerClient::of(&self.env, &stored.merchant)?
            .call::<ledger::Done>(&ledger::Command::Upsert { row })
            .await?;
        self.sql.exec(
            "UPDATE voucher SET synced_version = max(synced_version, ?) WHERE singleton = 1",
            vec![SqlStorageValue::Integer(stored.version)],
        )?;
        Ok(())
    }

    /// The alarm: at `expires_at` while pending, sooner while the ledger lags, else none.
    async fn schedule(&self, stored: &Stored) -> ApiResult<()> {
        let mut next: Option<i64> = None;
        if stored.voucher.status == VoucherStatus::Pending {
            next = Some(clock::millis(stored.voucher.expires_at));
        }
        if stored.synced_version < stored.version {
            let retry = clock::millis(clock::now()) + SYNC_RETRY_MS;
            next = Some(next.map_or(retry, |at| at.min(retry)));
        }
        match next {
            Some(at) => self.set_alarm_at(at).await,
            None => Ok(self.state.storage().delete_alarm().await?),
        }
    }

    async fn set_alarm_at(&self, at_ms: i64) -> ApiResult<()> {
        #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
        let date = worker::js_sys::Date::new(&(at_ms as f64).into());
        self.state
            .storage()
            .set_alarm(ScheduledTime::new(date))
            .await?;
        Ok(())
    }
}

/// Whether the alarm must expire this voucher now: pending and past its deadline.
fn is_due(voucher: &Voucher, now: OffsetDateTime) -> bool {
    voucher.status == VoucherStatus::Pending && now >= voucher.expires_at
}
