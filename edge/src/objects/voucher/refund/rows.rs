//! A refund as its voucher object stores it: the row, how it is loaded, what one move
//! writes besides the state, and the deadlines the schedule reads.

use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::storage::text;
use serde::Deserialize;
use serde_json::Value;
use time::Duration;
use vale_shared::id::RefundId;
use vale_shared::refund::destination::Destination;
use vale_shared::refund::flow::{self};
use vale_shared::refund::{self, FailureReason, RefundStatus};
use worker::SqlStorage;

/// How long a refund waits for the shopper to choose where the money goes.
pub const CHOOSE_WITHIN: Duration = Duration::days(45);
/// How long a cash pickup can be collected once prepared: after it the withdrawal is past
/// due, never failed on this clock (only the rail voids it).
pub const COLLECT_WITHIN: Duration = Duration::days(30);

/// A refund as stored.
#[derive(Debug, Clone, Deserialize)]
pub(in crate::objects::voucher) struct Row {
    pub(super) number: i64,
    pub(super) id: String,
    pub(super) payment_seq: Option<i64>,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) reason: String,
    pub(super) status: String,
    pub(super) metadata: String,
    pub(super) created_by: String,
    pub(super) created_ms: i64,
    pub(super) expires_ms: i64,
    pub(super) destination: Option<String>,
    pub(super) withdrawal_code: Option<String>,
    pub(super) collectable_until_ms: Option<i64>,
    pub(super) succeeded_ms: Option<i64>,
    pub(super) failure_reason: Option<String>,
    pub(super) version: i64,
    pub(super) approval_required: i64,
    pub(super) approved_for: Option<String>,
    pub(super) approved_by: Option<String>,
    pub(super) approved_ms: Option<i64>,
    pub(super) past_due_ms: Option<i64>,
    /// Its parts (`refund_splits`), JSON; `None`: in proportion.
    #[serde(default)]
    pub(super) splits: Option<String>,
}

pub(super) const COLUMNS: &str = "number, id, payment_seq, amount, currency, reason, status, metadata, created_by, created_ms, expires_ms, destination, withdrawal_code, collectable_until_ms, succeeded_ms, failure_reason, version, approval_required, approved_for, approved_by, approved_ms, past_due_ms, splits";

pub(super) fn bad_stored() -> ApiError {
    ApiError::internal("stored refund: bad value")
}

impl Row {
    pub(super) fn status(&self) -> ApiResult<RefundStatus> {
        self.status.parse().map_err(|()| bad_stored())
    }

    pub(super) fn destination(&self) -> Option<Destination> {
        let value: Value = serde_json::from_str(self.destination.as_deref()?).ok()?;
        Destination::from_stored(&value)
    }

    /// The refund as the pure flow sees it. A refund whose own amount is above the
    /// merchant's threshold always needs approval (one stored before the flag existed
    /// included).
    pub(super) fn flow(&self, approval_above: Option<i64>) -> ApiResult<flow::Refund> {
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
pub(in crate::objects::voucher) fn load_all(sql: &SqlStorage) -> ApiResult<Vec<Row>> {
    Ok(sql
        .exec(
            &format!("SELECT {COLUMNS} FROM refund ORDER BY number"),
            None,
        )?
        .to_array()?)
}

pub(super) fn load(sql: &SqlStorage, id: &RefundId) -> ApiResult<Row> {
    sql.exec(
        &format!("SELECT {COLUMNS} FROM refund WHERE id = ?"),
        vec![text(id.as_str())],
    )?
    .to_array::<Row>()?
    .into_iter()
    .next()
    .ok_or_else(no_such_refund)
}

pub(super) fn no_such_refund() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such refund.",
    )
}

/// What one move writes besides the state.
#[derive(Debug, Clone)]
pub(super) struct Write {
    pub(super) status: RefundStatus,
    pub(super) failure: Option<FailureReason>,
    /// The destination chosen now (its stored form).
    pub(super) destination: Option<String>,
    pub(super) prepare_withdrawal: bool,
    /// The approved destination's fingerprint (hex), when approved now.
    pub(super) approved_for: Option<String>,
    pub(super) approved_by: Option<String>,
    pub(super) past_due: bool,
    /// It needs approval (kept when only the threshold said so, for the object to show).
    pub(super) approval_required: bool,
    /// The bank's or network's reference of a settle.
    pub(super) reference: Option<String>,
}

impl Write {
    pub(super) fn from_change(row: &Row, change: &flow::Change, chosen: Option<String>) -> Write {
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

/// The next refund deadline and the last refund change, for the schedule: a destination
/// not chosen by `expires_at`, a withdrawal not yet marked past due by `collectable_until`.
pub(in crate::objects::voucher) fn schedule_facts(
    sql: &SqlStorage,
) -> ApiResult<(Option<i64>, Option<i64>)> {
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
