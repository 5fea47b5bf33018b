//! The `Events` Durable Object: a merchant's events in one mode, its webhook endpoints and
//! the deliveries of each event to each endpoint, driven by its alarm.
//!
//! Recording an event (each id once) adds one pending delivery per enabled endpoint that
//! takes its type, in the same transaction. The alarm sends what is due (in parallel),
//! then, reloaded after those awaits, writes each result: a 2xx ends the delivery; a
//! failure schedules the next attempt (`vale_shared::event::RETRY_SCHEDULE`) or, past the
//! last, marks it failed. An endpoint whose every delivery failed for 5 days is disabled
//! and says why. The next alarm is the earliest due delivery or redaction, read from
//! storage.
//!
//! Retention (review L7): an event whose data carries a voucher's `customer` loses it
//! (`customer: {}`) 30 days after it was made ([`super::retention`]); the event stays.
//! `VALE_EVENT_CUSTOMER_RETENTION_SECONDS` (tests only) shortens the 30 days.

use super::delivery::{self, Attempt};
use super::endpoint::{ENDPOINT_COLUMNS, EndpointRow};
use super::protocol::{Command, Forwarded};
use super::retention;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::clock;
use crate::runtime::rpc;
use crate::runtime::storage::{self, flag, int, opt_int, opt_text, text};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Deserialize;
use std::cell::Cell;
use time::OffsetDateTime;
use vale_shared::event::{EventType, is_worn_out, retry_after};
use worker::{
    DurableObject, Env, Request, Response, Result, ScheduledTime, SqlStorage, State, durable_object,
};

/// The schema, one step per version. Never edit a step that has shipped: add one.
const MIGRATIONS: &[&str] = &[
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
];

/// How many deliveries one alarm sends at once.
const BATCH: i64 = 50;
/// How many events one alarm redacts at once.
const REDACT_BATCH: i64 = 200;
/// How long the old secret still signs after a rotation.
const ROTATION_MS: i64 = 24 * 3_600_000;

/// A merchant's events, endpoints and deliveries in one mode.
#[durable_object]
pub struct Events {
    state: State,
    sql: SqlStorage,
    ready: Cell<bool>,
    /// Whether a delivery pass is under way: one at a time, or a wake-up arriving during
    /// a pass's sends would send the same deliveries again.
    delivering: Cell<bool>,
    /// How long an event keeps a voucher's customer (ms).
    retention_ms: i64,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl DurableObject for Events {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        // Tests only: a test watches the redaction happen in seconds.
        let retention_ms = env
            .var("VALE_EVENT_CUSTOMER_RETENTION_SECONDS")
            .ok()
            .and_then(|v| v.to_string().parse::<u32>().ok())
            .map_or(retention::CUSTOMER_RETENTION_MS, |s| i64::from(s) * 1000);
        Events {
            state,
            sql,
            ready: Cell::new(false),
            delivering: Cell::new(false),
            retention_ms,
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Command>(&mut req).await {
            Ok(command) => self.run(command).await,
            Err(e) => Err(e),
        };
        Ok(rpc::reply(result))
    }

    async fn alarm(&self) -> Result<Response> {
        if let Err(e) = self.deliver_due().await {
            return Err(worker::Error::RustError(format!(
                "delivery failed: {}",
                e.code
            )));
        }
        Response::ok("")
    }
}

#[derive(Deserialize)]
struct EventRow {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    livemode: i64,
    created_ms: i64,
    data: String,
    pending: i64,
}

const EVENT_COLUMNS: &str = "id, type, livemode, created_ms, data,
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
fn render(row: &EventRow, with_pending: bool) -> ApiResult<String> {
    let pending = if with_pending {
        format!(r#","pending_webhooks":{}"#, row.pending)
    } else {
        String::new()
    };
    Ok(format!(
        r#"{{"id":{},"object":"event","type":{},"livemode":{},"created_at":{},"data":{}{pending}}}"#,
        serde_json::to_string(&row.id)?,
        serde_json::to_string(&row.kind)?,
        row.livemode != 0,
        serde_json::to_string(&rfc3339(row.created_ms)?)?,
        row.data
    ))
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        format!("No such {what}."),
    )
    .with_param("id")
}

impl Events {
    fn endpoints(
        &self,
        clause: &str,
        bindings: Vec<worker::SqlStorageValue>,
    ) -> ApiResult<Vec<EndpointRow>> {
        Ok(self
            .sql
            .exec(
                &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoint {clause}"),
                bindings,
            )?
            .to_array()?)
    }

    fn endpoint(&self, id: &str) -> ApiResult<EndpointRow> {
        self.endpoints("WHERE id = ?", vec![text(id)])?
            .into_iter()
            .next()
            .ok_or_else(|| missing("webhook endpoint"))
    }

    fn event(&self, id: &str) -> ApiResult<EventRow> {
        self.sql
            .exec(
                &format!("SELECT {EVENT_COLUMNS} FROM event WHERE id = ?"),
                vec![text(id)],
            )?
            .to_array::<EventRow>()?
            .into_iter()
            .next()
            .ok_or_else(|| missing("event"))
    }

    async fn run(&self, command: Command) -> ApiResult<String> {
        // The sweep wakes every merchant's objects of both modes: one never used stays empty.
        if matches!(command, Command::Wake)
            && !self.ready.get()
            && !storage::has_table(&self.sql, "event")?
        {
            return Ok(r#"{"ok":true}"#.to_owned());
        }
        if !self.ready.get() {
            storage::migrate(&self.state.storage(), &self.sql, MIGRATIONS)?;
            self.ready.set(true);
        }
        let now_ms = clock::millis(clock::now());
        let answer = match command {
            Command::Record { livemode, events } => {
                let endpoints = self.endpoints("WHERE status = 'enabled'", vec![])?;
                let targets: Vec<(String, Vec<String>)> = events
                    .iter()
                    .map(|e| {
                        let ids = endpoints
                            .iter()
                            .filter(|ep| ep.takes(e.kind.as_str()))
                            .map(|ep| ep.id.clone())
                            .collect();
                        (e.id.to_string(), ids)
                    })
                    .collect();
                let retention_ms = self.retention_ms;
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    for (
                        Forwarded {
                            id,
                            kind,
                            created_ms,
                            data,
                        },
                        (_, endpoint_ids),
                    ) in events.iter().zip(&targets)
                    {
                        let redact_at = retention::redact_at(*created_ms, data, retention_ms);
                        let fresh = sql
                            .exec(
                                "INSERT OR IGNORE INTO event (id, type, livemode, created_ms, data, redact_at_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                vec![text(id.as_str()), text(kind.as_str()), flag(livemode), int(*created_ms), text(data), opt_int(redact_at)],
                            )?
                            .to_array::<serde_json::Value>()?;
                        // A forward seen before adds no delivery: one change, one event.
                        if fresh.is_empty() {
                            continue;
                        }
                        for endpoint in endpoint_ids {
                            sql.exec(
                                "INSERT OR IGNORE INTO delivery (endpoint_id, event_id, next_at_ms, state) VALUES (?, ?, ?, 'pending')",
                                vec![text(endpoint), text(id.as_str()), int(now_ms)],
                            )?;
                        }
                    }
                    Ok(())
                })?;
                r#"{"ok":true}"#.to_owned()
            }
            Command::Get { id } => render(&self.event(id.as_str())?, true)?,
            Command::List {
                kind,
                limit,
                starting_after,
            } => self.list(kind, limit, starting_after.as_ref().map(|id| id.as_str()))?,
            Command::Retry { id } => {
                let event = self.event(id.as_str())?;
                let targets: Vec<String> = self
                    .endpoints("WHERE status = 'enabled'", vec![])?
                    .into_iter()
                    .filter(|ep| ep.takes(&event.kind))
                    .map(|ep| ep.id)
                    .collect();
                let event_id = event.id.clone();
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    for endpoint in &targets {
                        sql.exec(
                            "INSERT INTO delivery (endpoint_id, event_id, next_at_ms, state) VALUES (?, ?, ?, 'pending')
                             ON CONFLICT (endpoint_id, event_id) DO UPDATE SET attempts = 0, next_at_ms = excluded.next_at_ms, state = 'pending'",
                            vec![text(endpoint), text(&event_id), int(now_ms)],
                        )?;
                    }
                    Ok(())
                })?;
                render(&self.event(id.as_str())?, true)?
            }
            Command::CreateEndpoint {
                id,
                url,
                events,
                secret,
                livemode,
            } => {
                let events = match events {
                    None => vec!["*".to_owned()],
                    Some(list) => list.iter().map(|k| k.as_str().to_owned()).collect(),
                };
                self.sql.exec(
                    "INSERT INTO endpoint (id, url, events, secret, livemode, status, created_ms) VALUES (?, ?, ?, ?, ?, 'enabled', ?)",
                    vec![text(id.as_str()), text(&url), text(&serde_json::to_string(&events)?), text(&secret), flag(livemode), int(now_ms)],
                )?;
                self.endpoint(id.as_str())?.render(true)?.to_string()
            }
            Command::ListEndpoints => {
                let rows = self.endpoints("ORDER BY seq DESC", vec![])?;
                let data = rows
                    .iter()
                    .map(|r| r.render(false))
                    .collect::<ApiResult<Vec<_>>>()?;
                serde_json::json!({"object": "list", "data": data, "has_more": false}).to_string()
            }
            Command::GetEndpoint { id } => self.endpoint(id.as_str())?.render(false)?.to_string(),
            Command::DeleteEndpoint { id } => {
                self.endpoint(id.as_str())?;
                let gone = id.to_string();
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    sql.exec(
                        "DELETE FROM delivery WHERE endpoint_id = ?",
                        vec![text(&gone)],
                    )?;
                    sql.exec("DELETE FROM endpoint WHERE id = ?", vec![text(&gone)])?;
                    Ok(())
                })?;
                serde_json::json!({"id": id, "object": "webhook_endpoint", "deleted": true})
                    .to_string()
            }
            Command::EnableEndpoint { id } => {
                self.endpoint(id.as_str())?;
                let on = id.to_string();
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    sql.exec(
                        "UPDATE endpoint SET status = 'enabled', disabled_reason = NULL, failing_since_ms = NULL WHERE id = ?",
                        vec![text(&on)],
                    )?;
                    // What waited while it was off is due now.
                    sql.exec(
                        "UPDATE delivery SET next_at_ms = ? WHERE endpoint_id = ? AND state = 'pending'",
                        vec![int(now_ms), text(&on)],
                    )?;
                    Ok(())
                })?;
                self.endpoint(id.as_str())?.render(false)?.to_string()
            }
            Command::RotateSecret { id, secret } => {
                self.endpoint(id.as_str())?;
                self.sql.exec(
                    "UPDATE endpoint SET old_secret = secret, old_secret_until_ms = ?, secret = ? WHERE id = ?",
                    vec![int(now_ms + ROTATION_MS), text(&secret), text(id.as_str())],
                )?;
                serde_json::json!({"id": id, "object": "webhook_endpoint", "secret": secret})
                    .to_string()
            }
            Command::SandboxAdvanceEndpoint { id, seconds } => {
                let endpoint = self.endpoint(id.as_str())?;
                if endpoint.livemode != 0 {
                    return Err(ApiError::not_found());
                }
                let (on, ms) = (id.to_string(), seconds.saturating_mul(1000));
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    sql.exec(
                        "UPDATE endpoint SET failing_since_ms = failing_since_ms - ? WHERE id = ?",
                        vec![int(ms), text(&on)],
                    )?;
                    sql.exec(
                        "UPDATE delivery SET next_at_ms = next_at_ms - ? WHERE endpoint_id = ? AND state = 'pending'",
                        vec![int(ms), text(&on)],
                    )?;
                    Ok(())
                })?;
                self.endpoint(id.as_str())?.render(false)?.to_string()
            }
            Command::Wake => {
                // Deliver what fell due while the runtime was down, now.
                self.deliver_due().await?;
                return Ok(r#"{"ok":true}"#.to_owned());
            }
        };
        self.schedule().await?;
        Ok(answer)
    }

    fn list(&self, kind: Option<EventType>, limit: u32, after: Option<&str>) -> ApiResult<String> {
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM event WHERE 1 = 1");
        let mut bindings = Vec::new();
        if let Some(kind) = kind {
            sql.push_str(" AND type = ?");
            bindings.push(text(kind.as_str()));
        }
        if let Some(after) = after {
            let seq = storage::cursor(&self.sql, "event", after, "an event of this account")?;
            sql.push_str(" AND seq < ?");
            bindings.push(int(seq));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        bindings.push(int(i64::from(limit) + 1));
        let rows: Vec<EventRow> = self.sql.exec(&sql, bindings)?.to_array()?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut body = String::from(r#"{"object":"list","data":["#);
        for (i, row) in rows.iter().take(limit).enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&render(row, true)?);
        }
        body.push_str(r#"],"has_more":"#);
        body.push_str(if rows.len() > limit { "true" } else { "false" });
        body.push('}');
        Ok(body)
    }

    /// The alarm at the earliest due delivery to an enabled endpoint or redaction, from
    /// storage.
    async fn schedule(&self) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Next {
            next: Option<i64>,
        }
        let next = self
            .sql
            .exec(
                "SELECT MIN(at) AS next FROM (
                   SELECT MIN(d.next_at_ms) AS at FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id
                    WHERE d.state = 'pending' AND e.status = 'enabled'
                   UNION ALL
                   SELECT MIN(redact_at_ms) AS at FROM event WHERE redact_at_ms IS NOT NULL)",
                None,
            )?
            .to_array::<Next>()?
            .into_iter()
            .next()
            .and_then(|n| n.next);
        let storage = self.state.storage();
        match next {
            Some(at) => {
                #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
                let date = worker::js_sys::Date::new(&(at as f64).into());
                storage.set_alarm(ScheduledTime::new(date)).await?;
            }
            None => storage.delete_alarm().await?,
        }
        Ok(())
    }

    /// Sends every due delivery (a batch at a time), records the results, reschedules;
    /// nothing if a pass is already under way (it reschedules when it ends).
    async fn deliver_due(&self) -> ApiResult<()> {
        if self.delivering.replace(true) {
            return Ok(());
        }
        let result = self.deliver_batch().await;
        self.delivering.set(false);
        result?;
        self.schedule().await
    }

    async fn deliver_batch(&self) -> ApiResult<()> {
        if !self.ready.get() {
            if !storage::has_table(&self.sql, "event")? {
                return Ok(());
            }
            storage::migrate(&self.state.storage(), &self.sql, MIGRATIONS)?;
            self.ready.set(true);
        }
        #[derive(Deserialize)]
        struct Due {
            endpoint_id: String,
            event_id: String,
            attempts: i64,
        }
        let now_ms = clock::millis(clock::now());
        self.redact_due(now_ms)?;
        let due: Vec<Due> = self
            .sql
            .exec(
                "SELECT d.endpoint_id, d.event_id, d.attempts FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id
                 WHERE d.state = 'pending' AND e.status = 'enabled' AND d.next_at_ms <= ?
                 ORDER BY d.next_at_ms LIMIT ?",
                vec![int(now_ms), int(BATCH)],
            )?
            .to_array()?;
        let mut sends = FuturesUnordered::new();
        for d in due {
            let endpoint = self.endpoint(&d.endpoint_id)?;
            let body = render(&self.event(&d.event_id)?, false)?;
            let secrets = endpoint.secrets(now_ms);
            let url = endpoint.url.clone();
            sends.push(async move {
                let attempt =
                    delivery::send(&url, &d.event_id, &body, &secrets, now_ms.div_euclid(1000))
                        .await;
                (d, attempt)
            });
        }
        // Each result is written as soon as it comes (reloaded after its await: only if no
        // retry reset the row meanwhile), so a stop in the middle of a batch re-sends only
        // the deliveries that were still in flight.
        while let Some((d, attempt)) = sends.next().await {
            let done_ms = clock::millis(clock::now());
            let outcome = vec![(d.endpoint_id, d.event_id, d.attempts, attempt)];
            self.record(outcome, done_ms)?;
        }
        Ok(())
    }

    /// Empties the customer of every event whose time has come (a batch at a time, in
    /// one transaction; the alarm comes back for the rest).
    fn redact_due(&self, now_ms: i64) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Due {
            id: String,
            data: String,
        }
        let due: Vec<Due> = self
            .sql
            .exec(
                "SELECT id, data FROM event WHERE redact_at_ms IS NOT NULL AND redact_at_ms <= ?
                 ORDER BY redact_at_ms LIMIT ?",
                vec![int(now_ms), int(REDACT_BATCH)],
            )?
            .to_array()?;
        if due.is_empty() {
            return Ok(());
        }
        storage::atomically(&self.state.storage(), &self.sql, move |sql| {
            for event in &due {
                match retention::without_customer(&event.data) {
                    Some(data) => sql.exec(
                        "UPDATE event SET data = ?, redact_at_ms = NULL WHERE id = ?",
                        vec![text(&data), text(&event.id)],
                    )?,
                    None => sql.exec(
                        "UPDATE event SET redact_at_ms = NULL WHERE id = ?",
                        vec![text(&event.id)],
                    )?,
                };
            }
            Ok(())
        })
    }

    /// Writes the outcomes of delivery attempts, in one transaction.
    fn record(&self, outcomes: Vec<(String, String, i64, Attempt)>, done_ms: i64) -> ApiResult<()> {
        storage::atomically(&self.state.storage(), &self.sql, move |sql| {
            for (endpoint, event, attempts, attempt) in &outcomes {
                let made = attempts + 1;
                let (state, next) = if attempt.succeeded() {
                    ("succeeded", None)
                } else {
                    match retry_after(u32::try_from(made).unwrap_or(u32::MAX)) {
                        Some(wait) => (
                            "pending",
                            Some(
                                done_ms
                                    + i64::try_from(wait.whole_milliseconds()).unwrap_or(i64::MAX),
                            ),
                        ),
                        None => ("failed", None),
                    }
                };
                sql.exec(
                    "UPDATE delivery SET attempts = ?, state = ?, next_at_ms = ?, last_status = ?, last_answer = ?
                     WHERE endpoint_id = ? AND event_id = ? AND attempts = ? AND state = 'pending'",
                    vec![
                        int(made),
                        text(state),
                        opt_int(next),
                        opt_int(attempt.status.map(i64::from)),
                        opt_text(Some(&attempt.answer)),
                        text(endpoint),
                        text(event),
                        int(*attempts),
                    ],
                )?;
                if attempt.succeeded() {
                    sql.exec(
                        "UPDATE endpoint SET failing_since_ms = NULL WHERE id = ?",
                        vec![text(endpoint)],
                    )?;
                } else {
                    let why = attempt
                        .status
                        .map_or_else(|| attempt.answer.clone(), |s| format!("HTTP {s}"));
                    let reason = format!("Every delivery failed for 5 days (the last: {why}).");
                    sql.exec(
                        "UPDATE endpoint SET failing_since_ms = COALESCE(failing_since_ms, ?) WHERE id = ?",
                        vec![int(done_ms), text(endpoint)],
                    )?;
                    #[derive(Deserialize)]
                    struct Since {
                        failing_since_ms: Option<i64>,
                    }
                    let since = sql
                        .exec(
                            "SELECT failing_since_ms FROM endpoint WHERE id = ?",
                            vec![text(endpoint)],
                        )?
                        .to_array::<Since>()?
                        .into_iter()
                        .next()
                        .and_then(|s| s.failing_since_ms);
                    if is_worn_out(since, done_ms) {
                        sql.exec(
                            "UPDATE endpoint SET status = 'disabled', disabled_reason = ? WHERE id = ? AND status = 'enabled'",
                            vec![text(&reason), text(endpoint)],
                        )?;
                    }
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}
