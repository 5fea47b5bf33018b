//! What a voucher object stores: its schema as numbered migration steps (`MIGRATIONS`;
//! an object brings its storage up to the newest step before it reads anything), the
//! voucher row (`Stored`: what was issued, its money state as columns, versions) and how
//! each change is written with its event in the outbox. Its payments are
//! [`super::payments`]'s; the API's JSON is rendered in [`super::render`].

use super::payments::PaymentRow;
use crate::http::error::{ApiError, ApiResult};
use crate::runtime::storage::{flag, int, opt_int, text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use vale_shared::barcode::Barcode;
use vale_shared::event::{EventType, event_id};
use vale_shared::voucher::{Customer, Life};
use vale_shared::{Currency, MerchantId, Money, Network, VoucherId};
use worker::SqlStorage;

/// The schema, one step per version. Never edit a step that has shipped: add one.
pub const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE voucher (
  singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
  id              TEXT NOT NULL,
  merchant_id     TEXT NOT NULL,
  livemode        INTEGER NOT NULL,
  network         TEXT NOT NULL,
  amount          INTEGER NOT NULL,
  currency        TEXT NOT NULL,
  payment_code    TEXT NOT NULL,
  issued          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  window_s        INTEGER NOT NULL,
  status          TEXT NOT NULL,
  paid_at         INTEGER,
  expired_at      INTEGER,
  cancelled_at    INTEGER,
  clock_offset_s  INTEGER NOT NULL DEFAULT 0,
  version         INTEGER NOT NULL,
  indexed_version INTEGER NOT NULL DEFAULT 0,
  index_failures  INTEGER NOT NULL DEFAULT 0,
  sandbox_due     INTEGER NOT NULL DEFAULT 0,
  request_hash    TEXT,
  response        TEXT
);
CREATE TABLE payment (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  network_key     TEXT NOT NULL UNIQUE,
  paid_under      TEXT NOT NULL,
  amount          INTEGER NOT NULL,
  currency        TEXT NOT NULL,
  paid_at         INTEGER NOT NULL,
  source          TEXT NOT NULL,
  outcome         TEXT NOT NULL,
  reason          TEXT,
  notification_id TEXT NOT NULL
);
CREATE TABLE notification (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  message_id  TEXT,
  network_key TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  body        TEXT
);
",
    "
CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id   TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  data       TEXT NOT NULL,
  forwarded  INTEGER NOT NULL DEFAULT 0
);
",
    "
CREATE TABLE refund (
  number               INTEGER PRIMARY KEY,
  id                   TEXT NOT NULL UNIQUE,
  payment_seq          INTEGER,
  amount               INTEGER NOT NULL,
  currency             TEXT NOT NULL,
  reason               TEXT NOT NULL,
  status               TEXT NOT NULL,
  metadata             TEXT NOT NULL,
  created_by           TEXT NOT NULL,
  created_ms           INTEGER NOT NULL,
  expires_ms           INTEGER NOT NULL,
  destination          TEXT,
  withdrawal_code      TEXT,
  collectable_until_ms INTEGER,
  processing_ms        INTEGER,
  succeeded_ms         INTEGER,
  failure_reason       TEXT,
  settle_reference     TEXT,
  changed_ms           INTEGER NOT NULL,
  version              INTEGER NOT NULL
);
CREATE TABLE refund_key (
  key_hash     TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  refund_id    TEXT NOT NULL,
  response     TEXT NOT NULL
);
",
    // Refunds: approval binds the payee (review M3); a withdrawal past its date is only
    // marked, never failed (review H2). A refund left waiting from before needs approval.
    "
ALTER TABLE refund ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refund ADD COLUMN approved_for TEXT;
ALTER TABLE refund ADD COLUMN approved_by TEXT;
ALTER TABLE refund ADD COLUMN approved_ms INTEGER;
ALTER TABLE refund ADD COLUMN past_due_ms INTEGER;
UPDATE refund SET approval_required = 1 WHERE status = 'pending_approval';
",
    // One payment, whatever reports it (review H1): a payment's whole identity (the key
    // of the notification or search that named it; none while only settlement lines
    // have), and every settlement line that listed a payment, with what it said of its
    // identity. Payments a settlement line recorded before this step are counted as
    // listed once, under what their old key said.
    "
ALTER TABLE payment ADD COLUMN identity TEXT;
UPDATE payment SET identity = network_key WHERE source <> 'settlement';
CREATE TABLE listing (
  settlement  TEXT NOT NULL,
  line        INTEGER NOT NULL,
  category    TEXT NOT NULL,
  payment_seq INTEGER,
  listed_as   TEXT,
  PRIMARY KEY (settlement, line)
);
CREATE INDEX listing_by_payment ON listing (payment_seq);
INSERT INTO listing (settlement, line, category, payment_seq, listed_as)
  SELECT 'before-identities', seq,
         CASE WHEN outcome = 'applied' THEN 'paid_without_notification'
              WHEN reason IN ('paid_twice', 'code_mismatch') THEN 'unexpected_payment'
              ELSE 'late_payment' END,
         seq,
         CASE WHEN network_key LIKE 'efecty:line-%' THEN NULL
              WHEN network_key LIKE 'efecty:%' THEN substr(network_key, 8)
              WHEN network_key LIKE 'pagoefectivo:cip.paid:%' THEN substr(network_key, 23)
         END
    FROM payment WHERE source = 'settlement';
",
    // A marketplace refund's parts (`refund_splits`, or the one seller it was made
    // for): JSON `[{account, amount}]`; NULL: in proportion (issue #23).
    "
ALTER TABLE refund ADD COLUMN splits TEXT;
",
];

/// How long raw notification bodies are kept in the audit trail.
pub const BODY_RETENTION: Duration = Duration::days(180);
/// How long a voucher is kept after it last changed.
pub const VOUCHER_RETENTION: Duration = Duration::days(5 * 366);

/// The parts of a voucher fixed when it was issued, kept as one JSON column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issued {
    /// The merchant's order id.
    pub reference: String,
    /// Shown on the voucher.
    pub description: Option<String>,
    /// What the cashier scans.
    pub barcode: Barcode,
    /// Who pays.
    #[serde(default)]
    pub customer: Customer,
    /// The merchant's keys and values.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The "back to the store" link.
    #[serde(default)]
    pub return_url: Option<String>,
    /// The network's own page for the code (PagoEfectivo's `cipUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_url: Option<String>,
    /// The public origin of the edge when it was issued (for `hosted_url`).
    pub origin: String,
    /// The risk counters this voucher was counted in (their names, hashes of the
    /// signal values): told when it is paid, expires or is cancelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk_counters: Vec<String>,
    /// The review a risk rule opened on create, if any: until it is approved the voucher
    /// shows no payment code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::objects::voucher::review::VoucherReview>,
    /// A marketplace platform's voucher for its sellers: the split and the seller's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<crate::objects::voucher::market::Sold>,
}

/// A voucher as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    /// `vch_…`.
    pub id: VoucherId,
    /// Its merchant.
    pub merchant: MerchantId,
    /// Live or test.
    pub livemode: bool,
    /// Its network.
    pub network: Network,
    /// What it asks for.
    pub amount: Money,
    /// The CIP or Efecty reference.
    pub payment_code: String,
    /// What was fixed at issue.
    pub issued: Issued,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// Its money state.
    pub life: Life,
    /// Sandbox time travel: how far this (test-mode) voucher's clock runs ahead.
    pub clock_offset: Duration,
    /// Bumped on every change.
    pub version: i64,
    /// The version the merchant's index has.
    pub indexed_version: i64,
    /// Index updates that failed in a row (for back-off).
    pub index_failures: i64,
    /// What refunds of the voucher's own payment gave back and hold.
    pub refunds: RefundTotals,
}

/// The refunds of a voucher's own payment, summed (unexpected payments' refunds apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefundTotals {
    /// Succeeded, in minor units.
    pub refunded: i64,
    /// Not failed, cancelled or expired (what is spoken for), in minor units.
    pub held: i64,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    merchant_id: String,
    livemode: i64,
    network: String,
    amount: i64,
    currency: String,
    payment_code: String,
    issued: String,
    created_at: i64,
    expires_at: i64,
    window_s: i64,
    status: String,
    paid_at: Option<i64>,
    expired_at: Option<i64>,
    cancelled_at: Option<i64>,
    clock_offset_s: i64,
    version: i64,
    indexed_version: i64,
    index_failures: i64,
    refunded: i64,
    held: i64,
}

pub(super) fn corrupt(what: &str) -> ApiError {
    ApiError::internal(format!("stored voucher: bad {what}"))
}

/// An instant from stored Unix seconds.
pub fn at(secs: i64) -> ApiResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| corrupt("time"))
}

fn opt_at(secs: Option<i64>) -> ApiResult<Option<OffsetDateTime>> {
    secs.map(at).transpose()
}

impl Stored {
    /// The voucher, if this object holds one.
    pub fn load(sql: &SqlStorage) -> ApiResult<Option<Stored>> {
        let rows: Vec<Row> = sql
            .exec(
                "SELECT id, merchant_id, livemode, network, amount, currency, payment_code, issued,
                        created_at, expires_at, window_s, status, paid_at, expired_at, cancelled_at,
                        clock_offset_s, version, indexed_version, index_failures,
                        (SELECT COALESCE(SUM(amount), 0) FROM refund
                          WHERE payment_seq IS NULL AND status = 'succeeded') AS refunded,
                        (SELECT COALESCE(SUM(amount), 0) FROM refund WHERE payment_seq IS NULL
                          AND status IN ('pending_approval', 'requires_action', 'processing', 'succeeded')) AS held
                 FROM voucher",
                None,
            )?
            .to_array()?;
        let Some(r) = rows.into_iter().next() else {
            return Ok(None);
        };
        let network: Network = r.network.parse().map_err(|_| corrupt("network"))?;
        let currency: Currency = r.currency.parse().map_err(|_| corrupt("currency"))?;
        Ok(Some(Stored {
            id: r.id.parse().map_err(|_| corrupt("id"))?,
            merchant: r.merchant_id.parse().map_err(|_| corrupt("merchant"))?,
            livemode: r.livemode != 0,
            network,
            amount: Money::new(r.amount, currency).map_err(|_| corrupt("amount"))?,
            payment_code: r.payment_code,
            issued: serde_json::from_str(&r.issued)?,
            created_at: at(r.created_at)?,
            life: Life {
                status: r.status.parse().map_err(|_| corrupt("status"))?,
                expires_at: at(r.expires_at)?,
                window: Duration::seconds(r.window_s),
                paid_at: opt_at(r.paid_at)?,
                expired_at: opt_at(r.expired_at)?,
                cancelled_at: opt_at(r.cancelled_at)?,
            },
            clock_offset: Duration::seconds(r.clock_offset_s),
            version: r.version,
            indexed_version: r.indexed_version,
            index_failures: r.index_failures,
            refunds: RefundTotals {
                refunded: r.refunded,
                held: r.held,
            },
        }))
    }

    /// Writes a new voucher (version 1, not yet indexed beyond its claim).
    pub fn insert(&self, sql: &SqlStorage) -> ApiResult<()> {
        sql.exec(
            "INSERT INTO voucher (singleton, id, merchant_id, livemode, network, amount, currency,
                payment_code, issued, created_at, expires_at, window_s, status, version, indexed_version)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                text(self.id.as_str()),
                text(self.merchant.as_str()),
                flag(self.livemode),
                text(self.network.as_str()),
                int(self.amount.minor()),
                text(self.amount.currency().code()),
                text(&self.payment_code),
                text(&serde_json::to_string(&self.issued)?),
                int(self.created_at.unix_timestamp()),
                int(self.life.expires_at.unix_timestamp()),
                int(self.life.window.whole_seconds()),
                text(self.life.status.as_str()),
                int(self.version),
                int(self.indexed_version),
            ],
        )?;
        Ok(())
    }

    /// Writes a changed money state under the next version, and the event of the move
    /// (if it emits one) into the outbox, in the same transaction as the caller's.
    pub fn record_move(
        &mut self,
        sql: &SqlStorage,
        life: Life,
        server_key: &[u8],
        now_ms: i64,
    ) -> ApiResult<()> {
        let before = self.life.status;
        self.save_life(sql, life)?;
        if let Some(kind) = EventType::of_move(before, life.status) {
            self.emit(sql, kind, &self.version.to_string(), server_key, now_ms)?;
        }
        // An open review has nothing left to decide once the voucher left pending.
        let life = self.life;
        if let Some(review) = self.issued.review.as_mut()
            && review.void_if_ended(&life)
        {
            self.save_issued(sql)?;
            let data = serde_json::to_string(&self.review())?;
            self.emit_data(sql, EventType::ReviewClosed, "review", &data, now_ms)?;
        }
        Ok(())
    }

    /// Writes the event `kind` of the change named `change` into the outbox, with the
    /// voucher as it now is. The id is derived from the change: writing it twice is one event.
    pub fn emit(
        &self,
        sql: &SqlStorage,
        kind: EventType,
        change: &str,
        server_key: &[u8],
        now_ms: i64,
    ) -> ApiResult<()> {
        let payments = PaymentRow::load_all(sql)?;
        let data = self.render_json(server_key, &payments)?.to_string();
        self.emit_data(sql, kind, change, &data, now_ms)
    }

    /// Writes event `kind` of the change named `change` with `data` (a rendered object)
    /// into the outbox; writing it twice is one event.
    pub fn emit_data(
        &self,
        sql: &SqlStorage,
        kind: EventType,
        change: &str,
        data: &str,
        now_ms: i64,
    ) -> ApiResult<()> {
        sql.exec(
            "INSERT OR IGNORE INTO outbox (event_id, type, created_ms, data) VALUES (?, ?, ?, ?)",
            vec![
                text(event_id(&self.id, kind, change).as_str()),
                text(kind.as_str()),
                int(now_ms),
                text(data),
            ],
        )?;
        Ok(())
    }

    /// A new version with no change of money state (a refund moved): the index learns it.
    pub fn touch(&mut self, sql: &SqlStorage) -> ApiResult<()> {
        self.version += 1;
        sql.exec("UPDATE voucher SET version = ?", vec![int(self.version)])?;
        Ok(())
    }

    /// Writes a changed money state under the next version. Its instants are kept to the
    /// second (as stored), so what is rendered from memory equals what is read back.
    pub fn save_life(&mut self, sql: &SqlStorage, life: Life) -> ApiResult<()> {
        let second = |t: Option<OffsetDateTime>| t.map(to_the_second);
        let life = Life {
            paid_at: second(life.paid_at),
            expired_at: second(life.expired_at),
            cancelled_at: second(life.cancelled_at),
            ..life
        };
        self.life = life;
        self.version += 1;
        let secs = |t: Option<OffsetDateTime>| opt_int(t.map(OffsetDateTime::unix_timestamp));
        sql.exec(
            "UPDATE voucher SET status = ?, paid_at = ?, expired_at = ?, cancelled_at = ?, version = ?",
            vec![
                text(life.status.as_str()),
                secs(life.paid_at),
                secs(life.expired_at),
                secs(life.cancelled_at),
                int(self.version),
            ],
        )?;
        Ok(())
    }

    /// Writes a moved deadline (`life`, decided by `Life::move_deadline`) and the barcode
    /// that says it under the next version, in the caller's transaction.
    pub fn save_deadline(
        &mut self,
        sql: &SqlStorage,
        life: Life,
        barcode: Barcode,
    ) -> ApiResult<()> {
        self.issued.barcode = barcode;
        sql.exec(
            "UPDATE voucher SET expires_at = ?, issued = ?",
            vec![
                int(life.expires_at.unix_timestamp()),
                text(&serde_json::to_string(&self.issued)?),
            ],
        )?;
        self.save_life(sql, life)
    }

    /// The voucher's clock: the runtime's, plus its sandbox offset.
    pub fn now(&self, real: OffsetDateTime) -> OffsetDateTime {
        real + self.clock_offset
    }

    /// Rewrites the parts fixed at issue (a review closing).
    pub fn save_issued(&self, sql: &SqlStorage) -> ApiResult<()> {
        sql.exec(
            "UPDATE voucher SET issued = ?",
            vec![text(&serde_json::to_string(&self.issued)?)],
        )?;
        Ok(())
    }
}

/// `t` without its fraction of a second.
pub fn to_the_second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}
