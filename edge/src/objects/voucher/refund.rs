//! A voucher object's refunds: they live in the voucher's own storage, so every create
//! and every move is serialised with the payments it refunds (no await between reading
//! what is refundable and writing the refund), and each commits with its event in one
//! transaction. The rules are `vale_shared::refund`'s (`open` for a create, `flow::decide`
//! for every move); this file loads, asks, writes.

use super::object::{VoucherObject, json};
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::objects::voucher::store::Stored;
use crate::objects::voucher::{RefundAction, RefundRequest, Scope};
use crate::runtime::clock;
use crate::runtime::random;
use crate::runtime::storage::{self, int, opt_int, opt_text, text};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Digest as _;
use time::{Duration, OffsetDateTime};
use vale_shared::event::EventType;
use vale_shared::id::{RefundId, RefundSecret};
use vale_shared::refund::destination::{Country, Destination};
use vale_shared::refund::flow::{self, Command as Ask, Refusal};
use vale_shared::refund::{self, FailureReason, Paid, Reason, RefundStatus};
use vale_shared::{Network, VoucherStatus};
use worker::SqlStorage;

/// How long a refund waits for the shopper to choose where the money goes.
pub const CHOOSE_WITHIN: Duration = Duration::days(45);
/// How long a cash pickup can be collected once prepared: after it the withdrawal is past
/// due, never failed on this clock (only the rail voids it).
pub const COLLECT_WITHIN: Duration = Duration::days(30);

/// A refund as stored.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Row {
    number: i64,
    id: String,
    payment_seq: Option<i64>,
    amount: i64,
    currency: String,
    reason: String,
    status: String,
    metadata: String,
    created_by: String,
    created_ms: i64,
    expires_ms: i64,
    destination: Option<String>,
    withdrawal_code: Option<String>,
    collectable_until_ms: Option<i64>,
    succeeded_ms: Option<i64>,
    failure_reason: Option<String>,
    version: i64,
    approval_required: i64,
    approved_for: Option<String>,
    approved_by: Option<String>,
    approved_ms: Option<i64>,
    past_due_ms: Option<i64>,
}

const COLUMNS: &str = "number, id, payment_seq, amount, currency, reason, status, metadata, created_by, created_ms, expires_ms, destination, withdrawal_code, collectable_until_ms, succeeded_ms, failure_reason, version, approval_required, approved_for, approved_by, approved_ms, past_due_ms";

fn bad_stored() -> ApiError {
    ApiError::internal("stored refund: bad value")
}

impl Row {
    fn status(&self) -> ApiResult<RefundStatus> {
        self.status.parse().map_err(|()| bad_stored())
    }

    fn destination(&self) -> Option<Destination> {
        let value: Value = serde_json::from_str(self.destination.as_deref()?).ok()?;
        Destination::from_stored(&value)
    }

    /// The refund as the pure flow sees it. A refund whose own amount is above the
    /// merchant's threshold always needs approval (one stored before the flag existed
    /// included).
    fn flow(&self, approval_above: Option<i64>) -> ApiResult<flow::Refund> {
        let approved_for = match &self.approved_for {
            Some(hex) => Some(
                hex::decode(hex)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(bad_stored)?,
            ),
            None => None,
        };
        Ok(flow::Refund {
            status: self.status()?,
            approval_required: self.approval_required != 0
                || approval_above.is_some_and(|limit| self.amount > limit),
            destination: self.destination().map(|d| d.payee()),
            approved_for,
            withdrawal: self.withdrawal_code.as_ref().map(|_| flow::Withdrawal {
                past_due: self.past_due_ms.is_some(),
            }),
        })
    }
}

/// Every refund of the voucher, oldest first.
pub(super) fn load_all(sql: &SqlStorage) -> ApiResult<Vec<Row>> {
    Ok(sql
        .exec(
            &format!("SELECT {COLUMNS} FROM refund ORDER BY number"),
            None,
        )?
        .to_array()?)
}

fn load(sql: &SqlStorage, id: &RefundId) -> ApiResult<Row> {
    sql.exec(
        &format!("SELECT {COLUMNS} FROM refund WHERE id = ?"),
        vec![text(id.as_str())],
    )?
    .to_array::<Row>()?
    .into_iter()
    .next()
    .ok_or_else(no_such_refund)
}

fn no_such_refund() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such refund.",
    )
}

fn country(network: Network) -> Country {
    match network {
        Network::Efecty => Country::Colombia,
        Network::Pagoefectivo => Country::Peru,
    }
}

/// Unix ms cut to the whole second: what a refund's instants are stored as, so what the
/// API shows (to the second) is the instant that holds.
fn whole_second(at: OffsetDateTime) -> i64 {
    clock::millis(at).div_euclid(1000) * 1000
}

/// RFC 3339 in the network's offset, to the second: no fractional seconds (PHP's RFC 3339
/// parser and strict `strptime` refuse them).
fn rfc3339(ms: i64, stored: &Stored) -> Value {
    let t =
        clock::from_millis(u64::try_from(ms).unwrap_or(0)).to_offset(stored.network.utc_offset());
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .map_or(Value::Null, Value::String)
}

/// What a withdrawal is at: `collectable` (its code can be collected), `past_due` (its
/// date passed and the rail has not said: still held, still collectable as far as Vale
/// knows), `collected`, or `void`.
fn withdrawal_status(row: &Row, status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Succeeded => "collected",
        RefundStatus::Failed => "void",
        _ if row.past_due_ms.is_some() => "past_due",
        _ => "collectable",
    }
}

/// The refund object (`display`: the shopper's view, no secret or metadata).
fn render(
    row: &Row,
    stored: &Stored,
    server_key: &[u8],
    origin: &str,
    display: bool,
) -> ApiResult<Value> {
    let id: RefundId = row.id.parse().map_err(|_| bad_stored())?;
    let secret = RefundSecret::derive(server_key, &id);
    let at = |ms: Option<i64>| ms.map_or(Value::Null, |ms| rfc3339(ms, stored));
    let status = row.status()?;
    let withdrawal = match (&row.withdrawal_code, row.collectable_until_ms) {
        (Some(code), Some(until)) => json!({"code": code,
            "collectable_until": rfc3339(until, stored),
            "status": withdrawal_status(row, status)}),
        _ => Value::Null,
    };
    let mut refund = json!({
        "id": row.id, "object": "refund", "livemode": stored.livemode,
        "voucher": stored.id, "amount": row.amount, "currency": row.currency,
        "reason": row.reason, "status": status.as_str(),
        "destination": row.destination().map_or(Value::Null, |d| d.masked()),
        "collect_url": format!("{origin}/r/{}?cs={}", row.id, secret.expose()),
        "expires_at": rfc3339(row.expires_ms, stored),
        "created_at": rfc3339(row.created_ms, stored),
        "succeeded_at": at(row.succeeded_ms),
        "failure_reason": row.failure_reason,
        "withdrawal": withdrawal,
        "approval_required": row.approval_required != 0,
        "approved_at": at(row.approved_ms),
        "unexpected_payment": row.payment_seq.map(|_| true),
    });
    if let Some(map) = refund.as_object_mut() {
        if row.payment_seq.is_none() {
            map.remove("unexpected_payment");
        }
        if display {
            map.remove("collect_url");
            map.insert("network".into(), json!(stored.network.as_str()));
            map.insert("reference".into(), json!(stored.issued.reference));
            map.insert(
                "destination_types".into(),
                json!(refund::destination::types(country(stored.network))),
            );
        } else {
            map.insert("client_secret".into(), json!(secret.expose()));
            let metadata: Value = serde_json::from_str(&row.metadata).unwrap_or_else(|_| json!({}));
            map.insert("metadata".into(), metadata);
        }
    }
    Ok(refund)
}

fn invalid(param: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(param, code, message)
}

/// The create body: `voucher` (checked by the Worker), `amount?`, `reason`, `metadata?`,
/// `unexpected_payment?`.
struct Create {
    amount: Option<i64>,
    reason: Reason,
    metadata: String,
    unexpected_payment: Option<u32>,
}

fn parse_create(body: Option<&str>) -> ApiResult<Create> {
    let fields: Map<String, Value> = body
        .and_then(|b| serde_json::from_str(b).ok())
        .ok_or_else(|| invalid("body", "body_invalid", "The body must be a JSON object."))?;
    if let Some(unknown) = fields.keys().find(|k| {
        ![
            "voucher",
            "amount",
            "reason",
            "metadata",
            "unexpected_payment",
        ]
        .contains(&k.as_str())
    }) {
        return Err(invalid(
            unknown,
            "parameter_unknown",
            "This parameter is not known.",
        ));
    }
    let amount = match fields.get("amount") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().filter(|a| *a > 0).ok_or_else(|| {
            invalid(
                "amount",
                "amount_invalid",
                "amount must be a positive whole number of minor units.",
            )
        })?),
    };
    let reason = fields
        .get("reason")
        .and_then(Value::as_str)
        .and_then(|r| r.parse::<Reason>().ok())
        .ok_or_else(|| {
            invalid(
                "reason",
                "reason_invalid",
                "reason is required: requested_by_customer, order_cancelled, product_not_received, duplicate, fraudulent, paid_after_expiry or overpayment.",
            )
        })?;
    let metadata = match fields.get("metadata") {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(Value::Object(m))
            if m.len() <= 20
                && m.iter().all(|(k, v)| {
                    k.chars().count() <= 40 && v.as_str().is_some_and(|s| s.chars().count() <= 500)
                }) =>
        {
            Value::Object(m.clone()).to_string()
        }
        Some(_) => {
            return Err(invalid(
                "metadata",
                "metadata_invalid",
                "metadata must be at most 20 keys (≤ 40 characters) with string values (≤ 500).",
            ));
        }
    };
    let unexpected_payment = match fields.get("unexpected_payment") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| {
                    invalid(
                        "unexpected_payment",
                        "parameter_invalid",
                        "unexpected_payment is a 0-based index.",
                    )
                })?,
        ),
    };
    Ok(Create {
        amount,
        reason,
        metadata,
        unexpected_payment,
    })
}

/// What a refund may come out of: the voucher's own payment, or one unexpected payment.
fn paid_from(
    sql: &SqlStorage,
    stored: &Stored,
    unexpected: Option<u32>,
) -> ApiResult<(Option<i64>, Paid)> {
    match unexpected {
        None => {
            let paid = matches!(
                stored.life.status,
                VoucherStatus::Paid | VoucherStatus::PartiallyRefunded | VoucherStatus::Refunded
            );
            match (paid, stored.life.paid_at) {
                (true, Some(paid_at)) => Ok((
                    None,
                    Paid {
                        amount: stored.amount.minor(),
                        paid_at,
                    },
                )),
                _ => Err(invalid(
                    "voucher",
                    "voucher_not_refundable",
                    "Only a paid voucher can be refunded (or one of its unexpected payments, with unexpected_payment).",
                )),
            }
        }
        Some(index) => {
            #[derive(Deserialize)]
            struct P {
                seq: i64,
                amount: i64,
                paid_at: i64,
            }
            let found: Option<P> = sql
                .exec(
                    "SELECT seq, amount, paid_at FROM payment WHERE reason IS NOT NULL ORDER BY seq LIMIT 1 OFFSET ?",
                    vec![int(i64::from(index))],
                )?
                .to_array()?
                .into_iter()
                .next();
            let p = found.ok_or_else(|| {
                invalid(
                    "unexpected_payment",
                    "parameter_invalid",
                    "This voucher has no unexpected payment at that index.",
                )
            })?;
            let paid_at =
                OffsetDateTime::from_unix_timestamp(p.paid_at).map_err(|_| bad_stored())?;
            Ok((
                Some(p.seq),
                Paid {
                    amount: p.amount,
                    paid_at,
                },
            ))
        }
    }
}

/// A withdrawal code a shopper reads out at an Efecty point: 10 digits.
fn withdrawal_code() -> ApiResult<String> {
    let n = u64::from_le_bytes(random::bytes()?);
    Ok(format!("{:010}", n % 10_000_000_000))
}

impl VoucherObject {
    /// Opens a refund; answers the refund object (`201` with the replay flag).
    pub(super) async fn create_refund(
        &self,
        stored: Stored,
        request: RefundRequest,
    ) -> ApiResult<(bool, String)> {
        let config = self.config()?;
        let server_key = config.server_key.expose().as_bytes().to_vec();
        if let Some(key) = &request.idempotency_key {
            #[derive(Deserialize)]
            struct Seen {
                request_hash: String,
                response: String,
            }
            let seen: Option<Seen> = self
                .sql
                .exec(
                    "SELECT request_hash, response FROM refund_key WHERE key_hash = ?",
                    vec![text(key)],
                )?
                .to_array()?
                .into_iter()
                .next();
            if let Some(seen) = seen {
                if !vale_shared::secret::constant_time_eq(
                    seen.request_hash.as_bytes(),
                    request.request_hash.as_bytes(),
                ) {
                    return Err(ApiError::new(
                        422,
                        ErrorType::IdempotencyError,
                        "idempotency_key_reused",
                        "This Idempotency-Key was used with another request body; use a new key.",
                    ));
                }
                return Ok((true, seen.response));
            }
        }
        let merchant = config
            .merchant(&stored.merchant)
            .ok_or_else(|| ApiError::internal("a voucher of an unknown merchant"))?;
        let create = parse_create(request.body.as_deref())?;
        let (payment_seq, paid) = paid_from(&self.sql, &stored, create.unexpected_payment)?;
        let rows = load_all(&self.sql)?;
        let on_voucher: Vec<(RefundStatus, i64)> = rows
            .iter()
            .map(|r| Ok((r.status()?, r.amount)))
            .collect::<ApiResult<_>>()?;
        let against: Vec<(RefundStatus, i64)> = rows
            .iter()
            .zip(&on_voucher)
            .filter(|(r, _)| r.payment_seq == payment_seq)
            .map(|(_, held)| *held)
            .collect();
        let now = stored.now(clock::now());
        let currency = stored.amount.currency();
        let opened = refund::open(&refund::Opening {
            paid,
            against: &against,
            on_voucher: &on_voucher,
            requested: create.amount,
            currency,
            now,
            window: merchant.refund_window(),
            approval_above: merchant.approval_above(currency),
        })
        .map_err(|e| match e {
            refund::OpenError::WindowClosed => invalid(
                "voucher",
                "refund_window_closed",
                format!(
                    "Refunds are accepted within {} days of the payment.",
                    merchant.refund_window().whole_days()
                ),
            ),
            refund::OpenError::AmountInvalid => invalid("amount", "amount_invalid", e.to_string()),
            refund::OpenError::NotCashExact => {
                invalid("amount", "amount_not_cash_exact", e.to_string())
            }
            refund::OpenError::TooMuch { refundable } => invalid(
                "amount",
                "amount_too_large",
                format!("At most {refundable} (minor units) can still be refunded."),
            ),
        })?;
        let number = u16::try_from(rows.len())
            .ok()
            .filter(|n| *n < RefundId::MAX_PER_VOUCHER)
            .ok_or_else(|| {
                invalid(
                    "voucher",
                    "too_many_refunds",
                    "This voucher has too many refunds.",
                )
            })?;
        let id = RefundId::new(&stored.id, number);
        let now_ms = whole_second(now);
        let expires = now
            .checked_add(CHOOSE_WITHIN)
            .ok_or_else(|| ApiError::internal("the voucher's clock is out of range"))?;
        let row = Row {
            number: i64::from(number),
            id: id.to_string(),
            payment_seq,
            amount: opened.amount,
            currency: currency.code().to_owned(),
            reason: create.reason.as_str().to_owned(),
            status: RefundStatus::RequiresAction.as_str().to_owned(),
            metadata: create.metadata,
            created_by: request.created_by.clone(),
            created_ms: now_ms,
            expires_ms: whole_second(expires),
            destination: None,
            withdrawal_code: None,
            collectable_until_ms: None,
            succeeded_ms: None,
            failure_reason: None,
            version: 1,
            approval_required: i64::from(opened.approval_required),
            approved_for: None,
            approved_by: None,
            approved_ms: None,
            past_due_ms: None,
        };
        let rendered = render(&row, &stored, &server_key, &request.origin, false)?.to_string();
        let (answer, key) = (rendered.clone(), request.idempotency_key.clone());
        let request_hash = request.request_hash.clone();
        let mut next = stored;
        let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
            sql.exec(
                "INSERT INTO refund (number, id, payment_seq, amount, currency, reason, status, metadata, created_by, created_ms, expires_ms, changed_ms, version, approval_required)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                vec![
                    int(row.number),
                    text(&row.id),
                    opt_int(row.payment_seq),
                    int(row.amount),
                    text(&row.currency),
                    text(&row.reason),
                    text(&row.status),
                    text(&row.metadata),
                    text(&row.created_by),
                    int(row.created_ms),
                    int(row.expires_ms),
                    int(now_ms),
                    int(row.approval_required),
                ],
            )?;
            if let Some(key) = &key {
                sql.exec(
                    "INSERT INTO refund_key (key_hash, request_hash, refund_id, response) VALUES (?, ?, ?, ?)",
                    vec![text(key), text(&request_hash), text(&row.id), text(&answer)],
                )?;
            }
            next.emit_data(
                sql,
                EventType::RefundCreated,
                &format!("{}/1", row.id),
                &answer,
                now_ms,
            )?;
            next.touch(sql)?;
            Ok(next)
        })?;
        self.after_write(&stored).await?;
        Ok((false, rendered))
    }

    /// The merchant's policy for money a voucher could not take: with `refund`, a refund
    /// of that payment is opened at once (idempotently, by the payment's network key), with
    /// reason `paid_after_expiry` (after expiry or cancel) or `overpayment` (paid twice,
    /// under another code). A failure is logged; the payment itself is already kept.
    pub(super) async fn refund_unexpected(
        &self,
        stored: Stored,
        network_key: &str,
        anomaly: vale_shared::state::Anomaly,
    ) {
        use vale_shared::state::Anomaly;
        let Ok(config) = self.config() else { return };
        if !config
            .merchant(&stored.merchant)
            .is_some_and(|m| m.refund_unexpected)
        {
            return;
        }
        let index = match self
            .sql
            .exec(
                // Its index among the unexpected payments (one settlement file can add
                // several at once: each is refunded, not the last one twice).
                "SELECT COUNT(*) AS n FROM payment WHERE reason IS NOT NULL
                   AND seq <= (SELECT seq FROM payment WHERE network_key = ?)",
                vec![crate::runtime::storage::text(network_key)],
            )
            .and_then(|c| c.to_array::<Value>())
        {
            Ok(rows) => {
                rows.first()
                    .and_then(|r| r.get("n"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    - 1
            }
            Err(_) => return,
        };
        let reason = match anomaly {
            Anomaly::PaidAfterExpiry | Anomaly::PaidAfterCancel => Reason::PaidAfterExpiry,
            Anomaly::PaidTwice | Anomaly::CodeMismatch => Reason::Overpayment,
        };
        let body =
            json!({"voucher": stored.id, "unexpected_payment": index, "reason": reason.as_str()})
                .to_string();
        let hash = |t: &str| hex::encode(sha2::Sha256::digest(t.as_bytes()));
        let request = RefundRequest {
            request_hash: hash(&body),
            idempotency_key: Some(hash(&format!("vale/auto-refund/{network_key}"))),
            body: Some(body),
            created_by: "policy:unexpected_payments".to_owned(),
            origin: stored.issued.origin.clone(),
        };
        if let Err(e) = self.create_refund(stored, request).await {
            worker::console_error!(
                "automatic refund of an unexpected payment failed ({})",
                e.code
            );
        }
    }

    /// Everything but create: read, cancel, approve, reject, the destination, settle, fail,
    /// void the withdrawal.
    pub(super) async fn refund_action(
        &self,
        stored: Stored,
        scope: &Scope,
        id: &RefundId,
        action: RefundAction,
        origin: &str,
    ) -> ApiResult<String> {
        if *id.voucher_id().as_str() != *stored.id.as_str() {
            return Err(no_such_refund());
        }
        let row = load(&self.sql, id)?;
        let config = self.config()?;
        let server_key = config.server_key.expose().as_bytes().to_vec();
        let display = matches!(scope, Scope::Refund { .. });
        let status = row.status()?;
        let mut chosen = None;
        let ask = match action {
            RefundAction::Get => {
                return Ok(render(&row, &stored, &server_key, origin, display)?.to_string());
            }
            RefundAction::PayoutLine => {
                let until = row.collectable_until_ms.map(|ms| rfc3339(ms, &stored));
                return Ok(json!({
                    "refund": row.id, "voucher": stored.id, "amount": row.amount,
                    "currency": row.currency, "status": status.as_str(),
                    "destination": row.destination().map(|d| d.full()),
                    "withdrawal_code": row.withdrawal_code,
                    "collectable_until": until,
                })
                .to_string());
            }
            RefundAction::Cancel => Ask::Cancel,
            RefundAction::Approve { ref by } => Ask::Approve {
                by_creator: *by == row.created_by,
            },
            RefundAction::Reject { ref by } => Ask::Reject {
                by_creator: *by == row.created_by,
            },
            RefundAction::Settle { .. } => Ask::Settle,
            RefundAction::Fail { reason } => Ask::Fail(reason),
            RefundAction::VoidWithdrawal => Ask::VoidWithdrawal,
            RefundAction::Destination { ref body } => {
                if !matches!(
                    status,
                    RefundStatus::RequiresAction | RefundStatus::PendingApproval
                ) {
                    return Err(not_now(status, "take a destination"));
                }
                let value: Value = body
                    .as_deref()
                    .and_then(|b| serde_json::from_str(b).ok())
                    .ok_or_else(|| {
                        invalid("body", "body_invalid", "The body must be a JSON object.")
                    })?;
                let destination = value.get("destination").unwrap_or(&value);
                let destination = Destination::parse(country(stored.network), destination)
                    .map_err(|e| invalid(&e.field, "destination_invalid", e.message))?;
                if destination.kind() == "cash_pickup" && stored.network != Network::Efecty {
                    return Err(invalid(
                        "destination.type",
                        "destination_invalid",
                        "Cash pickup is at Efecty points, in Colombia.",
                    ));
                }
                let ask = Ask::Choose(destination.payee());
                chosen = Some(destination.full().to_string());
                ask
            }
        };
        let merchant = config
            .merchant(&stored.merchant)
            .ok_or_else(|| ApiError::internal("a voucher of an unknown merchant"))?;
        let limit = merchant.approval_above(stored.amount.currency());
        let change = flow::decide(row.flow(limit)?, ask).map_err(|e| refused(e, &action))?;
        let mut write = Write::from_change(&row, &change, chosen);
        if let RefundAction::Settle { reference } = &action {
            write.reference.clone_from(reference);
        }
        if let (RefundAction::Approve { by }, true) =
            (&action, change.refund.approved_for.is_some())
        {
            write.approved_by = Some(by.clone());
        }
        self.apply(stored, row, write, &server_key, origin, display)
            .await
    }

    /// Writes a refund's move with its event (and, for a cash pickup whose payout is
    /// prepared now, its withdrawal code), and the voucher's own move when a refund of its
    /// payment succeeded (`partially_refunded` / `refunded`).
    async fn apply(
        &self,
        stored: Stored,
        row: Row,
        write: Write,
        server_key: &[u8],
        origin: &str,
        display: bool,
    ) -> ApiResult<String> {
        let now = stored.now(clock::now());
        let now_ms = whole_second(now);
        let next = write.status;
        let mut after = row.clone();
        after.status = next.as_str().to_owned();
        after.version += 1;
        if let Some(failure) = write.failure {
            after.failure_reason = Some(failure.as_str().to_owned());
        }
        if next == RefundStatus::Succeeded {
            after.succeeded_ms = Some(now_ms);
        }
        if let Some(destination) = &write.destination {
            after.destination = Some(destination.clone());
        }
        if write.prepare_withdrawal {
            let until = now
                .checked_add(COLLECT_WITHIN)
                .ok_or_else(|| ApiError::internal("the voucher's clock is out of range"))?;
            after.withdrawal_code = Some(withdrawal_code()?);
            after.collectable_until_ms = Some(whole_second(until));
        }
        if let Some(approved_for) = &write.approved_for {
            after.approved_for = Some(approved_for.clone());
            after.approved_by.clone_from(&write.approved_by);
            after.approved_ms = Some(now_ms);
        }
        if write.past_due {
            after.past_due_ms = Some(now_ms);
        }
        if write.approval_required {
            after.approval_required = 1;
        }
        let data = render(&after, &stored, server_key, origin, false)?.to_string();
        let kind = match next {
            RefundStatus::Succeeded => EventType::RefundSucceeded,
            RefundStatus::Failed => EventType::RefundFailed,
            _ => EventType::RefundUpdated,
        };
        // The voucher's own payment: its status follows what its refunds gave back.
        let voucher_life =
            (next == RefundStatus::Succeeded && row.payment_seq.is_none()).then(|| {
                let refunded = stored.refunds.refunded + row.amount;
                let status = if refunded >= stored.amount.minor() {
                    VoucherStatus::Refunded
                } else {
                    VoucherStatus::PartiallyRefunded
                };
                vale_shared::voucher::Life {
                    status,
                    ..stored.life
                }
            });
        let key = server_key.to_vec();
        let written = after.clone();
        let reference = write.reference;
        let mut voucher = stored;
        let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
            let changed = sql
                .exec(
                    "UPDATE refund SET status = ?, version = ?, failure_reason = ?, succeeded_ms = ?,
                        destination = ?, withdrawal_code = ?, collectable_until_ms = ?,
                        processing_ms = CASE WHEN ? = 'processing' AND processing_ms IS NULL THEN ? ELSE processing_ms END,
                        settle_reference = COALESCE(?, settle_reference), changed_ms = ?,
                        approved_for = ?, approved_by = ?, approved_ms = ?, past_due_ms = ?,
                        approval_required = ?
                     WHERE id = ? AND version = ? RETURNING id",
                    vec![
                        text(&written.status),
                        int(written.version),
                        opt_text(written.failure_reason.as_deref()),
                        opt_int(written.succeeded_ms),
                        opt_text(written.destination.as_deref()),
                        opt_text(written.withdrawal_code.as_deref()),
                        opt_int(written.collectable_until_ms),
                        text(&written.status),
                        int(now_ms),
                        opt_text(reference.as_deref()),
                        int(now_ms),
                        opt_text(written.approved_for.as_deref()),
                        opt_text(written.approved_by.as_deref()),
                        opt_int(written.approved_ms),
                        opt_int(written.past_due_ms),
                        int(written.approval_required),
                        text(&written.id),
                        int(row.version),
                    ],
                )?
                .to_array::<Value>()?;
            if changed.is_empty() {
                return Err(ApiError::new(
                    409,
                    ErrorType::InvalidRequestError,
                    "refund_changed",
                    "The refund changed meanwhile; read it and retry.",
                ));
            }
            voucher.emit_data(
                sql,
                kind,
                &format!("{}/{}", written.id, written.version),
                &data,
                now_ms,
            )?;
            match voucher_life {
                Some(life) => {
                    voucher.refunds.refunded += written.amount;
                    voucher.record_move(sql, life, &key, now_ms)?;
                }
                None => voucher.touch(sql)?,
            }
            Ok(voucher)
        })?;
        self.after_write(&stored).await?;
        Ok(render(&after, &stored, server_key, origin, display)?.to_string())
    }

    /// This voucher's refunds, newest first.
    pub(super) fn list_refunds(
        &self,
        stored: &Stored,
        status: Option<RefundStatus>,
        origin: &str,
    ) -> ApiResult<String> {
        let config = self.config()?;
        let key = config.server_key.expose().as_bytes();
        let mut data = Vec::new();
        for row in load_all(&self.sql)?.iter().rev() {
            if status.is_none_or(|s| row.status == s.as_str()) {
                data.push(render(row, stored, key, origin, false)?);
            }
        }
        json(&json!({"object": "list", "data": data, "has_more": false}))
    }

    /// Refund deadlines that passed at `now` (voucher clock): a destination never chosen
    /// (`expired`); a withdrawal whose `collectable_until` passed is marked past due
    /// (`refund.updated`, `withdrawal.status: "past_due"`) and nothing is released: the
    /// code may still be live at the rail (regression, review H2).
    pub(super) async fn refund_deadlines(&self, now: OffsetDateTime) -> ApiResult<()> {
        let now_ms = clock::millis(now);
        for row in load_all(&self.sql)? {
            let Some(stored) = Stored::load(&self.sql)? else {
                return Ok(());
            };
            let ask = match row.status()? {
                RefundStatus::RequiresAction if row.expires_ms <= now_ms => Ask::Expire,
                RefundStatus::Processing
                    if row.past_due_ms.is_none()
                        && row
                            .collectable_until_ms
                            .is_some_and(|until| until <= now_ms) =>
                {
                    Ask::CollectionDue
                }
                _ => continue,
            };
            let Ok(change) = flow::decide(row.flow(None)?, ask) else {
                continue;
            };
            let write = Write::from_change(&row, &change, None);
            let config = self.config()?;
            let key = config.server_key.expose().as_bytes().to_vec();
            let origin = stored.issued.origin.clone();
            self.apply(stored, row, write, &key, &origin, false).await?;
        }
        Ok(())
    }
}

/// What one move writes besides the state.
#[derive(Debug, Clone)]
struct Write {
    status: RefundStatus,
    failure: Option<FailureReason>,
    /// The destination chosen now (its stored form).
    destination: Option<String>,
    prepare_withdrawal: bool,
    /// The approved destination's fingerprint (hex), when approved now.
    approved_for: Option<String>,
    approved_by: Option<String>,
    past_due: bool,
    /// It needs approval (kept when only the threshold said so, for the object to show).
    approval_required: bool,
    /// The bank's or network's reference of a settle.
    reference: Option<String>,
}

impl Write {
    fn from_change(row: &Row, change: &flow::Change, chosen: Option<String>) -> Write {
        let approved_now = change.refund.approved_for.map(hex::encode);
        Write {
            status: change.refund.status,
            failure: change.failure,
            destination: chosen,
            prepare_withdrawal: change.prepare_withdrawal,
            approved_for: approved_now.filter(|hex| row.approved_for.as_deref() != Some(hex)),
            approved_by: None,
            past_due: change.event == refund::RefundEvent::PastDue,
            approval_required: change.refund.approval_required,
            reference: None,
        }
    }
}

/// A refusal of the flow as the API says it.
fn refused(refusal: Refusal, action: &RefundAction) -> ApiError {
    match refusal {
        Refusal::State(e) => not_now(e.from, action_verb(action)),
        Refusal::ApproverIsCreator => ApiError::new(
            403,
            ErrorType::AuthenticationError,
            "permission_denied",
            "The key that created a refund cannot approve or reject it.",
        ),
        Refusal::NotACashPickup => match action {
            RefundAction::Fail { .. } => invalid(
                "failure_reason",
                "parameter_invalid",
                "collection_expired is for a cash pickup's withdrawal; this refund has none.",
            ),
            _ => ApiError::new(
                409,
                ErrorType::InvalidRequestError,
                "refund_state_invalid",
                "Only a cash pickup's withdrawal can be voided; this refund has none.",
            ),
        },
        Refusal::DestinationAwaitsApproval => ApiError::new(
            409,
            ErrorType::InvalidRequestError,
            "refund_state_invalid",
            "This refund waits for approval of the destination chosen; it cannot change now.",
        ),
        Refusal::NothingDue => not_now(RefundStatus::Processing, action_verb(action)),
    }
}

fn action_verb(action: &RefundAction) -> &'static str {
    match action {
        RefundAction::Cancel => "be cancelled",
        RefundAction::Approve { .. } => "be approved",
        RefundAction::Reject { .. } => "be rejected",
        RefundAction::Settle { .. } => "be settled",
        RefundAction::Fail { .. } => "fail",
        RefundAction::VoidWithdrawal => "have its withdrawal voided",
        RefundAction::Destination { .. } => "take a destination",
        RefundAction::Get | RefundAction::PayoutLine => "change",
    }
}

fn not_now(status: RefundStatus, verb: &str) -> ApiError {
    ApiError::new(
        409,
        ErrorType::InvalidRequestError,
        "refund_state_invalid",
        format!("A {} refund cannot {verb}.", status.as_str()),
    )
}

/// The next refund deadline and the last refund change, for the schedule: a destination
/// not chosen by `expires_at`, a withdrawal not yet marked past due by `collectable_until`.
pub(super) fn schedule_facts(sql: &SqlStorage) -> ApiResult<(Option<i64>, Option<i64>)> {
    #[derive(Deserialize)]
    struct Due {
        due: Option<i64>,
        changed: Option<i64>,
    }
    let due = sql
        .exec(
            "SELECT (SELECT MIN(CASE WHEN status = 'requires_action' THEN expires_ms
                                     WHEN status = 'processing' AND past_due_ms IS NULL
                                       THEN collectable_until_ms END)
                     FROM refund) AS due,
                    (SELECT MAX(changed_ms) FROM refund) AS changed",
            None,
        )?
        .to_array::<Due>()?
        .into_iter()
        .next();
    Ok(due.map_or((None, None), |d| (d.due, d.changed)))
}
