//! Moving a refund (cancel, approve, reject, a destination chosen, settle, fail, a
//! withdrawal voided): `vale_shared::refund::flow::decide` decides, the object writes; and
//! the deadlines its alarm runs.

use super::*;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::objects::voucher::object::VoucherObject;
use crate::objects::voucher::store::Stored;
use crate::objects::voucher::{RefundAction, Scope};
use crate::runtime::clock;
use crate::runtime::storage::{int, opt_int, opt_text, text};
use serde_json::{Value, json};
use vale_shared::event::EventType;
use vale_shared::id::RefundId;
use vale_shared::refund::RefundStatus;
use vale_shared::refund::destination::Destination;
use vale_shared::refund::flow::{self, Command as Ask, Refusal};

impl VoucherObject {
    /// Everything but create: read, cancel, approve, reject, the destination, settle, fail,
    /// void the withdrawal.
    pub(in crate::objects::voucher) async fn refund_action(
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
        let row = load(&self.shell.sql, id)?;
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
                let destination = Destination::parse(stored.network.country(), destination)
                    .map_err(|e| invalid(&e.field, "destination_invalid", e.message))?;
                if !destination.allowed_on(stored.network) {
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
    pub(super) async fn apply(
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
        let voucher_life = (next == RefundStatus::Succeeded && row.payment_seq.is_none())
            .then(|| {
                let refunded = stored.refunds.refunded + row.amount;
                stored.life.refund(refunded, stored.amount).map_err(|e| {
                    ApiError::internal(format!(
                        "a refund succeeded on a voucher {}",
                        e.from.as_str()
                    ))
                })
            })
            .transpose()?;
        let written = after.clone();
        let reference = write.reference;
        let stored = self.commit(stored, now_ms, move |tx, voucher| {
            let sql = tx.sql;
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
                    voucher.record_move(sql, life, tx.key, tx.now_ms)
                }
                None => voucher.touch(sql),
            }
        })
        .await?;
        Ok(render(&after, &stored, server_key, origin, display)?.to_string())
    }
}

/// A refusal of the flow as the API says it.
pub(super) fn refused(refusal: Refusal, action: &RefundAction) -> ApiError {
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

pub(super) fn action_verb(action: &RefundAction) -> &'static str {
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

pub(super) fn not_now(status: RefundStatus, verb: &str) -> ApiError {
    ApiError::new(
        409,
        ErrorType::InvalidRequestError,
        "refund_state_invalid",
        format!("A {} refund cannot {verb}.", status.as_str()),
    )
}
