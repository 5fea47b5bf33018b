//! `RiskCounter`: one SQLite-backed Durable Object per counted signal value (named by
//! [`vale_shared::risk::counter_key`], never by the value), holding one row per voucher
//! created with that value in the last 7 days: when, how much, and where it stands. No
//! e-mail, phone, document or address is stored: rows carry voucher ids and amounts.
//!
//! Each command runs synchronously against SQLite with no `await` between its reads and
//! writes, inside one transaction, so concurrent creates are counted one after another:
//! exact under any race.

use super::protocol::Command;
use crate::http::error::ApiResult;
use crate::objects::shell::{self, Object, SqlShell};
use crate::runtime::storage::{self, int, text};
use serde::Deserialize;
use vale_shared::Currency;
use vale_shared::risk::{Entry, Standing, Tally, Window};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

/// The schema, one step per version. Never edit a step that has shipped: add one.
const MIGRATIONS: &[&str] = &["
CREATE TABLE entry (
  voucher    TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  amount     INTEGER NOT NULL,
  currency   TEXT NOT NULL,
  standing   TEXT NOT NULL
);
CREATE INDEX entry_by_time ON entry (created_ms);
"];

/// One signal value's vouchers.
#[durable_object]
#[derive(Debug)]
pub struct RiskCounter {
    shell: SqlShell,
}

impl DurableObject for RiskCounter {
    fn new(state: State, _env: Env) -> Self {
        RiskCounter {
            shell: SqlShell::new(state, MIGRATIONS, "entry"),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }
}

impl Object for RiskCounter {
    type Protocol = Command;

    async fn answer(&self, command: Command) -> ApiResult<String> {
        self.run(command)
    }
}

#[derive(Deserialize)]
struct Row {
    voucher: String,
    created_ms: i64,
    amount: i64,
    currency: String,
    standing: String,
}

fn standing_name(standing: Standing) -> ApiResult<String> {
    match serde_json::to_value(standing)? {
        serde_json::Value::String(s) => Ok(s),
        _ => Err(crate::http::error::ApiError::internal(
            "standing is not a name",
        )),
    }
}

impl RiskCounter {
    fn run(&self, command: Command) -> ApiResult<String> {
        self.shell.migrated()?;
        match command {
            Command::Reserve {
                voucher,
                now_ms,
                amount,
                currency,
            } => {
                let open = standing_name(Standing::Open)?;
                let currency_code = currency.code();
                let tally = storage::atomically(
                    &self.shell.storage(),
                    &self.shell.sql,
                    move |sql| {
                        let now =
                            crate::runtime::clock::from_millis(u64::try_from(now_ms).unwrap_or(0));
                        let forget =
                            crate::runtime::clock::millis(now - Window::LONGEST.duration());
                        sql.exec("DELETE FROM entry WHERE created_ms <= ?", vec![int(forget)])?;
                        let rows: Vec<Row> = sql
                            .exec(
                                "SELECT voucher, created_ms, amount, currency, standing FROM entry",
                                None,
                            )?
                            .to_array()?;
                        let entries: Vec<Entry> = rows
                            .iter()
                            .filter(|r| r.voucher != voucher)
                            .filter_map(entry)
                            .collect();
                        sql.exec(
                        "INSERT OR IGNORE INTO entry (voucher, created_ms, amount, currency, standing) VALUES (?, ?, ?, ?, ?)",
                        vec![text(&voucher), int(now_ms), int(amount), text(currency_code), text(&open)],
                    )?;
                        Ok(Tally::of(&entries, now))
                    },
                )?;
                Ok(serde_json::to_string(&tally)?)
            }
            Command::Release { voucher } => {
                self.shell
                    .sql
                    .exec("DELETE FROM entry WHERE voucher = ?", vec![text(&voucher)])?;
                Ok("{}".to_owned())
            }
            Command::Update { voucher, standing } => {
                self.shell.sql.exec(
                    "UPDATE entry SET standing = ? WHERE voucher = ?",
                    vec![text(&standing_name(standing)?), text(&voucher)],
                )?;
                Ok("{}".to_owned())
            }
        }
    }
}

/// A stored row as the pure tally reads it (a row it cannot read is left out).
fn entry(row: &Row) -> Option<Entry> {
    Some(Entry {
        created_at: crate::runtime::clock::from_millis(u64::try_from(row.created_ms).ok()?),
        amount: row.amount,
        currency: row.currency.parse::<Currency>().ok()?,
        standing: serde_json::from_value(serde_json::Value::String(row.standing.clone())).ok()?,
    })
}
