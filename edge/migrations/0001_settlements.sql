-- Vale's reporting database (D1): settlements and their lines. Written from the edge after
-- the voucher objects (the source of truth) have decided; never read to decide money.
CREATE TABLE settlement (
  id          TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  livemode    INTEGER NOT NULL,
  network     TEXT NOT NULL,
  file_date   TEXT NOT NULL,
  lines       INTEGER NOT NULL,
  total       INTEGER NOT NULL,
  currency    TEXT NOT NULL,
  counts      TEXT NOT NULL,
  created_ms  INTEGER NOT NULL
);
CREATE INDEX settlement_by_merchant ON settlement (merchant_id, livemode, created_ms);
CREATE TABLE settlement_line (
  settlement_id   TEXT NOT NULL,
  n               INTEGER NOT NULL,
  line            INTEGER,
  category        TEXT NOT NULL,
  payment_code    TEXT NOT NULL,
  voucher_id      TEXT,
  amount          INTEGER,
  voucher_amount  INTEGER,
  operation       TEXT,
  paid_at         TEXT,
  PRIMARY KEY (settlement_id, n)
);
CREATE INDEX settlement_line_by_category ON settlement_line (settlement_id, category, n);
