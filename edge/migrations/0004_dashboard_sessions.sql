-- The merchant's dashboard sessions (issue #24): a key exchanged once for an 8-hour
-- session held in an HttpOnly cookie. Only the SHA-256 of the cookie's token is kept,
-- and the SHA-256 of the key (what configuration already holds), never either itself.
-- Sign-out deletes the row; an expired row is refused and deleted when next presented.
CREATE TABLE dashboard_session (
  token_hash  TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  livemode    INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  key_hash    TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER NOT NULL
);
CREATE INDEX dashboard_session_by_expiry ON dashboard_session (expires_ms);
