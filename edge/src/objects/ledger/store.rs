//! What the merchant's index stores: its schema (numbered migrations) and the rows its
//! queries read back.

use super::protocol::{Coded, RefundIds};
use crate::http::error::{ApiError, ApiResult};
use crate::objects::shell::json;
use serde::Deserialize;
use vale_shared::VoucherId;
use vale_shared::id::RefundId;

/// The schema, one step per version. Never edit a step that has shipped: add one.
pub(super) const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE voucher (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  livemode     INTEGER NOT NULL,
  network      TEXT NOT NULL,
  payment_code TEXT NOT NULL,
  reference    TEXT NOT NULL,
  status       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  version      INTEGER NOT NULL,
  wake_at_ms   INTEGER,
  UNIQUE (livemode, network, payment_code)
);
CREATE INDEX voucher_by_reference ON voucher (livemode, reference, seq);
CREATE INDEX voucher_by_status ON voucher (livemode, status, seq);
CREATE INDEX voucher_by_wake ON voucher (wake_at_ms);
",
    "
ALTER TABLE voucher ADD COLUMN asked_ms INTEGER;
CREATE INDEX voucher_to_ask ON voucher (livemode, network, status, asked_ms);
",
    "
CREATE TABLE refund (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT NOT NULL UNIQUE,
  livemode      INTEGER NOT NULL,
  status        TEXT NOT NULL,
  created_ms    INTEGER NOT NULL,
  processing_ms INTEGER
);
CREATE INDEX refund_by_status ON refund (livemode, status, seq);
CREATE INDEX refund_by_payout ON refund (livemode, processing_ms);
",
    "
ALTER TABLE voucher ADD COLUMN paid_ms INTEGER;
ALTER TABLE voucher ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX voucher_by_paid ON voucher (livemode, network, paid_ms);
",
    "
CREATE TABLE digest (
  day        TEXT NOT NULL,
  livemode   INTEGER NOT NULL,
  unsettled  TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (livemode, day)
);
",
    "
CREATE TABLE review (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  livemode   INTEGER NOT NULL,
  status     TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  body       TEXT NOT NULL
);
CREATE INDEX review_by_status ON review (livemode, status, seq);
",
    // A refund `Idempotency-Key` is the merchant's in one mode (review L3): its voucher.
    "
CREATE TABLE refund_key (
  key_hash TEXT PRIMARY KEY,
  livemode INTEGER NOT NULL,
  voucher  TEXT NOT NULL
);
CREATE INDEX refund_key_by_voucher ON refund_key (voucher);
",
];

#[derive(Deserialize)]
pub(super) struct BodyRow {
    pub(super) body: String,
}

#[derive(Deserialize)]
pub(super) struct IdRow {
    pub(super) id: String,
}

#[derive(Deserialize)]
pub(super) struct VoucherRow {
    pub(super) voucher: String,
}

pub(super) fn ids(rows: Vec<IdRow>) -> ApiResult<Vec<VoucherId>> {
    rows.into_iter()
        .map(|r| {
            r.id.parse()
                .map_err(|_| ApiError::internal("ledger: bad voucher id"))
        })
        .collect()
}

#[derive(Deserialize)]
pub(super) struct CodedRow {
    pub(super) id: String,
    pub(super) payment_code: String,
    pub(super) network: String,
}

pub(super) fn coded(rows: Vec<CodedRow>) -> ApiResult<Vec<Coded>> {
    rows.into_iter()
        .map(|r| {
            Ok(Coded {
                id: r
                    .id
                    .parse()
                    .map_err(|_| ApiError::internal("ledger: bad voucher id"))?,
                payment_code: r.payment_code,
                network: r.network,
            })
        })
        .collect()
}

/// A page of refund ids (one more was asked for, to know whether more follow).
pub(super) fn refund_ids(rows: Vec<IdRow>, limit: u32) -> ApiResult<String> {
    let has_more = rows.len() > limit as usize;
    let ids = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            r.id.parse()
                .map_err(|_| ApiError::internal("ledger: bad refund id"))
        })
        .collect::<ApiResult<Vec<RefundId>>>()?;
    json(&RefundIds { ids, has_more })
}
