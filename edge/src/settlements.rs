//! Settlements: a network's file reconciled against the edge. The voucher objects decide
//! (a line for a pending voucher pays it through the notification path, source
//! `settlement`); the reporting rows (the settlement and its lines) go to D1 afterwards,
//! never read to decide money.
//!
//! - `POST /v1/settlements?network=` (secret key, the file as received, ≤ 5 MiB): parsed
//!   strictly (`vale_shared::settlement`), each line matched by payment code; the same
//!   file twice is the same settlement (its id is derived from the file) and changes
//!   nothing.
//! - `GET /v1/settlements/{id}`, `GET /v1/settlements/{id}/lines?category=` (JSON, or CSV
//!   under `Accept: text/csv`), `GET /v1/settlements`.
//! - `GET /v1/settlements/unsettled?older_than_days=` (secret or restricted key): paid
//!   vouchers no settlement listed yet (the daily digest's question, asked any time).
//! - `GET /v1/sandbox/settlements/{date}?network=` (test keys): the file the network would
//!   send for that day's test payments.

use crate::auth;
use crate::body;
use crate::clock;
use crate::config::{Config, Mode};
use crate::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::events::{self, EventsClient, Forwarded};
use crate::ledger::{self, CodedList, LedgerClient};
use crate::vouchers::{Command, PaidWith, Scope, SettleLine, Settled, VoucherClient};
use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use time::{Duration, OffsetDateTime};
use vale_shared::event::{EventType, subject_event_id};
use vale_shared::id::SettlementId;
use vale_shared::settlement::{self, Settlement};
use vale_shared::{Currency, Money, Network};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response};

/// The categories a line can fall in, in the contract's order.
pub const CATEGORIES: [&str; 6] = [
    "matched",
    "paid_without_notification",
    "amount_mismatch",
    "unknown_reference",
    "duplicate",
    "notified_not_settled",
];

/// How many voucher objects are asked at once.
const PARALLEL: usize = 50;

fn db(env: &Env) -> ApiResult<D1Database> {
    Ok(env.d1("REPORTS")?)
}

fn network_param(req: &Request) -> ApiResult<Network> {
    let url = req.url()?;
    url.query_pairs()
        .find(|(k, _)| k == "network")
        .and_then(|(_, v)| v.parse::<Network>().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "network",
                "network_invalid",
                "network must be efecty or pagoefectivo.",
            )
        })
}

/// One line of the report.
#[derive(Debug, Clone)]
struct Out {
    line: Option<usize>,
    category: &'static str,
    payment_code: String,
    voucher: Option<String>,
    amount: Option<i64>,
    voucher_amount: Option<i64>,
    operation: Option<String>,
    paid_at: Option<String>,
}

fn category(name: &str) -> &'static str {
    CATEGORIES
        .into_iter()
        .find(|c| *c == name)
        .unwrap_or("amount_mismatch")
}

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The payment's network key, the same its notification carries.
fn network_key(network: Network, line: &settlement::Line) -> String {
    let operation = line
        .operation
        .clone()
        .unwrap_or_else(|| format!("line-{}", line.line));
    match network {
        Network::Efecty => format!("efecty:{operation}"),
        Network::Pagoefectivo => format!("pagoefectivo:cip.paid:{operation}"),
    }
}

/// `POST /v1/settlements?network=`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let network = network_param(&req)?;
    let raw = body::read_at_most(&mut req, body::MAX_FILE).await?;
    let file = settlement::parse(network, &raw).map_err(|e| {
        ApiError::invalid(
            &format!("line:{}", e.line),
            "settlement_invalid",
            e.to_string(),
        )
    })?;
    let mode = access.mode;
    let id = settlement_id(&access.merchant.id.to_string(), mode, network, &raw);
    let db = db(env)?;
    if let Some(existing) = load(&db, &id, &access.merchant.id.to_string(), mode).await? {
        // Sent again, in case the first sending was lost (the same id: one event).
        reconciled(env, &access.merchant.id, mode, &id, &existing).await;
        return Ok(json_response(200, existing.to_string()));
    }
    let scope = Scope::merchant(&access.merchant.id, mode);
    let ledger = LedgerClient::of(env, &access.merchant.id)?;
    // Duplicates within the file: the same payment listed twice.
    let mut seen = HashSet::new();
    let mut unique = Vec::with_capacity(file.lines.len());
    let mut out: Vec<Out> = Vec::with_capacity(file.lines.len());
    for line in &file.lines {
        let key = (
            line.payment_code.clone(),
            network_key(network, line),
            line.amount.minor(),
        );
        if seen.insert(key) {
            unique.push(line);
        } else {
            out.push(Out {
                line: Some(line.line),
                category: "duplicate",
                payment_code: line.payment_code.clone(),
                voucher: None,
                amount: Some(line.amount.minor()),
                voucher_amount: None,
                operation: line.operation.clone(),
                paid_at: line.paid_at.and_then(rfc3339),
            });
        }
    }
    let codes: Vec<String> = unique.iter().map(|l| l.payment_code.clone()).collect();
    let found: CodedList = ledger
        .call(&ledger::Command::LookupMany {
            livemode: mode.livemode(),
            network,
            codes,
        })
        .await?;
    let by_code: HashMap<String, vale_shared::VoucherId> = found
        .vouchers
        .into_iter()
        .map(|c| (c.payment_code, c.id))
        .collect();
    let mut settled_ids = Vec::new();
    for chunk in unique.chunks(PARALLEL) {
        let asks = chunk.iter().map(|line| {
            let voucher = by_code.get(&line.payment_code).cloned();
            let scope = scope.clone();
            let id = id.to_string();
            async move {
                let Some(voucher) = voucher else {
                    return Ok::<_, ApiError>((*line, None, None));
                };
                let settled: Settled = VoucherClient::of(env, &voucher)?
                    .call(
                        scope,
                        Command::Settle(SettleLine {
                            settlement: id,
                            amount: line.amount,
                            paid_at: line.paid_at,
                            network_key: network_key(network, line),
                            body: format!("{{\"source\":\"settlement\",\"line\":{}}}", line.line),
                        }),
                    )
                    .await?;
                Ok((*line, Some(voucher), Some(settled)))
            }
        });
        for result in join_all(asks).await {
            let (line, voucher, settled) = result?;
            let (cat, voucher_amount) = match &settled {
                Some(s) => (category(&s.category), Some(s.voucher_amount)),
                None => ("unknown_reference", None),
            };
            if let Some(v) = &voucher {
                settled_ids.push(v.clone());
            }
            out.push(Out {
                line: Some(line.line),
                category: cat,
                payment_code: line.payment_code.clone(),
                voucher: voucher.map(|v| v.to_string()),
                amount: Some(line.amount.minor()),
                voucher_amount,
                operation: line.operation.clone(),
                paid_at: line.paid_at.and_then(rfc3339),
            });
        }
    }
    // Paid (the edge says) on the file's day, but not in the file.
    let (from_ms, to_ms) = clock::day_bounds(file.file_date);
    let paid: CodedList = ledger
        .call(&ledger::Command::PaidIn {
            livemode: mode.livemode(),
            network,
            from_ms,
            to_ms,
        })
        .await?;
    let listed: HashSet<&str> = file.lines.iter().map(|l| l.payment_code.as_str()).collect();
    for v in paid
        .vouchers
        .iter()
        .filter(|v| !listed.contains(v.payment_code.as_str()))
    {
        out.push(Out {
            line: None,
            category: "notified_not_settled",
            payment_code: v.payment_code.clone(),
            voucher: Some(v.id.to_string()),
            amount: None,
            voucher_amount: None,
            operation: None,
            paid_at: None,
        });
    }
    if !settled_ids.is_empty() {
        ledger
            .call::<ledger::Done>(&ledger::Command::MarkSettled { ids: settled_ids })
            .await?;
    }
    out.sort_by_key(|o| (o.line.is_none(), o.line));
    let object = render(&id, mode, network, &file, &out, clock::now());
    store(
        &db,
        &id,
        &access.merchant.id.to_string(),
        mode,
        &file,
        &object,
        &out,
    )
    .await?;
    reconciled(env, &access.merchant.id, mode, &id, &object).await;
    Ok(json_response(201, object.to_string()))
}

/// `settlement.reconciled`, its id derived from the settlement's: however often it is
/// sent (a file posted again re-sends it, in case the first was lost), it is one event.
async fn reconciled(
    env: &Env,
    merchant: &vale_shared::MerchantId,
    mode: Mode,
    id: &SettlementId,
    object: &Value,
) {
    let event = Forwarded {
        id: subject_event_id(id.as_str(), EventType::SettlementReconciled, "1"),
        kind: EventType::SettlementReconciled,
        created_ms: clock::millis(clock::now()),
        data: object.to_string(),
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

fn settlement_id(merchant: &str, mode: Mode, network: Network, raw: &[u8]) -> SettlementId {
    let digest = Sha256::new()
        .chain_update(b"vale/settlement/v1/")
        .chain_update(merchant.as_bytes())
        .chain_update(if mode.livemode() {
            b"/live/"
        } else {
            b"/test/"
        })
        .chain_update(network.as_str().as_bytes())
        .chain_update(b"/")
        .chain_update(raw)
        .finalize();
    let mut bytes = [0_u8; 15];
    for (to, from) in bytes.iter_mut().zip(digest.iter()) {
        *to = *from;
    }
    SettlementId::from_random(bytes)
}

fn render(
    id: &SettlementId,
    mode: Mode,
    network: Network,
    file: &Settlement,
    out: &[Out],
    now: OffsetDateTime,
) -> Value {
    let mut counts = serde_json::Map::new();
    for c in CATEGORIES {
        counts.insert(
            c.to_owned(),
            json!(out.iter().filter(|o| o.category == c).count()),
        );
    }
    json!({
        "id": id, "object": "settlement", "livemode": mode.livemode(), "network": network.as_str(),
        "file_date": file.file_date.to_string(), "lines": file.lines.len(),
        "total": file.total.minor(), "currency": file.total.currency().code(),
        "counts": counts,
        "created_at": rfc3339(now.to_offset(network.utc_offset())),
    })
}

async fn store(
    db: &D1Database,
    id: &SettlementId,
    merchant: &str,
    mode: Mode,
    file: &Settlement,
    object: &Value,
    out: &[Out],
) -> ApiResult<()> {
    let s = |v: &str| JsValue::from_str(v);
    let n = |v: i64| JsValue::from_f64(v as f64);
    let opt_s = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    let opt_n = |v: Option<i64>| v.map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64));
    let mut statements = vec![db
        .prepare(
            "INSERT OR IGNORE INTO settlement (id, merchant_id, livemode, network, file_date, lines, total, currency, counts, created_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&[
            s(id.as_str()),
            s(merchant),
            n(i64::from(mode.livemode())),
            s(object["network"].as_str().unwrap_or_default()),
            s(&file.file_date.to_string()),
            n(i64::try_from(file.lines.len()).unwrap_or(i64::MAX)),
            n(file.total.minor()),
            s(file.total.currency().code()),
            s(&object["counts"].to_string()),
            n(clock::millis(clock::now())),
        ])?];
    // Ten lines a statement (D1 binds at most 100 parameters).
    for (chunk_no, chunk) in out.chunks(10).enumerate() {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut args = Vec::with_capacity(chunk.len() * 10);
        for (i, o) in chunk.iter().enumerate() {
            args.extend([
                s(id.as_str()),
                n(i64::try_from(chunk_no * 10 + i).unwrap_or(i64::MAX)),
                opt_n(o.line.and_then(|l| i64::try_from(l).ok())),
                s(o.category),
                s(&o.payment_code),
                opt_s(&o.voucher),
                opt_n(o.amount),
                opt_n(o.voucher_amount),
                opt_s(&o.operation),
                opt_s(&o.paid_at),
            ]);
        }
        statements.push(
            db.prepare(format!(
                "INSERT OR IGNORE INTO settlement_line (settlement_id, n, line, category, payment_code, voucher_id, amount, voucher_amount, operation, paid_at) VALUES {marks}"
            ))
            .bind(&args)?,
        );
    }
    db.batch(statements).await?;
    Ok(())
}

#[derive(Deserialize)]
struct StoredSettlement {
    id: String,
    livemode: i64,
    network: String,
    file_date: String,
    lines: i64,
    total: i64,
    currency: String,
    counts: String,
    created_ms: i64,
}

impl StoredSettlement {
    fn render(&self) -> Value {
        let network: Network = self.network.parse().unwrap_or(Network::Efecty);
        let created = clock::from_millis(u64::try_from(self.created_ms).unwrap_or(0))
            .to_offset(network.utc_offset());
        json!({
            "id": self.id, "object": "settlement", "livemode": self.livemode != 0,
            "network": self.network, "file_date": self.file_date, "lines": self.lines,
            "total": self.total, "currency": self.currency,
            "counts": serde_json::from_str::<Value>(&self.counts).unwrap_or_else(|_| json!({})),
            "created_at": rfc3339(created),
        })
    }
}

async fn load(
    db: &D1Database,
    id: &SettlementId,
    merchant: &str,
    mode: Mode,
) -> ApiResult<Option<Value>> {
    let row: Option<StoredSettlement> = db
        .prepare("SELECT id, livemode, network, file_date, lines, total, currency, counts, created_ms FROM settlement WHERE id = ? AND merchant_id = ? AND livemode = ?")
        .bind(&[
            JsValue::from_str(id.as_str()),
            JsValue::from_str(merchant),
            JsValue::from_f64(f64::from(u8::from(mode.livemode()))),
        ])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.render()))
}

fn no_such_settlement() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such settlement.",
    )
}

fn parse_settlement_id(id: &str) -> ApiResult<SettlementId> {
    id.parse().map_err(|_| no_such_settlement())
}

/// `GET /v1/settlements/{id}`.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let id = parse_settlement_id(id)?;
    let found = load(&db(env)?, &id, &access.merchant.id.to_string(), access.mode)
        .await?
        .ok_or_else(no_such_settlement)?;
    Ok(json_response(200, found.to_string()))
}

/// `GET /v1/settlements`: newest first, at most 100.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let rows: Vec<StoredSettlement> = db(env)?
        .prepare("SELECT id, livemode, network, file_date, lines, total, currency, counts, created_ms FROM settlement WHERE merchant_id = ? AND livemode = ? ORDER BY created_ms DESC LIMIT 100")
        .bind(&[
            JsValue::from_str(&access.merchant.id.to_string()),
            JsValue::from_f64(f64::from(u8::from(access.livemode()))),
        ])?
        .all()
        .await?
        .results()?;
    let data: Vec<Value> = rows.iter().map(StoredSettlement::render).collect();
    Ok(json_response(
        200,
        json!({"object": "list", "data": data, "has_more": false}).to_string(),
    ))
}

#[derive(Deserialize)]
struct LineRow {
    line: Option<i64>,
    category: String,
    payment_code: String,
    voucher_id: Option<String>,
    amount: Option<i64>,
    voucher_amount: Option<i64>,
    operation: Option<String>,
    paid_at: Option<String>,
}

/// `GET /v1/settlements/{id}/lines?category=`: JSON, or CSV under `Accept: text/csv`.
pub async fn lines(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let id = parse_settlement_id(id)?;
    let db = db(env)?;
    load(&db, &id, &access.merchant.id.to_string(), access.mode)
        .await?
        .ok_or_else(no_such_settlement)?;
    let wanted = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "category")
        .map(|(_, v)| v.into_owned());
    if let Some(c) = &wanted
        && !CATEGORIES.contains(&c.as_str())
    {
        return Err(ApiError::invalid(
            "category",
            "category_invalid",
            "category is not a settlement category.",
        ));
    }
    let rows: Vec<LineRow> = db
        .prepare("SELECT line, category, payment_code, voucher_id, amount, voucher_amount, operation, paid_at FROM settlement_line WHERE settlement_id = ? AND (? IS NULL OR category = ?) ORDER BY n")
        .bind(&[
            JsValue::from_str(id.as_str()),
            wanted.as_deref().map_or(JsValue::NULL, JsValue::from_str),
            wanted.as_deref().map_or(JsValue::NULL, JsValue::from_str),
        ])?
        .all()
        .await?
        .results()?;
    let csv = req
        .headers()
        .get("accept")?
        .is_some_and(|a| a.contains("text/csv"));
    if csv {
        let mut text = String::from(
            "line,category,payment_code,voucher,amount,voucher_amount,operation,paid_at\n",
        );
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        for r in &rows {
            text.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                opt(r.line),
                r.category,
                vale_shared::csv::field(&r.payment_code),
                r.voucher_id.as_deref().unwrap_or_default(),
                opt(r.amount),
                opt(r.voucher_amount),
                vale_shared::csv::field(r.operation.as_deref().unwrap_or_default()),
                r.paid_at.as_deref().unwrap_or_default(),
            ));
        }
        let resp = Response::ok(text)?;
        resp.headers()
            .set("content-type", "text/csv; charset=utf-8")?;
        return Ok(resp);
    }
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"line": r.line, "category": r.category, "payment_code": r.payment_code,
                "voucher": r.voucher_id, "amount": r.amount, "voucher_amount": r.voucher_amount,
                "operation": r.operation, "paid_at": r.paid_at})
        })
        .collect();
    Ok(json_response(
        200,
        json!({"object": "list", "data": data, "has_more": false}).to_string(),
    ))
}

/// `GET /v1/settlements/unsettled?older_than_days=` (default 3): paid vouchers no
/// settlement listed, paid longer ago than that.
pub async fn unsettled(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let days = match req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "older_than_days")
    {
        None => 3,
        Some((_, v)) => v
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=90).contains(d))
            .ok_or_else(|| {
                ApiError::invalid(
                    "older_than_days",
                    "parameter_invalid",
                    "older_than_days must be 0 to 90.",
                )
            })?,
    };
    let found: CodedList = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::Unsettled {
            livemode: access.livemode(),
            paid_before_ms: clock::millis(clock::now() - Duration::days(days)),
            limit: 1000,
        })
        .await?;
    let data: Vec<Value> = found
        .vouchers
        .iter()
        .map(|v| json!({"voucher": v.id, "payment_code": v.payment_code, "network": v.network}))
        .collect();
    Ok(json_response(
        200,
        json!({"object": "list", "data": data, "has_more": data.len() >= 1000}).to_string(),
    ))
}

/// `GET /v1/settlements/digest`: the newest daily digest (the cron writes one a day):
/// `{day, unsettled: [{voucher, payment_code, network}], created_at}`, plus the
/// settlements of the last 30 days that had mismatches.
pub async fn digest(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let found: ledger::DigestRow = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::LatestDigest {
            livemode: access.livemode(),
        })
        .await?;
    let since = clock::millis(clock::now() - Duration::days(30));
    let rows: Vec<StoredSettlement> = db(env)?
        .prepare("SELECT id, livemode, network, file_date, lines, total, currency, counts, created_ms FROM settlement WHERE merchant_id = ? AND livemode = ? AND created_ms >= ? ORDER BY created_ms DESC LIMIT 100")
        .bind(&[
            JsValue::from_str(&access.merchant.id.to_string()),
            JsValue::from_f64(f64::from(u8::from(access.livemode()))),
            JsValue::from_f64(since as f64),
        ])?
        .all()
        .await?
        .results()?;
    let mismatched: Vec<Value> = rows
        .iter()
        .map(StoredSettlement::render)
        .filter(|s| {
            [
                "amount_mismatch",
                "unknown_reference",
                "notified_not_settled",
            ]
            .iter()
            .any(|c| {
                s.get("counts")
                    .and_then(|counts| counts.get(*c))
                    .and_then(Value::as_u64)
                    .is_some_and(|n| n > 0)
            })
        })
        .collect();
    let created = (found.created_ms > 0).then(|| {
        rfc3339(
            clock::from_millis(u64::try_from(found.created_ms).unwrap_or(0))
                .to_offset(time::macros::offset!(-5)),
        )
    });
    let unsettled: Vec<Value> = found
        .unsettled
        .iter()
        .map(|v| json!({"voucher": v.id, "payment_code": v.payment_code, "network": v.network}))
        .collect();
    let body = json!({
        "object": "settlement_digest",
        "day": (!found.day.is_empty()).then_some(found.day),
        "created_at": created.flatten(),
        "unsettled": unsettled,
        "settlements_with_mismatches": mismatched,
    });
    Ok(json_response(200, body.to_string()))
}

/// `GET /v1/sandbox/settlements/{date}?network=` (test keys): the file the network would
/// send for that day's test payments.
pub async fn sandbox_file(
    req: &Request,
    env: &Env,
    config: &Config,
    date: &str,
) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    if access.mode != Mode::Test {
        return Err(ApiError::not_found());
    }
    let network = network_param(req)?;
    let (day, from_ms, to_ms) = clock::lima_day(date, "date")?;
    let paid: CodedList = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::PaidIn {
            livemode: false,
            network,
            from_ms,
            to_ms,
        })
        .await?;
    let scope = Scope::merchant(&access.merchant.id, access.mode);
    let mut lines = Vec::with_capacity(paid.vouchers.len());
    for chunk in paid.vouchers.chunks(PARALLEL) {
        let asks = chunk.iter().map(|v| {
            let scope = scope.clone();
            async move {
                VoucherClient::of(env, &v.id)?
                    .call::<PaidWith>(scope, Command::Payment)
                    .await
            }
        });
        for paid in join_all(asks).await {
            lines.push(paid?);
        }
    }
    let currency = match network {
        Network::Efecty => Currency::Cop,
        Network::Pagoefectivo => Currency::Pen,
    };
    let written = |e: String| ApiError::internal(format!("sandbox settlement file: {e}"));
    let text = match network {
        Network::Efecty => {
            use vale_shared::settlement::efecty::{self, Detail, FileHeader, Lot, Recaudo};
            let mut details = Vec::with_capacity(lines.len());
            for (i, p) in lines.iter().enumerate() {
                // The file has six characters for the authorization: its last six.
                let key = p.network_key.rsplit(':').next().unwrap_or_default();
                let tail: String = key
                    .chars()
                    .rev()
                    .take(6)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                details.push(Detail {
                    line: 0,
                    reference: p.payment_code.clone(),
                    amount: Money::new(p.amount, currency).map_err(|e| written(e.to_string()))?,
                    origin: "01".into(),
                    payment_method: "01".into(),
                    operation_number: format!("{:06}", (i + 1) % 1_000_000),
                    authorization: format!("{tail:0>6}"),
                    bank_code: "007".into(),
                    branch: "0001".into(),
                    sequence: format!("{:07}", i + 1),
                    return_cause: "000".into(),
                });
            }
            let file = Recaudo {
                header: FileHeader {
                    nit: "0900123456".into(),
                    collection_date: day,
                    bank_code: "007".into(),
                    account: "00000000000000000".into(),
                    file_date: day,
                    file_time: time::macros::time!(23:59),
                    modifier: "A".into(),
                    account_type: "01".into(),
                },
                lots: vec![Lot {
                    service_code: "0000000000000".into(),
                    number: 1,
                    details,
                }],
            };
            efecty::write(&file).map_err(|e| written(e.to_string()))?
        }
        Network::Pagoefectivo => {
            use vale_shared::settlement::pagoefectivo::{self, Payment};
            let mut payments = Vec::with_capacity(lines.len());
            for p in &lines {
                payments.push(Payment {
                    cip: p.payment_code.clone(),
                    amount: Money::new(p.amount, currency).map_err(|e| written(e.to_string()))?,
                    paid_at: OffsetDateTime::from_unix_timestamp(p.paid_at)
                        .map_err(|e| written(e.to_string()))?
                        .to_offset(network.utc_offset()),
                    operation_number: p
                        .network_key
                        .rsplit(':')
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                });
            }
            pagoefectivo::write(&payments).map_err(|e| written(e.to_string()))?
        }
    };
    let resp = Response::ok(text)?;
    resp.headers().set(
        "content-type",
        match network {
            Network::Efecty => "text/plain; charset=utf-8",
            Network::Pagoefectivo => "text/csv; charset=utf-8",
        },
    )?;
    Ok(resp)
}
