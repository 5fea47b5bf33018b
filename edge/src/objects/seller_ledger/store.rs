//! What a seller ledger stores. An account is one JSON document in its stored form
//! ([`vale_shared::marketplace::Account::to_stored`]: the payout destination whole, the
//! document only masked); its status and requirements are derived from it. `status` is
//! also kept beside it, rewritten by every write of the account in the same statement,
//! only so `GET /v1/accounts?status=` pages in SQL. `seq` orders listings (newest first). `idempotency` keeps, per SHA-256 of an
//! `Idempotency-Key` of `POST /v1/accounts`, the SHA-256 of its body and the account it
//! made (a replay answers that account; another body is `422`).

/// The schema, one step per version. Never edit a step that has shipped: add one.
pub const MIGRATIONS: &[&str] = &["
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
"];
