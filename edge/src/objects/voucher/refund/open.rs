//! Opening a refund: what it may come out of (the voucher's own payment, or one
//! unexpected payment), and the one write that opens it with its event; also the
//! merchant's policy of refunding unexpected payments at once.

use super::*;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::objects::voucher::RefundRequest;
use crate::objects::voucher::object::VoucherObject;
use crate::objects::voucher::store::Stored;
use crate::runtime::clock;
use crate::runtime::random;
use crate::runtime::storage::{int, opt_int, text};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest as _;
use time::OffsetDateTime;
use vale_shared::VoucherStatus;
use vale_shared::event::EventType;
use vale_shared::id::RefundId;
use vale_shared::refund::{self, NewRefund, Paid, Reason, RefundStatus};
use worker::SqlStorage;

/// What a refund may come out of: the voucher's own payment, or one unexpected payment.
pub(super) fn paid_from(
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
pub(super) fn withdrawal_code() -> ApiResult<String> {
    let n = u64::from_le_bytes(random::bytes()?);
    Ok(format!("{:010}", n % 10_000_000_000))
}

impl VoucherObject {
    /// Opens a refund; answers the refund object (`201` with the replay flag).
    pub(in crate::objects::voucher) async fn create_refund(
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
                .shell
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
        let (body, asked) = splits::take(
            merchant.platform,
            request.body.as_deref().unwrap_or_default(),
        );
        let create = NewRefund::from_json(body.as_bytes())?;
        let now = stored.now(clock::now());
        // Acting for a seller, a voucher without its share is `404` before anything else.
        let plan = splits::plan(
            &self.shell.sql,
            &stored,
            asked.as_ref(),
            request.acting_for.as_deref(),
            create.unexpected_payment,
            now,
        )?;
        let (payment_seq, paid) = paid_from(&self.shell.sql, &stored, create.unexpected_payment)?;
        let rows = load_all(&self.shell.sql)?;
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
        let currency = stored.amount.currency();
        let opened = refund::open(&refund::Opening {
            paid,
            against: &against,
            on_voucher: &on_voucher,
            requested: create
                .amount
                .or(plan.as_ref().and_then(|p| p.default_amount)),
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
        let parts = match plan {
            Some(plan) => {
                let amount = vale_shared::Money::new(opened.amount, currency)
                    .map_err(|_| invalid("amount", "amount_invalid", "amount is out of range."))?;
                Some(splits::to_json(&plan.check(&id, amount, now)?).to_string())
            }
            None => None,
        };
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
            metadata: create.metadata_json(),
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
            splits: parts,
        };
        let rendered = render(&row, &stored, &server_key, &request.origin, false)?.to_string();
        let (answer, key) = (rendered.clone(), request.idempotency_key.clone());
        let request_hash = request.request_hash.clone();
        self.commit(stored, now_ms, move |tx, next| {
            let sql = tx.sql;
            sql.exec(
                "INSERT INTO refund (number, id, payment_seq, amount, currency, reason, status, metadata, created_by, created_ms, expires_ms, changed_ms, version, approval_required, splits)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
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
                    crate::runtime::storage::opt_text(row.splits.as_deref()),
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
                tx.now_ms,
            )?;
            next.touch(sql)
        })
        .await?;
        Ok((false, rendered))
    }

    /// The merchant's policy for money a voucher could not take: with `refund`, a refund
    /// of that payment is opened at once (idempotently, by the payment's network key), with
    /// reason `paid_after_expiry` (after expiry or cancel) or `overpayment` (paid twice,
    /// under another code). A failure is logged; the payment itself is already kept.
    pub(in crate::objects::voucher) async fn refund_unexpected(
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
            .shell
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
            acting_for: None,
        };
        if let Err(e) = self.create_refund(stored, request).await {
            worker::console_error!(
                "automatic refund of an unexpected payment failed ({})",
                e.code
            );
        }
    }
}
