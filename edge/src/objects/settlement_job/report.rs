//! What a settlement reports: its object (`stl_…` with its counts), its rows in the
//! reporting database (D1 `REPORTS`: the settlement and its lines, written from the job,
//! never read to decide money) and its `settlement.reconciled` event.

use crate::config::Mode;
use crate::http::error::ApiResult;
use crate::objects::events::{self, EventsClient, Forwarded};
use crate::runtime::clock;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use vale_shared::event::{EventType, subject_event_id};
use vale_shared::id::SettlementId;
use vale_shared::settlement::Category;
use vale_shared::{MerchantId, Network};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

/// Where a settlement is: its lines are being reconciled, or all of them are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Lines are still being applied to their vouchers (a large file, in batches).
    Processing,
    /// Every line was applied, and the report is complete.
    Reconciled,
}

impl Status {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Processing => "processing",
            Status::Reconciled => "reconciled",
        }
    }
}

/// A settlement's object, as the API answers it.
#[derive(Debug, Clone)]
pub struct Summary {
    /// `stl_…`.
    pub id: SettlementId,
    /// Live or test.
    pub livemode: bool,
    /// The network whose file it is.
    pub network: Network,
    /// The file's day (`YYYY-MM-DD`).
    pub file_date: String,
    /// Lines in the file.
    pub lines: i64,
    /// The file's total, minor units.
    pub total: i64,
    /// Its currency code.
    pub currency: String,
    /// Processing or reconciled.
    pub status: Status,
    /// Lines (and vouchers left out) per category so far.
    pub counts: BTreeMap<Category, i64>,
    /// When the file was received, Unix ms.
    pub created_ms: i64,
}

impl Summary {
    /// The counts object: every category, zero when none.
    pub fn counts_json(&self) -> Value {
        let mut counts = serde_json::Map::new();
        for c in Category::ALL {
            counts.insert(
                c.as_str().to_owned(),
                json!(self.counts.get(&c).copied().unwrap_or(0)),
            );
        }
        Value::Object(counts)
    }

    /// The settlement object.
    pub fn render(&self) -> Value {
        let created = clock::from_millis(u64::try_from(self.created_ms).unwrap_or(0))
            .to_offset(self.network.utc_offset());
        json!({
            "id": self.id, "object": "settlement", "livemode": self.livemode,
            "network": self.network.as_str(), "file_date": self.file_date, "lines": self.lines,
            "total": self.total, "currency": self.currency, "status": self.status.as_str(),
            "counts": self.counts_json(),
            "created_at": crate::api::settlements::rfc3339(created.replace_millisecond(0).unwrap_or(created)),
        })
    }

    /// Writes (or updates) the settlement's row.
    pub async fn store(&self, db: &D1Database, merchant: &MerchantId) -> ApiResult<()> {
        db.prepare(
            "INSERT INTO settlement (id, merchant_id, livemode, network, file_date, lines, total, currency, counts, created_ms, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET counts = excluded.counts, status = excluded.status",
        )
        .bind(&[
            JsValue::from_str(self.id.as_str()),
            JsValue::from_str(merchant.as_str()),
            number(i64::from(self.livemode)),
            JsValue::from_str(self.network.as_str()),
            JsValue::from_str(&self.file_date),
            number(self.lines),
            number(self.total),
            JsValue::from_str(&self.currency),
            JsValue::from_str(&self.counts_json().to_string()),
            number(self.created_ms),
            JsValue::from_str(self.status.as_str()),
        ])?
        .run()
        .await?;
        Ok(())
    }
}

#[allow(clippy::cast_precision_loss)] // Counts, minor units and Unix ms: exact below 2^53.
fn number(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// One line of a settlement's report.
#[derive(Debug, Clone, Deserialize)]
pub struct LineRow {
    /// Its place in the report: the file line, or after the last one for a voucher the
    /// file left out.
    pub n: i64,
    /// The 1-based file line (`None`: a voucher left out).
    pub line: Option<i64>,
    /// Its category.
    pub category: String,
    /// The payment code.
    pub payment_code: String,
    /// The voucher with that code, if any.
    pub voucher_id: Option<String>,
    /// The line's amount, minor units.
    pub amount: Option<i64>,
    /// The voucher's amount, minor units.
    pub voucher_amount: Option<i64>,
    /// The payment's identity as the file wrote it.
    pub operation: Option<String>,
    /// When, as the file said (RFC 3339).
    pub paid_at: Option<String>,
}

/// Lines a D1 statement writes (10 columns each; D1 binds at most 100 parameters).
pub const ROWS_PER_STATEMENT: usize = 10;

/// Writes `rows` of settlement `id` in one batch, `ROWS_PER_STATEMENT` a statement;
/// written twice, a row is written once.
pub async fn store_lines(db: &D1Database, id: &SettlementId, rows: &[LineRow]) -> ApiResult<()> {
    let text = |v: &str| JsValue::from_str(v);
    let opt_text = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    let opt_number = |v: Option<i64>| v.map_or(JsValue::NULL, number);
    let mut statements = Vec::with_capacity(rows.len().div_ceil(ROWS_PER_STATEMENT));
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut args = Vec::with_capacity(chunk.len() * 10);
        for r in chunk {
            args.extend([
                text(id.as_str()),
                number(r.n),
                opt_number(r.line),
                text(&r.category),
                text(&r.payment_code),
                opt_text(&r.voucher_id),
                opt_number(r.amount),
                opt_number(r.voucher_amount),
                opt_text(&r.operation),
                opt_text(&r.paid_at),
            ]);
        }
        statements.push(
            db.prepare(format!(
                "INSERT OR IGNORE INTO settlement_line (settlement_id, n, line, category, payment_code, voucher_id, amount, voucher_amount, operation, paid_at) VALUES {marks}"
            ))
            .bind(&args)?,
        );
    }
    if !statements.is_empty() {
        db.batch(statements).await?;
    }
    Ok(())
}

/// `settlement.reconciled`, its id derived from the settlement's: however often it is
/// sent (a file posted again re-sends it, in case the first was lost), it is one event.
pub async fn reconciled(
    env: &Env,
    merchant: &MerchantId,
    mode: Mode,
    id: &SettlementId,
    object: &Value,
) {
    let event = Forwarded {
        id: subject_event_id(id.as_str(), EventType::SettlementReconciled, "1"),
        kind: EventType::SettlementReconciled,
        created_ms: clock::millis(clock::now()),
        data: object.to_string(),
        account: None,
    };
    let record = events::Command::Record {
        livemode: mode.livemode(),
        events: vec![event],
    };
    let sent = match EventsClient::of(env, merchant, mode) {
        Ok(client) => client.text(&record).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        worker::console_error!(
            "settlement event not recorded ({}); posting the file again re-sends it",
            e.code
        );
    }
}
