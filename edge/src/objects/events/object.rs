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

use super::endpoint::{ENDPOINT_COLUMNS, EndpointRow};
use super::protocol::{Command, Forwarded};
use super::retention;
use super::store::*;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::shell::{self, Object, SqlShell};
use crate::runtime::clock;
use crate::runtime::storage::{self, flag, int, opt_int, text};
use std::cell::Cell;
use vale_shared::event::EventType;
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

/// How many deliveries one alarm sends at once.
pub(super) const BATCH: i64 = 50;
/// How many events one alarm redacts at once.
pub(super) const REDACT_BATCH: i64 = 200;
/// How long the old secret still signs after a rotation.
pub(super) const ROTATION_MS: i64 = 24 * 3_600_000;

/// A merchant's events, endpoints and deliveries in one mode.
#[durable_object]
#[derive(Debug)]
pub struct Events {
    pub(super) shell: SqlShell,
    /// Whether a delivery pass is under way: one at a time, or a wake-up arriving during
    /// a pass's sends would send the same deliveries again.
    pub(super) delivering: Cell<bool>,
    /// How long an event keeps a voucher's customer (ms).
    pub(super) retention_ms: i64,
}

impl DurableObject for Events {
    fn new(state: State, env: Env) -> Self {
        // Tests only: a test watches the redaction happen in seconds.
        let retention_ms = env
            .var("VALE_EVENT_CUSTOMER_RETENTION_SECONDS")
            .ok()
            .and_then(|v| v.to_string().parse::<u32>().ok())
            .map_or(retention::CUSTOMER_RETENTION_MS, |s| i64::from(s) * 1000);
        Events {
            shell: SqlShell::new(state, MIGRATIONS, "event"),
            delivering: Cell::new(false),
            retention_ms,
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }

    async fn alarm(&self) -> Result<Response> {
        shell::alarm("delivery", self.deliver_due().await)
    }
}

impl Object for Events {
    type Protocol = Command;

    async fn answer(&self, command: Command) -> ApiResult<String> {
        self.run(command).await
    }
}

impl Events {
    pub(super) fn endpoints(
        &self,
        clause: &str,
        bindings: Vec<worker::SqlStorageValue>,
    ) -> ApiResult<Vec<EndpointRow>> {
        Ok(self
            .shell
            .sql
            .exec(
                &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoint {clause}"),
                bindings,
            )?
            .to_array()?)
    }

    pub(super) fn endpoint(&self, id: &str) -> ApiResult<EndpointRow> {
        self.endpoints("WHERE id = ?", vec![text(id)])?
            .into_iter()
            .next()
            .ok_or_else(|| missing("webhook endpoint"))
    }

    pub(super) fn event(&self, id: &str) -> ApiResult<EventRow> {
        self.shell
            .sql
            .exec(
                &format!("SELECT {EVENT_COLUMNS} FROM event WHERE id = ?"),
                vec![text(id)],
            )?
            .to_array::<EventRow>()?
            .into_iter()
            .next()
            .ok_or_else(|| missing("event"))
    }

    pub(super) async fn run(&self, command: Command) -> ApiResult<String> {
        // The sweep wakes every merchant's objects of both modes: one never used stays empty.
        if matches!(command, Command::Wake) && !self.shell.existing()? {
            return Ok(r#"{"ok":true}"#.to_owned());
        }
        self.shell.migrated()?;
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
                storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
                    for (
                        Forwarded {
                            id,
                            kind,
                            created_ms,
                            data,
                            account,
                        },
                        (_, endpoint_ids),
                    ) in events.iter().zip(&targets)
                    {
                        let redact_at = retention::redact_at(*created_ms, data, retention_ms);
                        let fresh = sql
                            .exec(
                                "INSERT OR IGNORE INTO event (id, type, livemode, created_ms, data, redact_at_ms, account) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                vec![text(id.as_str()), text(kind.as_str()), flag(livemode), int(*created_ms), text(data), opt_int(redact_at), crate::runtime::storage::opt_text(account.as_deref())],
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
            Command::Deliveries { id } => self.deliveries(id.as_str())?,
            Command::AboutVoucher {
                voucher,
                kind,
                limit,
                starting_after,
            } => self.list(
                Some(&voucher),
                kind,
                limit,
                starting_after.as_ref().map(|id| id.as_str()),
            )?,
            Command::List {
                kind,
                limit,
                starting_after,
            } => self.list(
                None,
                kind,
                limit,
                starting_after.as_ref().map(|id| id.as_str()),
            )?,
            Command::Retry { id } => {
                let event = self.event(id.as_str())?;
                let targets: Vec<String> = self
                    .endpoints("WHERE status = 'enabled'", vec![])?
                    .into_iter()
                    .filter(|ep| ep.takes(&event.kind))
                    .map(|ep| ep.id)
                    .collect();
                let event_id = event.id.clone();
                storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
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
                self.shell.sql.exec(
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
                storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
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
                storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
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
                self.shell.sql.exec(
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
                storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
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

    /// The events, newest first (at most `limit`, after `after`'s), of type `kind` and about
    /// voucher `voucher` (its own and its refunds') when given: `{object: "list", data,
    /// has_more}`.
    pub(super) fn list(
        &self,
        voucher: Option<&str>,
        kind: Option<EventType>,
        limit: u32,
        after: Option<&str>,
    ) -> ApiResult<String> {
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM event WHERE 1 = 1");
        let mut bindings = Vec::new();
        if let Some(voucher) = voucher {
            // The voucher's own events and its refunds' (issue #24: a voucher's timeline).
            sql.push_str(
                " AND (json_extract(data, '$.id') = ? OR json_extract(data, '$.voucher') = ?)",
            );
            bindings.extend([text(voucher), text(voucher)]);
        }
        if let Some(kind) = kind {
            sql.push_str(" AND type = ?");
            bindings.push(text(kind.as_str()));
        }
        if let Some(after) = after {
            let seq = storage::cursor(&self.shell.sql, "event", after, "an event of this account")?;
            sql.push_str(" AND seq < ?");
            bindings.push(int(seq));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        bindings.push(int(i64::from(limit) + 1));
        let rows: Vec<EventRow> = self.shell.sql.exec(&sql, bindings)?.to_array()?;
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
}
