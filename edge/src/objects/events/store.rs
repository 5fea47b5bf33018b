//! What the events object stores: its schema (numbered migrations) and its event rows, and
//! how an event is rendered from its row (the stored JSON spliced in, not re-parsed).

use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::clock;
use serde::Deserialize;
use time::OffsetDateTime;

/// The schema, one step per version. Never edit a step that has shipped: add one.
pub(super) const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE event (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  livemode   INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  data       TEXT NOT NULL
);
CREATE INDEX event_by_type ON event (type, seq);
",
    "
CREATE TABLE endpoint (
  seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
  id                  TEXT NOT NULL UNIQUE,
  url                 TEXT NOT NULL,
  events              TEXT NOT NULL,
  secret              TEXT NOT NULL,
  old_secret          TEXT,
  old_secret_until_ms INTEGER,
  livemode            INTEGER NOT NULL,
  status              TEXT NOT NULL,
  disabled_reason     TEXT,
  failing_since_ms    INTEGER,
  created_ms          INTEGER NOT NULL
);
CREATE TABLE delivery (
  endpoint_id TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at_ms  INTEGER,
  state       TEXT NOT NULL,
  last_status INTEGER,
  last_answer TEXT,
  PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX delivery_due ON delivery (state, next_at_ms);
",
    // When an event's data loses its customer (review L7). Events kept before this step
    // that may carry one are due 30 days after they were made (the redaction itself
    // decides whether there is anything to remove).
    "
ALTER TABLE event ADD COLUMN redact_at_ms INTEGER;
UPDATE event SET redact_at_ms = created_ms + 2592000000 WHERE data LIKE '%\"customer\":{\"%';
CREATE INDEX event_to_redact ON event (redact_at_ms) WHERE redact_at_ms IS NOT NULL;
",
    // The marketplace seller an event is about (issue #23); NULL: the merchant's own.
    "
ALTER TABLE event ADD COLUMN account TEXT;
",
];

#[derive(Deserialize)]
pub(super) struct EventRow {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) livemode: i64,
    pub(super) created_ms: i64,
    pub(super) data: String,
    pub(super) pending: i64,
    #[serde(default)]
    pub(super) account: Option<String>,
}

pub(super) const EVENT_COLUMNS: &str = "id, type, livemode, created_ms, data, account,
  (SELECT COUNT(*) FROM delivery d WHERE d.event_id = event.id AND d.state = 'pending') AS pending";

pub(super) fn rfc3339(ms: i64) -> ApiResult<String> {
    let at = clock::from_millis(u64::try_from(ms).unwrap_or(0))
        .to_offset(time::macros::offset!(-5))
        .replace_millisecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339)
        .map_err(ApiError::internal)
}

/// The event as the API shows it (with `pending_webhooks`), or as delivered (without),
/// built around its stored JSON without re-parsing it.
pub(super) fn render(row: &EventRow, with_pending: bool) -> ApiResult<String> {
    let pending = if with_pending {
        format!(r#","pending_webhooks":{}"#, row.pending)
    } else {
        String::new()
    };
    Ok(format!(
        r#"{{"id":{},"object":"event","type":{},"livemode":{},"created_at":{},"account":{},"data":{}{pending}}}"#,
        serde_json::to_string(&row.id)?,
        serde_json::to_string(&row.kind)?,
        row.livemode != 0,
        serde_json::to_string(&rfc3339(row.created_ms)?)?,
        serde_json::to_string(&row.account)?,
        row.data
    ))
}

pub(super) fn missing(what: &str) -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        format!("No such {what}."),
    )
    .with_param("id")
}
