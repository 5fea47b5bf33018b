//! Closing a voucher's risk review (a restricted key's approve or reject): the review's
//! new state, the voucher's (rejected: cancelled, as a cancel would) and the events
//! (`review.closed`, and `voucher.cancelled` on a reject) in one write; the ledger's
//! review row follows through the index sync the alarm retries.

use super::object::{VoucherObject, json};
use super::review::ReviewStatus;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::networks::rail::{Rail, Withdrawn};
use crate::objects::voucher::Scope;
use crate::objects::voucher::store::Stored;
use crate::runtime::clock;
use vale_shared::event::EventType;

/// `409`: the review was already closed.
fn closed(status: ReviewStatus) -> ApiError {
    ApiError::new(
        409,
        ErrorType::InvalidRequestError,
        "review_closed",
        format!("This review is already {}.", status.as_str()),
    )
}

impl VoucherObject {
    pub(super) async fn decide_review(
        &self,
        stored: Stored,
        approve: bool,
        scope: &Scope,
    ) -> ApiResult<String> {
        let check = |stored: &Stored| -> ApiResult<()> {
            let review = stored.issued.review.as_ref().ok_or_else(|| {
                ApiError::new(
                    404,
                    ErrorType::InvalidRequestError,
                    "resource_missing",
                    "No such review.",
                )
            })?;
            if review.status != ReviewStatus::Open {
                return Err(closed(review.status));
            }
            let verb = if approve { "approved" } else { "rejected" };
            stored
                .life
                .cancel(stored.now(clock::now()))
                .map(|_| ())
                .map_err(|e| ApiError::not_pending(e.from, verb))
        };
        check(&stored)?;
        let stored = if approve {
            stored
        } else {
            // The network first, as a cancel: a code it still takes must not outlive it.
            let withdrawn = self.rail(&stored)?.withdraw(&stored.payment_code).await?;
            let stored = self.loaded(scope)?;
            if let Withdrawn::AlreadyPaid(_) = withdrawn {
                return Err(ApiError::not_pending(stored.life.status, "rejected"));
            }
            check(&stored)?;
            stored
        };
        let real = clock::now();
        let now = stored.now(real);
        let now_ms = clock::millis(real);
        let mut next = stored;
        if let Some(review) = next.issued.review.as_mut() {
            review.status = if approve {
                ReviewStatus::Approved
            } else {
                ReviewStatus::Rejected
            };
            review.closed_at = Some(now.unix_timestamp());
        }
        let cancelled = if approve {
            None
        } else {
            Some(
                next.life
                    .cancel(now)
                    .map_err(|e| ApiError::not_pending(e.from, "rejected"))?,
            )
        };
        let stored = self
            .commit(next, now_ms, move |tx, next| {
                next.save_issued(tx.sql)?;
                match cancelled {
                    Some(life) => next.record_move(tx.sql, life, tx.key, tx.now_ms)?,
                    None => next.touch(tx.sql)?,
                }
                let data = json(&next.review())?;
                next.emit_data(tx.sql, EventType::ReviewClosed, "review", &data, tx.now_ms)
            })
            .await?;
        self.render(&stored, scope, real)
    }
}
