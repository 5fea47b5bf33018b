//! The `Ledger` Durable Object: its SQL schema and the commands of [`super::Command`].
//!
//! Each command runs synchronously against SQLite (no `await` between its reads and
//! writes), so it is atomic: the object's storage commits all writes made without an
//! intervening `await` together.

use super::{
    Begun, Command, Done, Found, IDEMPOTENCY_KEEP_MS, IDEMPOTENCY_LOCK_MS, ListQuery, ListingRow,
};
use crate::error::{ApiError, ApiResult, ErrorType};
use crate::rpc;
use serde::Deserialize;
use std::cell::Cell;
use vale_shared::VoucherId;
use worker::{
    DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State,
    durable_object,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS voucher (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  network      TEXT NOT NULL,
  payment_code TEXT NOT NULL,
  livemode     INTEGER NOT NULL,
  reference    TEXT,
  status       TEXT,
  created_at   TEXT,
  version      INTEGER NOT NULL DEFAULT 0,
  json         TEXT,
  UNIQUE (network, payment_code)
);
CREATE INDEX IF NOT EXISTS voucher_by_reference ON voucher (livemode, reference, seq);
CREATE INDEX IF NOT EXISTS voucher_by_status ON voucher (livemode, status, seq);
CREATE TABLE IF NOT EXISTS idempotency (
  key             TEXT PRIMARY KEY,
  request_hash    TEXT NOT NULL,
  voucher_id      TEXT NOT NULL,
  payment_code    TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL,
  status          INTEGER,
  response        TEXT
);
CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (created_ms);
";

/// A merchant's index of vouchers, idempotency keys and payment codes.
#[durable_object]
pub struct Ledger {
    sql: SqlStorage,
    ready: Cell<bool>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
    }
}

impl DurableObject for Ledger {
    fn new(state: State, _env: Env) -> Self {
        Ledger {
            sql: state.storage().sql(),
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Command>(&mut req).await {
            Ok(command) => self.run(command),
            Err(e) => Err(e),
        };
        Ok(match result {
            Ok(Reply::Json(body)) => crate::error::json_response(200, body),
            Err(e) => e.into_response(),
        })
    }
}

enum Reply {
    Json(String),
}

fn json<T: serde::Serialize>(value: &T) -> ApiResult<Reply> {
    Ok(Reply::Json(serde_json::to_string(value)?))
}

fn text(s: &str) -> SqlStorageValue {
    SqlStorageValue::String(s.to_owned())
}

fn flag(b: bool) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::from(b))
}

fn idempotency_row_key(livemode: bool, key: &str) -> String {
    format!("{}:{key}", if livemode { "live" } else { "test" })
}

#[derive(Deserialize)]
struct IdempotencyRow {
    request_hash: String,
    voucher_id: String,
    payment_code: String,
    locked_until_ms: i64,
    status: Option<i64>,
    response: Option<String>,
}

impl Ledger {
    fn schema(&self) -> ApiResult<()> {
        if !self.ready.get() {
            self.sql.exec(SCHEMA, None)?;
            self.ready.set(true);
        }
        Ok(())
    }

    fn run(&self, command: Command) -> ApiResult<Reply> {
        self.schema()?;
        match command {
            Command::Begin {
                livemode,
                idempotency,
                voucher_id,
                network,
                candidates,
                now_ms,
            } => {
                if let Some(idem) = &idempotency {
                    self.sql.exec(
                        "DELETE FROM idempotency WHERE created_ms < ?",
                        vec![SqlStorageValue::Integer(now_ms - IDEMPOTENCY_KEEP_MS)],
                    )?;
                    let row_key = idempotency_row_key(livemode, &idem.key);
                    let rows: Vec<IdempotencyRow> = self
                        .sql
                        .exec(
                            "SELECT request_hash, voucher_id, payment_code, locked_until_ms, status, response
                             FROM idempotency WHERE key = ?",
                            vec![text(&row_key)],
                        )?
                        .to_array()?;
                    if let Some(row) = rows.into_iter().next() {
                        return json(&self.resume(&row_key, row, &idem.request_hash, now_ms)?);
                    }
                }
                let code = self.reserve(livemode, &voucher_id, network.as_str(), &candidates)?;
                if let Some(idem) = &idempotency {
                    self.sql.exec(
                        "INSERT INTO idempotency (key, request_hash, voucher_id, payment_code, created_ms, locked_until_ms)
                         VALUES (?, ?, ?, ?, ?, ?)",
                        vec![
                            text(&idempotency_row_key(livemode, &idem.key)),
                            text(&idem.request_hash),
                            text(voucher_id.as_str()),
                            text(&code),
                            SqlStorageValue::Integer(now_ms),
                            SqlStorageValue::Integer(now_ms + IDEMPOTENCY_LOCK_MS),
                        ],
                    )?;
                }
                json(&Begun::Proceed {
                    voucher_id,
                    payment_code: code,
                })
            }
            Command::Complete {
                livemode,
                key,
                status,
                body,
            } => {
                self.sql.exec(
                    "UPDATE idempotency SET status = ?, response = ?, locked_until_ms = 0 WHERE key = ?",
                    vec![
                        SqlStorageValue::Integer(i64::from(status)),
                        SqlStorageValue::String(body),
                        text(&idempotency_row_key(livemode, &key)),
                    ],
                )?;
                json(&Done { ok: true })
            }
            Command::Release { livemode, key } => {
                self.sql.exec(
                    "UPDATE idempotency SET locked_until_ms = 0 WHERE key = ? AND status IS NULL",
                    vec![text(&idempotency_row_key(livemode, &key))],
                )?;
                json(&Done { ok: true })
            }
            Command::Upsert { row } => {
                self.upsert(row)?;
                json(&Done { ok: true })
            }
            Command::Lookup {
                network,
                payment_code,
            } => {
                #[derive(Deserialize)]
                struct IdRow {
                    id: String,
                }
                let rows: Vec<IdRow> = self
                    .sql
                    .exec(
                        "SELECT id FROM voucher WHERE network = ? AND payment_code = ?",
                        vec![text(network.as_str()), text(&payment_code)],
                    )?
                    .to_array()?;
                let id = rows
                    .into_iter()
                    .next()
                    .and_then(|r| r.id.parse::<VoucherId>().ok());
                match id {
                    Some(voucher_id) => json(&Found { voucher_id }),
                    None => Err(ApiError::new(
                        404,
                        ErrorType::InvalidRequestError,
                        "payment_code_unknown",
                        "No voucher has this payment code.",
                    )),
                }
            }
            Command::List(query) => Ok(Reply::Json(self.list(&query)?)),
        }
    }

    /// A key seen before: replay, refuse, or resume.
    fn resume(
        &self,
        row_key: &str,
        row: IdempotencyRow,
        request_hash: &str,
        now_ms: i64,
    ) -> ApiResult<Begun> {
        if !crate::auth::same(row.request_hash.as_bytes(), request_hash.as_bytes()) {
            return Err(ApiError::new(
                422,
                ErrorType::IdempotencyError,
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request body; use a new key.",
            ));
        }
        if let (Some(status), Some(body)) = (row.status, row.response) {
            let status = u16::try_from(status).map_err(ApiError::internal)?;
            return Ok(Begun::Replay { status, body });
        }
        if row.locked_until_ms > now_ms {
            return Err(ApiError::new(
                409,
                ErrorType::IdempotencyError,
                "idempotency_request_in_progress",
                "A request with this Idempotency-Key is still running; retry in a moment.",
            ));
        }
        // The first attempt stopped before answering: resume it with the same voucher id
        // and code (creating a voucher is idempotent by id in its object).
        self.sql.exec(
            "UPDATE idempotency SET locked_until_ms = ? WHERE key = ?",
            vec![
                SqlStorageValue::Integer(now_ms + IDEMPOTENCY_LOCK_MS),
                text(row_key),
            ],
        )?;
        let voucher_id = row
            .voucher_id
            .parse::<VoucherId>()
            .map_err(ApiError::internal)?;
        Ok(Begun::Proceed {
            voucher_id,
            payment_code: row.payment_code,
        })
    }

    /// Takes the first free payment code among `candidates` for a new voucher.
    fn reserve(
        &self,
        livemode: bool,
        voucher_id: &VoucherId,
        network: &str,
        candidates: &[String],
    ) -> ApiResult<String> {
        for code in candidates {
            let taken = self
                .sql
                .exec(
                    "SELECT 1 AS taken FROM voucher WHERE network = ? AND payment_code = ?",
                    vec![text(network), text(code)],
                )?
                .to_array::<serde_json::Value>()?;
            if taken.is_empty() {
                self.sql.exec(
                    "INSERT INTO voucher (id, network, payment_code, livemode) VALUES (?, ?, ?, ?)",
                    vec![
                        text(voucher_id.as_str()),
                        text(network),
                        text(code),
                        flag(livemode),
                    ],
                )?;
                return Ok(code.clone());
            }
        }
        Err(ApiError::internal("every candidate payment code was taken"))
    }

    /// Writes a listing row unless a newer version is already there.
    fn upsert(&self, row: ListingRow) -> ApiResult<()> {
        self.sql.exec(
            "INSERT INTO voucher (id, network, payment_code, livemode, reference, status, created_at, version, json)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET
               reference = excluded.reference, status = excluded.status,
               created_at = excluded.created_at, version = excluded.version, json = excluded.json
             WHERE excluded.version > voucher.version",
            vec![
                text(row.id.as_str()),
                text(row.network.as_str()),
                text(&row.payment_code),
                flag(row.livemode),
                SqlStorageValue::String(row.reference),
                SqlStorageValue::String(row.status),
                SqlStorageValue::String(row.created_at),
                SqlStorageValue::Integer(row.version),
                SqlStorageValue::String(row.json),
            ],
        )?;
        Ok(())
    }

    /// The list body, newest first, built from the stored JSON without re-parsing it.
    fn list(&self, query: &ListQuery) -> ApiResult<String> {
        let mut sql =
            String::from("SELECT json FROM voucher WHERE json IS NOT NULL AND livemode = ?");
        let mut bindings = vec![flag(query.livemode)];
        if let Some(reference) = &query.reference {
            sql.push_str(" AND reference = ?");
            bindings.push(text(reference));
        }
        if let Some(status) = &query.status {
            sql.push_str(" AND status = ?");
            bindings.push(text(status));
        }
        if let Some(after) = &query.starting_after {
            #[derive(Deserialize)]
            struct SeqRow {
                seq: i64,
            }
            let rows: Vec<SeqRow> = self
                .sql
                .exec(
                    "SELECT seq FROM voucher WHERE id = ? AND livemode = ? AND json IS NOT NULL",
                    vec![text(after.as_str()), flag(query.livemode)],
                )?
                .to_array()?;
            let seq = rows.first().map(|r| r.seq).ok_or_else(|| {
                ApiError::invalid(
                    "starting_after",
                    "resource_missing",
                    "starting_after is not a voucher of this account.",
                )
            })?;
            sql.push_str(" AND seq < ?");
            bindings.push(SqlStorageValue::Integer(seq));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        bindings.push(SqlStorageValue::Integer(i64::from(query.limit) + 1));

        #[derive(Deserialize)]
        struct JsonRow {
            json: String,
        }
        let rows: Vec<JsonRow> = self.sql.exec(&sql, bindings)?.to_array()?;
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let has_more = rows.len() > limit;
        let mut body = String::from(r#"{"object":"list","data":["#);
        for (i, row) in rows.iter().take(limit).enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&row.json);
        }
        body.push_str(r#"],"has_more":"#);
        body.push_str(if has_more { "true" } else { "false" });
        body.push('}');
        Ok(body)
    }
}
