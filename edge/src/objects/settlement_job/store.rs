//! What a settlement job stores: its schema (numbered migrations), the job row and its
//! phases.

use crate::http::error::{ApiError, ApiResult};
use serde::Deserialize;
use vale_shared::id::SettlementId;
use vale_shared::{Currency, MerchantId, Network};

/// The schema, one step per version. Never edit a step that has shipped: add one.
pub(super) const MIGRATIONS: &[&str] = &["
CREATE TABLE job (
  singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
  id          TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  livemode    INTEGER NOT NULL,
  network     TEXT NOT NULL,
  file_date   TEXT NOT NULL,
  lines       INTEGER NOT NULL,
  total       INTEGER NOT NULL,
  currency    TEXT NOT NULL,
  phase       TEXT NOT NULL,
  reported    INTEGER NOT NULL DEFAULT 0,
  failures    INTEGER NOT NULL DEFAULT 0,
  created_ms  INTEGER NOT NULL,
  object      TEXT
);
CREATE TABLE line (
  n              INTEGER PRIMARY KEY,
  line           INTEGER,
  payment_code   TEXT NOT NULL,
  amount         INTEGER,
  paid_at        TEXT,
  operation      TEXT,
  voucher_id     TEXT,
  voucher_amount INTEGER,
  category       TEXT
);
CREATE INDEX line_by_code ON line (payment_code);
CREATE INDEX line_open ON line (voucher_id, n) WHERE category IS NULL;
"];

/// The job's phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Open,
    Lookup,
    Apply,
    Close,
    Report,
    Done,
}

impl Phase {
    const ALL: [Phase; 6] = [
        Phase::Open,
        Phase::Lookup,
        Phase::Apply,
        Phase::Close,
        Phase::Report,
        Phase::Done,
    ];

    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Phase::Open => "open",
            Phase::Lookup => "lookup",
            Phase::Apply => "apply",
            Phase::Close => "close",
            Phase::Report => "report",
            Phase::Done => "done",
        }
    }
}

/// The job's row.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct JobRow {
    pub(super) id: String,
    pub(super) merchant_id: String,
    pub(super) livemode: i64,
    pub(super) network: String,
    pub(super) file_date: String,
    pub(super) lines: i64,
    pub(super) total: i64,
    pub(super) currency: String,
    pub(super) phase: String,
    pub(super) reported: i64,
    pub(super) failures: i64,
    pub(super) created_ms: i64,
    pub(super) object: Option<String>,
}

/// A job as the runs use it.
#[derive(Debug, Clone)]
pub(super) struct Job {
    pub(super) id: SettlementId,
    pub(super) merchant: MerchantId,
    pub(super) livemode: bool,
    pub(super) network: Network,
    pub(super) file_date: time::Date,
    pub(super) lines: i64,
    pub(super) total: i64,
    pub(super) currency: Currency,
    pub(super) phase: Phase,
    pub(super) reported: i64,
    pub(super) failures: i64,
    pub(super) created_ms: i64,
    pub(super) object: Option<String>,
}

pub(super) fn corrupt(what: &str) -> ApiError {
    ApiError::internal(format!("settlement job: bad {what}"))
}

impl JobRow {
    pub(super) fn parse(self) -> ApiResult<Job> {
        let date = time::macros::format_description!("[year]-[month]-[day]");
        Ok(Job {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            merchant: self.merchant_id.parse().map_err(|_| corrupt("merchant"))?,
            livemode: self.livemode != 0,
            network: self.network.parse().map_err(|_| corrupt("network"))?,
            file_date: time::Date::parse(&self.file_date, &date).map_err(|_| corrupt("date"))?,
            lines: self.lines,
            total: self.total,
            currency: self.currency.parse().map_err(|_| corrupt("currency"))?,
            phase: Phase::ALL
                .into_iter()
                .find(|p| p.as_str() == self.phase)
                .ok_or_else(|| corrupt("phase"))?,
            reported: self.reported,
            failures: self.failures,
            created_ms: self.created_ms,
            object: self.object,
        })
    }
}
