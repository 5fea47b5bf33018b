//! What a seller ledger stores. An account is one JSON document in its stored form
//! ([`vale_shared::marketplace::Account::to_stored`]: the payout destination whole, the
//! document only masked); its status and requirements are derived from it. `status` is
//! also kept beside it, rewritten by every write of the account in the same statement,
//! only so `GET /v1/accounts?status=` pages in SQL. `seq` orders listings (newest first). `idempotency` keeps, per SHA-256 of an
//! `Idempotency-Key` of `POST /v1/accounts`, the SHA-256 of its body and the account it
//! made (a replay answers that account; another body is `422`).

/// The schema, one step per version. Never edit a step that has shipped: add one.
pub const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE account (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  data       TEXT NOT NULL,
  status     TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX account_by_status ON account (status, seq);
CREATE TABLE idempotency (
  key_sha256     TEXT PRIMARY KEY,
  request_sha256 TEXT NOT NULL,
  account        TEXT NOT NULL
);
",
    // Vouchers with a share for a seller, while they may still be pending: what
    // `max_open_vouchers` counts (`reserve`); and every voucher with a share for a
    // seller, newest last, which `Vale-Account` lists.
    "
CREATE TABLE open_voucher (
  voucher  TEXT NOT NULL,
  account  TEXT NOT NULL,
  until_ms INTEGER NOT NULL,
  PRIMARY KEY (voucher, account)
);
CREATE INDEX open_voucher_by_account ON open_voucher (account, until_ms);
CREATE TABLE seller_voucher (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  voucher TEXT NOT NULL,
  UNIQUE (account, voucher)
);
CREATE INDEX seller_voucher_by_account ON seller_voucher (account, seq);
",
    // Balance transactions (`book`): one row per thing booked, its id derived from what
    // it books; `account` NULL is the platform's. `settled`: the payments a settlement
    // file listed (a listing may come before its payment is booked).
    "
CREATE TABLE txn (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  account      TEXT,
  type         TEXT NOT NULL,
  amount       INTEGER NOT NULL,
  fee          INTEGER NOT NULL,
  currency     TEXT NOT NULL,
  status       TEXT NOT NULL,
  source       TEXT NOT NULL,
  voucher      TEXT,
  slot         TEXT,
  created_ms   INTEGER NOT NULL,
  available_ms INTEGER
);
CREATE INDEX txn_by_account ON txn (account, seq);
CREATE INDEX txn_by_voucher ON txn (voucher, seq);
CREATE TABLE settled (
  voucher   TEXT NOT NULL,
  slot      TEXT NOT NULL,
  listed_ms INTEGER,
  PRIMARY KEY (voucher, slot)
);
",
    // Payouts (`payouts`): the destination whole, frozen when made; and each day the
    // end-of-day run has run for.
    "
CREATE TABLE payout (
  id             TEXT PRIMARY KEY,
  account        TEXT NOT NULL,
  amount         INTEGER NOT NULL,
  currency       TEXT NOT NULL,
  status         TEXT NOT NULL,
  failure_reason TEXT,
  reference      TEXT,
  destination    TEXT,
  created_ms     INTEGER NOT NULL,
  closed_ms      INTEGER
);
CREATE INDEX payout_by_account ON payout (account, created_ms);
CREATE TABLE payout_run (
  day    TEXT PRIMARY KEY,
  ran_ms INTEGER NOT NULL
);
CREATE TABLE voucher_code (
  voucher      TEXT PRIMARY KEY,
  payment_code TEXT NOT NULL,
  network      TEXT NOT NULL
);
",
    // Events written with their change, until the platform's events object has them
    // (`outbox`): `account.updated`, `payout.*`.
    "
CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id   TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  account    TEXT,
  livemode   INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  data       TEXT NOT NULL
);
",
];
