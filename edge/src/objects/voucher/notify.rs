//! A network's report about this voucher (a notification, a search answer): the audit row,
//! the payment row and the state change in one transaction; and the one question asked of
//! the network before a live voucher expires.

use super::object::*;
use super::payments::{self, PaymentRow};
use super::protocol::{Applied, Notice};
use super::store::Stored;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::networks::rail::Rail;
use crate::runtime::clock;
use crate::runtime::random;
use crate::runtime::storage::{int, opt_text, text};
use time::{Duration, OffsetDateTime};
use vale_shared::VoucherStatus;
use vale_shared::event::EventType;
use vale_shared::settlement::reconcile;
use vale_shared::voucher::{Decision, NotificationOutcome, Payment, PaymentOutcome};

impl VoucherObject {
    /// The payment row a paid report names among those the voucher holds, when its key
    /// was not seen before: see `vale_shared::settlement::reconcile::pair_notification`.
    pub(super) fn pair(
        &self,
        stored: &Stored,
        notice: &Notice,
        real: OffsetDateTime,
    ) -> ApiResult<Option<i64>> {
        let (super::protocol::Reported::Paid { amount, paid_at }, Some(identity)) =
            (notice.report, notice.network_key.payment().cloned())
        else {
            return Ok(None);
        };
        let held = payments::held(&self.shell.sql, stored.network)?;
        let payments: Vec<_> = held.iter().map(|h| h.held.clone()).collect();
        Ok(reconcile::pair_notification(
            stored.network,
            &payments,
            &notice.payment_code,
            &identity,
            amount,
            paid_at.unwrap_or_else(|| stored.now(real)),
        )
        .and_then(|i| held.get(i))
        .map(|h| h.seq))
    }

    /// Applies a network's report: the audit row, the payment row and the state change in
    /// one transaction; a refusal (amount or currency) is kept in the audit trail too.
    pub(super) async fn notify(
        &self,
        stored: Stored,
        notice: Notice,
        real: OffsetDateTime,
    ) -> ApiResult<String> {
        let seen = self
            .shell
            .sql
            .exec(
                "SELECT 1 AS seen FROM notification WHERE network_key = ? AND outcome IN ('applied', 'unexpected_payment', 'ignored') LIMIT 1",
                vec![text(&notice.network_key.to_string())],
            )?
            .to_array::<serde_json::Value>()?;
        let under_another_code = notice.payment_code != stored.payment_code;
        if under_another_code && !notice.accept_other_code {
            return Err(ApiError::new(
                409,
                ErrorType::InvalidRequestError,
                CODE_MISMATCH,
                "This voucher does not have that payment code.",
            ));
        }
        // A payment the voucher already holds under another road's identity (a file line
        // paid it first) is the same payment (review H1).
        let paired = if seen.is_empty() {
            self.pair(&stored, &notice, real)?
        } else {
            None
        };
        let decision: Decision = stored.life.decide(
            stored.amount,
            !seen.is_empty() || paired.is_some(),
            notice.report.report(under_another_code),
            stored.now(real),
        );
        // Its whole identity, for a payment this report records or names first.
        let key = notice.network_key.to_string();
        let identity = notice.network_key.payment().map(|_| key.clone());
        let notification_id =
            vale_shared::NotificationId::from_random(random::bytes()?).to_string();
        let changed = decision.life != stored.life;
        let received_ms = clock::millis(real);
        let id = notification_id.clone();
        let network_key = key.clone();
        let stored = self.commit(stored, received_ms, move |tx, next| {
            let sql = tx.sql;
            sql.exec(
                "INSERT INTO notification (id, message_id, network_key, received_ms, outcome, body) VALUES (?, ?, ?, ?, ?, ?)",
                vec![
                    text(&id),
                    opt_text(notice.message_id.as_deref()),
                    text(&key),
                    int(received_ms),
                    text(decision.outcome.as_str()),
                    text(&notice.body),
                ],
            )?;
            if let Some(payment) = &decision.payment {
                let reported_by = notice.message_id.as_deref().unwrap_or(&id);
                PaymentRow::insert(
                    sql,
                    &key,
                    identity.as_deref(),
                    &notice.payment_code,
                    payment,
                    reported_by,
                    &notice.source,
                )?;
            }
            if let (Some(seq), Some(identity)) = (paired, &identity) {
                sql.exec(
                    "UPDATE payment SET identity = ? WHERE seq = ? AND identity IS NULL",
                    vec![text(identity), int(seq)],
                )?;
            }
            if changed {
                next.record_move(sql, decision.life, tx.key, tx.now_ms)?;
            }
            if decision.outcome == NotificationOutcome::UnexpectedPayment {
                let kind = EventType::VoucherPaymentUnexpected;
                next.emit(sql, kind, &key, tx.key, tx.now_ms)?;
            }
            Ok(())
        })
        .await?;
        if let Some(Payment {
            outcome: PaymentOutcome::Unexpected(anomaly),
            ..
        }) = decision.payment
        {
            // Reload after the await.
            if let Some(stored) = Stored::load(&self.shell.sql)? {
                self.refund_unexpected(stored, &network_key, anomaly).await;
            }
        }
        match decision.outcome {
            NotificationOutcome::AmountMismatch => Err(ApiError::invalid(
                "amount",
                "amount_mismatch",
                "The notification's amount is not the voucher's.",
            )),
            NotificationOutcome::CurrencyMismatch => Err(ApiError::invalid(
                "currency",
                "currency_mismatch",
                "The notification's currency is not the voucher's.",
            )),
            NotificationOutcome::Unconfirmed => Err(ApiError::new(
                409,
                ErrorType::InvalidRequestError,
                "notification_unconfirmed",
                "PagoEfectivo's own record does not confirm this payment yet; it is kept in the audit trail and not applied.",
            )),
            outcome => json(&Applied {
                duplicate: outcome == NotificationOutcome::Duplicate,
                status: stored.life.status,
            }),
        }
    }

    /// A live voucher about to expire whose network can be asked is asked once first,
    /// so a payment whose notification went missing pays it instead: `true` when the
    /// network's answer was applied. If the network cannot be reached the voucher
    /// expires anyway; a later report is still kept (as an unexpected payment).
    pub(super) async fn ask_before_expiry(&self, stored: &Stored) -> ApiResult<bool> {
        let now = stored.now(clock::now());
        if stored.life.status != VoucherStatus::Pending
            || stored.life.at(now).status != VoucherStatus::Expired
        {
            return Ok(false);
        }
        let rail = self.rail(stored)?;
        if !rail.can_query() {
            return Ok(false);
        }
        let code = stored.payment_code.as_str();
        let rows = match rail.query(&[code]).await {
            Ok(rows) => rows,
            Err(e) => {
                worker::console_error!("expiry: the network could not be asked ({})", e.code);
                return Ok(false);
            }
        };
        let Some(notice) = rows
            .iter()
            .find(|(c, _)| c == code)
            .and_then(|(_, upstream)| Notice::from_search(code, upstream))
        else {
            return Ok(false);
        };
        // Reload after the await.
        let Some(stored) = Stored::load(&self.shell.sql)? else {
            return Ok(true);
        };
        // The question was asked as the window ended (the alarm's time): judged then, a
        // payment made in time still pays, however late the alarm ran.
        let asked_at = clock::now().min(stored.life.window_ends_at() - Duration::milliseconds(1));
        match self.notify(stored, notice, asked_at).await {
            // A refusal (an amount that is not the voucher's) is in the audit trail.
            Ok(_) => Ok(true),
            Err(e) if e.status < 500 => Ok(false),
            Err(e) => Err(e),
        }
    }
}
