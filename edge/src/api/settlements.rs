//! Settlements: a network's file reconciled against the edge. The file is parsed and
//! checked whole (dates included) before anything is applied; then a job object
//! (`job::SettlementJob`, one per settlement) sends each voucher all its lines of the
//! file, and each voucher decides (`vale_shared::settlement::reconcile`): a payment it
//! holds (`matched`, or `duplicate` when listed again), or a new one recorded through the
//! same exactly-once decision as a notification (`paid_without_notification`,
//! `late_payment`, `unexpected_payment`). The reporting rows (the settlement and its
//! lines) go to D1 (`report`), never read to decide money.
//!
//! - `POST /v1/settlements?network=` (secret key, the file as received, ≤ 5 MiB): `201`
//!   when reconciled within the request, `202` with `status: "processing"` when the file
//!   is large enough to need more runs than one request allows; the same file again is
//!   the same settlement (its id is derived from the file) and changes nothing (`200`).
//! - `GET /v1/settlements/{id}`, `GET /v1/settlements/{id}/lines?category=` (JSON, or CSV
//!   under `Accept: text/csv`), `GET /v1/settlements`.
//! - `GET /v1/settlements/unsettled?older_than_days=` (secret or restricted key): paid
//!   vouchers no settlement listed yet (the daily digest's question, asked any time).
//! - `GET /v1/sandbox/settlements/{date}?network=` (test keys): the file the network would
//!   send for that day's test payments.

use crate::config::{Config, Mode};
use crate::http::auth;
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::objects::ledger::{self, CodedList, LedgerClient};
use crate::objects::settlement_job::{self as job, report};
use crate::objects::voucher::{Command, PaidWith, Scope, VoucherClient};
use crate::runtime::clock;
use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use vale_shared::id::SettlementId;
use vale_shared::payment::PaymentIdentity;
use vale_shared::settlement::{self, Category};
use vale_shared::{Currency, Money, Network};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response};

/// How many voucher objects the sandbox's file asks at once.
pub(super) const PARALLEL: usize = 50;

pub(super) fn db(env: &Env) -> ApiResult<D1Database> {
    Ok(env.d1("REPORTS")?)
}

pub(super) fn network_param(req: &Request) -> ApiResult<Network> {
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

pub(crate) fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// `POST /v1/settlements?network=`.
pub async fn create(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let network = network_param(&req)?;
    let raw = body::read_at_most(&mut req, body::MAX_FILE).await?;
    start(env, &access, network, raw).await
}

/// `POST /v1/sandbox/settlements/{date}/apply?network=` (test keys): writes that day's
/// file (as `GET /v1/sandbox/settlements/{date}`) and reconciles it in one step, as
/// posting it to `/v1/settlements` would (issue #23: a test's balances become available).
pub async fn sandbox_apply(
    req: &Request,
    env: &Env,
    config: &Config,
    date: &str,
) -> ApiResult<Response> {
    let (access, network, text) = sandbox_day(req, env, config, date).await?;
    start(env, &access, network, text.into_bytes()).await
}

/// The sandbox's file of `date` for the network the request names, with the key it was
/// asked with: a secret key in test mode only (a live key finds no such route).
async fn sandbox_day<'c>(
    req: &Request,
    env: &Env,
    config: &'c Config,
    date: &str,
) -> ApiResult<(auth::Access<'c>, Network, String)> {
    let access = auth::secret(req, config)?;
    if access.mode != Mode::Test {
        return Err(ApiError::not_found());
    }
    let network = network_param(req)?;
    let text = sandbox_text(env, &access, network, date).await?;
    Ok((access, network, text))
}

/// Reconciles one file of `network` for the key's merchant and mode.
async fn start(
    env: &Env,
    access: &auth::Access<'_>,
    network: Network,
    raw: Vec<u8>,
) -> ApiResult<Response> {
    // The whole file, dates included, before any line touches a voucher.
    settlement::parse(network, &raw).map_err(|e| {
        ApiError::invalid(
            &format!("line:{}", e.line),
            "settlement_invalid",
            e.to_string(),
        )
    })?;
    let mode = access.mode;
    let merchant = &access.merchant.id;
    let id = settlement_id(merchant.as_str(), mode, network, &raw);
    if let Some(existing) = load(&db(env)?, &id, merchant.as_str(), mode).await?
        && existing.get("status").and_then(Value::as_str) == Some("reconciled")
    {
        // Sent again, in case the first sending was lost (the same id: one event).
        report::reconciled(env, merchant, mode, &id, &existing).await;
        return Ok(json_response(200, existing.to_string()));
    }
    // A file that parsed is UTF-8 (Efecty's records are ASCII; PagoEfectivo's CSV is
    // read as UTF-8).
    let file = String::from_utf8(raw)
        .map_err(|_| ApiError::internal("a settlement file that parsed is not UTF-8"))?;
    let progress: job::Progress = job::JobClient::of(env, &id)?
        .call(&job::Command::Start {
            id: id.clone(),
            merchant: merchant.clone(),
            livemode: mode.livemode(),
            network,
            file,
        })
        .await?;
    let status = match (progress.reconciled, progress.fresh) {
        (false, _) => 202,
        (true, true) => 201,
        (true, false) => 200,
    };
    Ok(json_response(status, progress.object.to_string()))
}

pub(super) fn settlement_id(
    merchant: &str,
    mode: Mode,
    network: Network,
    raw: &[u8],
) -> SettlementId {
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

#[derive(Deserialize)]
pub(super) struct StoredSettlement {
    id: String,
    livemode: i64,
    network: String,
    file_date: String,
    lines: i64,
    total: i64,
    currency: String,
    counts: String,
    created_ms: i64,
    status: String,
}

impl StoredSettlement {
    pub(super) fn render(&self) -> Value {
        let network: Network = self.network.parse().unwrap_or(Network::Efecty);
        let created = clock::from_millis(u64::try_from(self.created_ms).unwrap_or(0))
            .to_offset(network.utc_offset());
        // Counts stored before a category was added say nothing of it: zero.
        let stored = serde_json::from_str::<Value>(&self.counts).unwrap_or_else(|_| json!({}));
        let counts: serde_json::Map<String, Value> = Category::ALL
            .iter()
            .map(|c| {
                let n = stored.get(c.as_str()).cloned().unwrap_or_else(|| json!(0));
                (c.as_str().to_owned(), n)
            })
            .collect();
        json!({
            "id": self.id, "object": "settlement", "livemode": self.livemode != 0,
            "network": self.network, "file_date": self.file_date, "lines": self.lines,
            "total": self.total, "currency": self.currency, "status": self.status,
            "counts": counts,
            "created_at": rfc3339(created.replace_millisecond(0).unwrap_or(created)),
        })
    }
}

pub(super) async fn load(
    db: &D1Database,
    id: &SettlementId,
    merchant: &str,
    mode: Mode,
) -> ApiResult<Option<Value>> {
    let row: Option<StoredSettlement> = db
        .prepare("SELECT id, livemode, network, file_date, lines, total, currency, counts, created_ms, status FROM settlement WHERE id = ? AND merchant_id = ? AND livemode = ?")
        .bind(&[
            JsValue::from_str(id.as_str()),
            JsValue::from_str(merchant),
            JsValue::from_f64(f64::from(u8::from(mode.livemode()))),
        ])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.render()))
}

pub(super) fn no_such_settlement() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such settlement.",
    )
}

pub(super) fn parse_settlement_id(id: &str) -> ApiResult<SettlementId> {
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
        .prepare("SELECT id, livemode, network, file_date, lines, total, currency, counts, created_ms, status FROM settlement WHERE merchant_id = ? AND livemode = ? ORDER BY created_ms DESC LIMIT 100")
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
pub(super) struct LineRow {
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
        && c.parse::<Category>().is_err()
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

/// `GET /v1/sandbox/settlements/{date}?network=` (test keys): the file the network would
/// send for that day's test payments.
pub async fn sandbox_file(
    req: &Request,
    env: &Env,
    config: &Config,
    date: &str,
) -> ApiResult<Response> {
    let (_, network, text) = sandbox_day(req, env, config, date).await?;
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

/// The file the network would send for that day's test payments.
async fn sandbox_text(
    env: &Env,
    access: &auth::Access<'_>,
    network: Network,
    date: &str,
) -> ApiResult<String> {
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
                // The file has six characters for the authorization: its last six,
                // zero-padded (blank when the edge knows none).
                let authorization = p.operation.as_ref().map_or_else(
                    || " ".repeat(6),
                    |op| PaymentIdentity::Efecty(op.clone()).file_form(),
                );
                details.push(Detail {
                    line: 0,
                    reference: p.payment_code.clone(),
                    amount: Money::new(p.amount, currency).map_err(|e| written(e.to_string()))?,
                    origin: "01".into(),
                    payment_method: "01".into(),
                    operation_number: format!("{:06}", (i + 1) % 1_000_000),
                    authorization,
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
                    operation_number: p.operation.clone().unwrap_or_default(),
                });
            }
            pagoefectivo::write(&payments).map_err(|e| written(e.to_string()))?
        }
    };
    Ok(text)
}
