//! The `Events` Durable Object: its schema and the commands of [`super::Command`].

use super::{Command, Forwarded};
use crate::error::{ApiError, ApiResult, ErrorType};
use crate::rpc;
use crate::storage::{self, flag, int, text};
use serde::Deserialize;
use std::cell::Cell;
use time::OffsetDateTime;
use worker::{DurableObject, Env, Request, Response, Result, SqlStorage, State, durable_object};

/// The schema, one step per version. Never edit a step that has shipped: add one.
const MIGRATIONS: &[&str] = &["
CREATE TABLE event (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL,
  livemode   INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  data       TEXT NOT NULL
);
CREATE INDEX event_by_type ON event (type, seq);
"];

/// A merchant's events in one mode.
#[durable_object]
pub struct Events {
    state: State,
    sql: SqlStorage,
    ready: Cell<bool>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl DurableObject for Events {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        Events {
            state,
            sql,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Command>(&mut req).await {
            Ok(command) => self.run(command),
            Err(e) => Err(e),
        };
        Ok(match result {
            Ok(body) => crate::error::json_response(200, body),
            Err(e) => e.into_response(),
        })
    }
}

#[derive(Deserialize)]
struct Row {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    livemode: i64,
    created_ms: i64,
    data: String,
}

/// The event as the API shows it, built around its stored JSON without re-parsing it.
fn render(row: &Row) -> ApiResult<String> {
    let created = crate::clock::from_millis(u64::try_from(row.created_ms).unwrap_or(0));
    let created = created
        .to_offset(time::macros::offset!(-5))
        .replace_millisecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let created = created
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(ApiError::internal)?;
    Ok(format!(
        r#"{{"id":{},"object":"event","type":{},"livemode":{},"created_at":{},"data":{},"pending_webhooks":0}}"#,
        serde_json::to_string(&row.id)?,
        serde_json::to_string(&row.kind)?,
        row.livemode != 0,
        serde_json::to_string(&created)?,
        row.data
    ))
}

fn no_such_event() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such event.",
    )
    .with_param("id")
}

impl Events {
    fn run(&self, command: Command) -> ApiResult<String> {
        if !self.ready.get() {
            storage::migrate(&self.state.storage(), &self.sql, MIGRATIONS)?;
            self.ready.set(true);
        }
        const COLUMNS: &str = "id, type, livemode, created_ms, data";
        match command {
            Command::Record { livemode, events } => {
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    for Forwarded {
                        id,
                        kind,
                        created_ms,
                        data,
                    } in &events
                    {
                        sql.exec(
                            "INSERT OR IGNORE INTO event (id, type, livemode, created_ms, data) VALUES (?, ?, ?, ?, ?)",
                            vec![text(id.as_str()), text(kind.as_str()), flag(livemode), int(*created_ms), text(data)],
                        )?;
                    }
                    Ok(())
                })?;
                Ok(r#"{"ok":true}"#.to_owned())
            }
            Command::Get { id } => {
                let rows: Vec<Row> = self
                    .sql
                    .exec(
                        &format!("SELECT {COLUMNS} FROM event WHERE id = ?"),
                        vec![text(id.as_str())],
                    )?
                    .to_array()?;
                render(rows.first().ok_or_else(no_such_event)?)
            }
            Command::List {
                kind,
                limit,
                starting_after,
            } => {
                let mut sql = format!("SELECT {COLUMNS} FROM event WHERE 1 = 1");
                let mut bindings = Vec::new();
                if let Some(kind) = kind {
                    sql.push_str(" AND type = ?");
                    bindings.push(text(kind.as_str()));
                }
                if let Some(after) = starting_after {
                    #[derive(Deserialize)]
                    struct Seq {
                        seq: i64,
                    }
                    let seq = self
                        .sql
                        .exec(
                            "SELECT seq FROM event WHERE id = ?",
                            vec![text(after.as_str())],
                        )?
                        .to_array::<Seq>()?
                        .first()
                        .map(|s| s.seq)
                        .ok_or_else(|| {
                            ApiError::invalid(
                                "starting_after",
                                "resource_missing",
                                "starting_after is not an event of this account.",
                            )
                        })?;
                    sql.push_str(" AND seq < ?");
                    bindings.push(int(seq));
                }
                sql.push_str(" ORDER BY seq DESC LIMIT ?");
                bindings.push(int(i64::from(limit) + 1));
                let rows: Vec<Row> = self.sql.exec(&sql, bindings)?.to_array()?;
                let limit = usize::try_from(limit).unwrap_or(usize::MAX);
                let mut body = String::from(r#"{"object":"list","data":["#);
                for (i, row) in rows.iter().take(limit).enumerate() {
                    if i > 0 {
                        body.push(',');
                    }
                    body.push_str(&render(row)?);
                }
                body.push_str(r#"],"has_more":"#);
                body.push_str(if rows.len() > limit { "true" } else { "false" });
                body.push('}');
                Ok(body)
            }
        }
    }
}
