//! The money state of one voucher and every decision about it, as pure functions: given
//! what is stored and what happened, what to write. The edge's voucher object only loads,
//! calls these and writes the answer in one atomic step.
//!
//! Deadlines and confirmation windows: a voucher stays `pending` for its network's
//! confirmation window after `expires_at`, because networks confirm payments minutes
//! (PagoEfectivo) to hours (Efecty) after the shopper paid. A payment the network says
//! was made by `expires_at` and that arrives inside the window pays the voucher; once the
//! window has passed the voucher is `expired` and any payment is an unexpected one. The
//! network's own expiry message expires the voucher at once.
//!
//! A payment is one payment however many messages report it: the caller names each by
//! its network key (Efecty's `authorization`, PagoEfectivo's event and operation number)
//! and says whether that key was accepted before.

use crate::money::Money;
use crate::state::{Anomaly, VoucherEvent, VoucherStatus};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The part of a voucher that changes, with the deadline and window it is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Life {
    /// Where the voucher is.
    pub status: VoucherStatus,
    /// The deadline a payment must be made by.
    pub expires_at: OffsetDateTime,
    /// How long after `expires_at` a payment made in time may still arrive.
    pub window: Duration,
    /// When it was paid (the network's time of payment).
    pub paid_at: Option<OffsetDateTime>,
    /// When it expired.
    pub expired_at: Option<OffsetDateTime>,
    /// When it was cancelled.
    pub cancelled_at: Option<OffsetDateTime>,
}

/// What a network reported, already verified and parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// The shopper paid `amount` at `paid_at` (the network's time, when it says one).
    Paid {
        /// What moved.
        amount: Money,
        /// When, by the network's clock.
        paid_at: Option<OffsetDateTime>,
    },
    /// A payment under a code this voucher does not have, naming this voucher.
    PaidUnderAnotherCode {
        /// What moved.
        amount: Money,
        /// When, by the network's clock.
        paid_at: Option<OffsetDateTime>,
    },
    /// The network let the code lapse (`cip.expired`).
    Expired,
    /// The network let a code lapse that is not this voucher's but names it: an orphan
    /// (a create whose answer was lost, then retried, left a second code at the
    /// network). It says nothing about the voucher's own code.
    ExpiredUnderAnotherCode,
    /// A payment the network's own record (asked after the notification) does not
    /// confirm: refused, kept in the audit trail.
    Unconfirmed,
}

/// What an authenticated notification did: its `outcome` in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationOutcome {
    /// It changed the voucher (paid or expired it).
    Applied,
    /// Its payment (or expiry) was accepted before, under this or another message.
    Duplicate,
    /// Money arrived that the voucher could not take; it is recorded as a payment.
    UnexpectedPayment,
    /// The amount is not the voucher's; refused.
    AmountMismatch,
    /// The currency is not the voucher's; refused.
    CurrencyMismatch,
    /// Nothing to do (an expiry for a voucher already settled, or for a code that is not
    /// the voucher's).
    Ignored,
    /// The network's own record did not confirm the payment; refused.
    Unconfirmed,
}

impl NotificationOutcome {
    /// Every outcome, for iteration.
    pub const ALL: [NotificationOutcome; 7] = [
        NotificationOutcome::Applied,
        NotificationOutcome::Duplicate,
        NotificationOutcome::UnexpectedPayment,
        NotificationOutcome::AmountMismatch,
        NotificationOutcome::CurrencyMismatch,
        NotificationOutcome::Ignored,
        NotificationOutcome::Unconfirmed,
    ];

    /// The name the API and storage use.
    ///
    /// ```
    /// use vale_shared::voucher::NotificationOutcome;
    /// assert_eq!(NotificationOutcome::UnexpectedPayment.as_str(), "unexpected_payment");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            NotificationOutcome::Applied => "applied",
            NotificationOutcome::Duplicate => "duplicate",
            NotificationOutcome::UnexpectedPayment => "unexpected_payment",
            NotificationOutcome::AmountMismatch => "amount_mismatch",
            NotificationOutcome::CurrencyMismatch => "currency_mismatch",
            NotificationOutcome::Unconfirmed => "unconfirmed",
            NotificationOutcome::Ignored => "ignored",
        }
    }

    /// Whether a later message with the same network key is a duplicate of this one:
    /// the report was taken (refusals are not, so a corrected retry is judged afresh).
    pub const fn accepts_key(self) -> bool {
        matches!(
            self,
            NotificationOutcome::Applied
                | NotificationOutcome::UnexpectedPayment
                | NotificationOutcome::Ignored
        )
    }
}

impl std::str::FromStr for NotificationOutcome {
    type Err = UnknownOutcome;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NotificationOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or(UnknownOutcome)
    }
}

/// A stored outcome name this version does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown notification outcome")]
pub struct UnknownOutcome;

/// What became of a payment: the voucher took it, or it is an unexpected payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum PaymentOutcome {
    /// It paid the voucher.
    Applied,
    /// The voucher could not take it.
    Unexpected(Anomaly),
}

/// A payment to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// What moved.
    pub amount: Money,
    /// When, by the network's clock (or when it was received, if the network said none).
    pub paid_at: OffsetDateTime,
    /// What became of it.
    pub outcome: PaymentOutcome,
}

/// Why a voucher's deadline cannot move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// Only a pending voucher's deadline moves (its status as of the time asked).
    #[error("the voucher is {}, not pending", .0.as_str())]
    NotPending(VoucherStatus),
    /// The deadline has passed: the voucher only waits, within its confirmation window,
    /// for payments made in time, and those were judged by the deadline that held.
    #[error("the voucher's deadline has passed")]
    Passed,
}

/// The answer to a report: what to write, all in one atomic step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The audit trail's outcome.
    pub outcome: NotificationOutcome,
    /// The voucher after it (equal to the input when nothing changed).
    pub life: Life,
    /// The payment row to add, if any.
    pub payment: Option<Payment>,
}

impl Life {
    /// A new voucher's life: pending until `expires_at`, then `window` for late reports.
    pub const fn pending(expires_at: OffsetDateTime, window: Duration) -> Life {
        Life {
            status: VoucherStatus::Pending,
            expires_at,
            window,
            paid_at: None,
            expired_at: None,
            cancelled_at: None,
        }
    }

    /// When the confirmation window ends: the latest a pending voucher stays pending.
    pub fn window_ends_at(&self) -> OffsetDateTime {
        self.expires_at + self.window
    }

    /// Whether the deadline passed but the window is still open: payments made in time
    /// may still arrive.
    pub fn is_confirming(&self, now: OffsetDateTime) -> bool {
        self.status == VoucherStatus::Pending
            && now > self.expires_at
            && now < self.window_ends_at()
    }

    /// The voucher as it is at `now`: a pending one whose window has passed is expired
    /// (as of the window's end), whether or not an alarm has fired yet.
    ///
    /// ```
    /// use time::{Duration, macros::datetime};
    /// use vale_shared::VoucherStatus;
    /// use vale_shared::voucher::Life;
    /// let life = Life::pending(datetime!(2026-11-25 23:59:59 -5), Duration::hours(12));
    /// assert_eq!(life.at(datetime!(2026-11-26 11:00 -5)).status, VoucherStatus::Pending);
    /// let later = life.at(datetime!(2026-11-26 12:00 -5));
    /// assert_eq!(later.status, VoucherStatus::Expired);
    /// assert_eq!(later.expired_at, Some(datetime!(2026-11-26 11:59:59 -5)));
    /// ```
    pub fn at(self, now: OffsetDateTime) -> Life {
        if self.status == VoucherStatus::Pending && now >= self.window_ends_at() {
            Life {
                status: VoucherStatus::Expired,
                expired_at: Some(self.window_ends_at()),
                ..self
            }
        } else {
            self
        }
    }

    /// The next instant at which the voucher changes by itself: the window's end while
    /// pending, else none.
    pub fn next_change(&self) -> Option<OffsetDateTime> {
        (self.status == VoucherStatus::Pending).then(|| self.window_ends_at())
    }

    /// The merchant cancels: only a pending voucher (as of `now`).
    pub fn cancel(self, now: OffsetDateTime) -> Result<Life, crate::TransitionError> {
        let life = self.at(now);
        life.status.apply(VoucherEvent::Cancel)?;
        Ok(Life {
            status: VoucherStatus::Cancelled,
            cancelled_at: Some(now),
            ..life
        })
    }

    /// A refund of the voucher's own payment succeeded, and its refunds have now given
    /// back `refunded` (minor units) of `paid`: the status follows
    /// ([`VoucherStatus::apply`] with [`VoucherEvent::Refund`]), `refunded` when nothing
    /// remains paid. Only a paid or partially refunded voucher; nothing else changes.
    ///
    /// ```
    /// use time::{Duration, macros::datetime};
    /// use vale_shared::{Currency, Money, VoucherStatus, voucher::Life};
    /// let paid = Life { status: VoucherStatus::Paid, ..Life::pending(datetime!(2026-11-22 12:00 UTC), Duration::hours(1)) };
    /// let price = Money::new(5_000_000, Currency::Cop)?;
    /// assert_eq!(paid.refund(1_000_000, price)?.status, VoucherStatus::PartiallyRefunded);
    /// assert_eq!(paid.refund(5_000_000, price)?.status, VoucherStatus::Refunded);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn refund(self, refunded: i64, paid: Money) -> Result<Life, crate::TransitionError> {
        let event = VoucherEvent::Refund {
            whole: refunded >= paid.minor(),
        };
        match self.status.apply(event)? {
            crate::state::Outcome::Moved(status) => Ok(Life { status, ..self }),
            crate::state::Outcome::Flagged(_) => Err(crate::TransitionError {
                from: self.status,
                event,
            }),
        }
    }

    /// Expire now, whatever the deadline says (the network's expiry message, or the
    /// sandbox's "as if the time had come"): only a pending voucher.
    pub fn expire_now(self, now: OffsetDateTime) -> Result<Life, crate::TransitionError> {
        let life = self.at(now);
        life.status.apply(VoucherEvent::Expire)?;
        Ok(Life {
            status: VoucherStatus::Expired,
            expired_at: Some(now),
            ..life
        })
    }

    /// The merchant moves the deadline to `expires_at` (already checked as create checks
    /// one: far enough ahead, not too far, on Efecty the end of its day): only a pending
    /// voucher (as of `now`) whose deadline has not passed. The confirmation window then
    /// runs from the new deadline; nothing else changes.
    ///
    /// ```
    /// use time::{Duration, macros::datetime};
    /// use vale_shared::VoucherStatus;
    /// use vale_shared::voucher::{DeadlineError, Life};
    /// let life = Life::pending(datetime!(2026-11-25 23:59:59 -5), Duration::hours(12));
    /// let later = datetime!(2026-11-27 23:59:59 -5);
    /// let moved = life.move_deadline(later, datetime!(2026-11-25 10:00 -5))?;
    /// assert_eq!(moved.window_ends_at(), later + Duration::hours(12));
    /// // Past the deadline (waiting for late confirmations) it no longer moves.
    /// assert_eq!(life.move_deadline(later, datetime!(2026-11-26 01:00 -5)), Err(DeadlineError::Passed));
    /// let cancelled = life.cancel(datetime!(2026-11-25 10:00 -5)).unwrap();
    /// assert_eq!(
    ///     cancelled.move_deadline(later, datetime!(2026-11-25 11:00 -5)),
    ///     Err(DeadlineError::NotPending(VoucherStatus::Cancelled)),
    /// );
    /// # Ok::<(), DeadlineError>(())
    /// ```
    pub fn move_deadline(
        self,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Life, DeadlineError> {
        let life = self.at(now);
        if life.status != VoucherStatus::Pending {
            return Err(DeadlineError::NotPending(life.status));
        }
        if now > life.expires_at {
            return Err(DeadlineError::Passed);
        }
        Ok(Life { expires_at, ..life })
    }

    /// Decides a verified report about this voucher, received at `now`. `due` is what
    /// the voucher asks for; `seen` whether the report's network key was accepted before.
    /// A report under a code that is not the voucher's never changes it: a payment is an
    /// unexpected payment (`code_mismatch`, whatever its amount), an expiry is ignored.
    ///
    /// ```
    /// use time::{Duration, macros::datetime};
    /// use vale_shared::{Currency, Money, VoucherStatus};
    /// use vale_shared::voucher::{Life, NotificationOutcome, Report};
    /// let due = Money::new(2500, Currency::Pen)?;
    /// let life = Life::pending(datetime!(2026-11-25 18:00 -5), Duration::hours(1));
    /// // Paid at 17:58, reported at 18:20: inside the window, so it pays.
    /// let paid = Report::Paid { amount: due, paid_at: Some(datetime!(2026-11-25 17:58 -5)) };
    /// let d = life.decide(due, false, paid, datetime!(2026-11-25 18:20 -5));
    /// assert_eq!((d.outcome, d.life.status), (NotificationOutcome::Applied, VoucherStatus::Paid));
    /// // The same payment again, under another message: nothing more.
    /// let again = d.life.decide(due, true, paid, datetime!(2026-11-25 18:21 -5));
    /// assert_eq!((again.outcome, again.payment), (NotificationOutcome::Duplicate, None));
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn decide(self, due: Money, seen: bool, report: Report, now: OffsetDateTime) -> Decision {
        let life = self.at(now);
        let unchanged = |outcome| Decision {
            outcome,
            life,
            payment: None,
        };
        if seen {
            return unchanged(NotificationOutcome::Duplicate);
        }
        let (amount, paid_at, under_another_code) = match report {
            Report::Expired => {
                return match life.expire_now(now) {
                    Ok(expired) => Decision {
                        outcome: NotificationOutcome::Applied,
                        life: expired,
                        payment: None,
                    },
                    Err(_) => unchanged(NotificationOutcome::Ignored),
                };
            }
            // Regression (review M1): an orphan code's expiry expired the live voucher.
            Report::ExpiredUnderAnotherCode => return unchanged(NotificationOutcome::Ignored),
            Report::Unconfirmed => return unchanged(NotificationOutcome::Unconfirmed),
            Report::Paid { amount, paid_at } => (amount, paid_at, false),
            Report::PaidUnderAnotherCode { amount, paid_at } => (amount, paid_at, true),
        };
        if amount.currency() != due.currency() {
            return unchanged(NotificationOutcome::CurrencyMismatch);
        }
        // Money that arrived under another code is kept whatever its amount (review M1):
        // it never pays the voucher, so the amount has nothing to match.
        if amount != due && !under_another_code {
            return unchanged(NotificationOutcome::AmountMismatch);
        }
        let paid_at = paid_at.unwrap_or(now);
        let unexpected = |anomaly| Decision {
            outcome: NotificationOutcome::UnexpectedPayment,
            life,
            payment: Some(Payment {
                amount,
                paid_at,
                outcome: PaymentOutcome::Unexpected(anomaly),
            }),
        };
        if under_another_code {
            return unexpected(Anomaly::CodeMismatch);
        }
        match life.status {
            VoucherStatus::Pending if paid_at <= life.expires_at => Decision {
                outcome: NotificationOutcome::Applied,
                life: Life {
                    status: VoucherStatus::Paid,
                    paid_at: Some(paid_at),
                    ..life
                },
                payment: Some(Payment {
                    amount,
                    paid_at,
                    outcome: PaymentOutcome::Applied,
                }),
            },
            // Paid after the deadline, reported inside the window: the network took
            // money the voucher no longer asked for.
            VoucherStatus::Pending | VoucherStatus::Expired => unexpected(Anomaly::PaidAfterExpiry),
            VoucherStatus::Cancelled => unexpected(Anomaly::PaidAfterCancel),
            VoucherStatus::Paid | VoucherStatus::PartiallyRefunded | VoucherStatus::Refunded => {
                unexpected(Anomaly::PaidTwice)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const EXPIRES: OffsetDateTime = datetime!(2026-11-25 23:59:59 -5);

    fn due() -> Money {
        Money::new(5_000_000, Currency::Cop).unwrap()
    }

    fn life() -> Life {
        Life::pending(EXPIRES, Duration::hours(12))
    }

    fn paid_at(at: OffsetDateTime) -> Report {
        Report::Paid {
            amount: due(),
            paid_at: Some(at),
        }
    }

    /// Regression: a payment made before the deadline but reported after it was an
    /// unexpected payment of an expired voucher; inside the window it pays.
    #[test]
    fn a_payment_made_in_time_and_reported_in_the_window_pays() {
        let now = EXPIRES + Duration::hours(11);
        assert_eq!(life().at(now).status, VoucherStatus::Pending);
        assert!(life().is_confirming(now));
        let d = life().decide(due(), false, paid_at(EXPIRES - Duration::minutes(1)), now);
        assert_eq!(d.outcome, NotificationOutcome::Applied);
        assert_eq!(d.life.status, VoucherStatus::Paid);
        assert_eq!(d.life.paid_at, Some(EXPIRES - Duration::minutes(1)));
        assert_eq!(d.payment.map(|p| p.outcome), Some(PaymentOutcome::Applied));
    }

    #[test]
    fn after_the_window_a_payment_is_unexpected() {
        let now = EXPIRES + Duration::hours(13);
        let d = life().decide(due(), false, paid_at(EXPIRES - Duration::minutes(1)), now);
        assert_eq!(d.outcome, NotificationOutcome::UnexpectedPayment);
        assert_eq!(d.life.status, VoucherStatus::Expired);
        assert_eq!(d.life.expired_at, Some(EXPIRES + Duration::hours(12)));
        assert_eq!(
            d.payment.map(|p| p.outcome),
            Some(PaymentOutcome::Unexpected(Anomaly::PaidAfterExpiry))
        );
    }

    #[test]
    fn a_payment_made_after_the_deadline_does_not_pay() {
        let now = EXPIRES + Duration::hours(1);
        let d = life().decide(due(), false, paid_at(EXPIRES + Duration::minutes(5)), now);
        assert_eq!(d.outcome, NotificationOutcome::UnexpectedPayment);
        assert_eq!(d.life.status, VoucherStatus::Pending);
    }

    #[test]
    fn the_network_expiry_expires_at_once_and_only_once() {
        let now = EXPIRES - Duration::hours(3);
        let d = life().decide(due(), false, Report::Expired, now);
        assert_eq!(d.outcome, NotificationOutcome::Applied);
        assert_eq!(d.life.status, VoucherStatus::Expired);
        assert_eq!(d.life.expired_at, Some(now));
        let again = d.life.decide(due(), false, Report::Expired, now);
        assert_eq!(again.outcome, NotificationOutcome::Ignored);
    }

    #[test]
    fn an_unconfirmed_payment_changes_nothing_and_does_not_hold_its_key() {
        let now = EXPIRES - Duration::hours(3);
        let d = life().decide(due(), false, Report::Unconfirmed, now);
        assert_eq!(
            (d.outcome, d.life, d.payment),
            (NotificationOutcome::Unconfirmed, life(), None)
        );
        assert!(
            !d.outcome.accepts_key(),
            "a later confirmed report of it is judged afresh"
        );
        let seen = life().decide(due(), true, Report::Unconfirmed, now);
        assert_eq!(seen.outcome, NotificationOutcome::Duplicate);
    }

    #[test]
    fn mismatches_change_nothing() {
        let now = EXPIRES - Duration::hours(3);
        let wrong = Report::Paid {
            amount: Money::new(4_900_000, Currency::Cop).unwrap(),
            paid_at: None,
        };
        let d = life().decide(due(), false, wrong, now);
        assert_eq!(
            (d.outcome, d.life, d.payment),
            (NotificationOutcome::AmountMismatch, life(), None)
        );
        let pen = Report::Paid {
            amount: Money::new(5_000_000, Currency::Pen).unwrap(),
            paid_at: None,
        };
        assert_eq!(
            life().decide(due(), false, pen, now).outcome,
            NotificationOutcome::CurrencyMismatch
        );
    }

    #[test]
    fn a_payment_under_another_code_is_kept_as_unexpected() {
        let report = Report::PaidUnderAnotherCode {
            amount: due(),
            paid_at: None,
        };
        let d = life().decide(due(), false, report, EXPIRES - Duration::hours(1));
        assert_eq!(d.life, life());
        assert_eq!(
            d.payment.map(|p| p.outcome),
            Some(PaymentOutcome::Unexpected(Anomaly::CodeMismatch))
        );
    }

    /// Regression (review M1): a `cip.expired` for an orphan CIP (a create whose answer
    /// was lost, retried under the same key) expired the real voucher at once.
    #[test]
    fn an_orphan_codes_expiry_is_recorded_and_ignored() {
        for now in [
            EXPIRES - Duration::hours(3),
            EXPIRES + Duration::hours(1),
            EXPIRES + Duration::hours(13),
        ] {
            let d = life().decide(due(), false, Report::ExpiredUnderAnotherCode, now);
            assert_eq!(
                (d.outcome, d.life, d.payment),
                (NotificationOutcome::Ignored, life().at(now), None)
            );
            assert!(d.outcome.accepts_key(), "a repeat of it is a duplicate");
        }
        // The voucher's own code still pays after it.
        let now = EXPIRES - Duration::hours(2);
        let ignored = life().decide(due(), false, Report::ExpiredUnderAnotherCode, now);
        let paid = ignored.life.decide(due(), false, paid_at(now), now);
        assert_eq!(paid.life.status, VoucherStatus::Paid);
    }

    /// Regression (review M1): a payment under an orphan CIP whose amount was not the
    /// voucher's was refused as `amount_mismatch` and the money was not recorded.
    #[test]
    fn a_payment_under_another_code_is_kept_whatever_its_amount() {
        for minor in [100, 4_999_900, 5_000_000, 5_000_100, 90_000_000] {
            let amount = Money::new(minor, Currency::Cop).unwrap();
            let report = Report::PaidUnderAnotherCode {
                amount,
                paid_at: None,
            };
            let now = EXPIRES - Duration::hours(1);
            let d = life().decide(due(), false, report, now);
            assert_eq!(d.outcome, NotificationOutcome::UnexpectedPayment);
            assert_eq!(d.life, life());
            assert_eq!(
                d.payment,
                Some(Payment {
                    amount,
                    paid_at: now,
                    outcome: PaymentOutcome::Unexpected(Anomaly::CodeMismatch)
                })
            );
        }
        // Another currency is not this voucher's money at all: refused, kept in the trail.
        let pen = Report::PaidUnderAnotherCode {
            amount: Money::new(5_000_000, Currency::Pen).unwrap(),
            paid_at: None,
        };
        let d = life().decide(due(), false, pen, EXPIRES);
        assert_eq!(
            (d.outcome, d.payment),
            (NotificationOutcome::CurrencyMismatch, None)
        );
    }

    #[test]
    fn a_pending_deadline_moves_and_its_window_follows() {
        let now = EXPIRES - Duration::hours(2);
        let later = EXPIRES + Duration::days(2);
        let moved = life().move_deadline(later, now).unwrap();
        assert_eq!(
            moved,
            Life {
                expires_at: later,
                ..life()
            }
        );
        assert_eq!(moved.next_change(), Some(later + Duration::hours(12)));
        // The old deadline no longer ends it: pending past the old window.
        let old_end = life().window_ends_at();
        assert_eq!(moved.at(old_end).status, VoucherStatus::Pending);
        assert_eq!(
            moved.at(moved.window_ends_at()).status,
            VoucherStatus::Expired
        );
        // Sooner is a move too, and the deadline itself is still in time.
        let sooner = EXPIRES - Duration::hours(1);
        assert_eq!(
            life().move_deadline(sooner, EXPIRES).map(|l| l.expires_at),
            Ok(sooner)
        );
        // A payment made by the new deadline pays.
        let d = moved.decide(due(), false, paid_at(later - Duration::minutes(1)), later);
        assert_eq!(d.life.status, VoucherStatus::Paid);
    }

    #[test]
    fn a_deadline_moves_only_while_pending_and_not_yet_passed() {
        let later = EXPIRES + Duration::days(2);
        // In the confirmation window: still pending, but the deadline has passed.
        let confirming = EXPIRES + Duration::hours(1);
        assert_eq!(life().at(confirming).status, VoucherStatus::Pending);
        assert_eq!(
            life().move_deadline(later, confirming),
            Err(DeadlineError::Passed)
        );
        // After the window: expired by then, whether or not the alarm ran.
        assert_eq!(
            life().move_deadline(later, EXPIRES + Duration::hours(13)),
            Err(DeadlineError::NotPending(VoucherStatus::Expired))
        );
        let now = EXPIRES - Duration::hours(1);
        let paid = life().decide(due(), false, paid_at(now), now).life;
        assert_eq!(
            paid.move_deadline(later, now),
            Err(DeadlineError::NotPending(VoucherStatus::Paid))
        );
        let cancelled = life().cancel(now).unwrap();
        assert_eq!(
            cancelled.move_deadline(later, now),
            Err(DeadlineError::NotPending(VoucherStatus::Cancelled))
        );
    }

    #[test]
    fn outcomes_round_trip_their_names() {
        for o in NotificationOutcome::ALL {
            assert_eq!(o.as_str().parse::<NotificationOutcome>(), Ok(o));
            assert_eq!(
                serde_json::to_string(&o).unwrap(),
                format!("\"{}\"", o.as_str())
            );
        }
    }

    fn report() -> impl Strategy<Value = (Report, bool)> {
        let at = (-86_400_i64..86_400).prop_map(|s| Some(EXPIRES + Duration::seconds(s)));
        prop_oneof![
            (at.clone(), 0_i64..3).prop_map(|(paid_at, wrong)| Report::Paid {
                amount: Money::new(5_000_000 + wrong * 100, Currency::Cop).unwrap(),
                paid_at,
            }),
            (at, 0_i64..3).prop_map(|(paid_at, wrong)| Report::PaidUnderAnotherCode {
                amount: Money::new(5_000_000 + wrong * 100, Currency::Cop).unwrap(),
                paid_at
            }),
            Just(Report::Expired),
            Just(Report::ExpiredUnderAnotherCode),
        ]
        .prop_flat_map(|r| (Just(r), any::<bool>()))
    }

    proptest! {
        /// A move changes the deadline and nothing else, and happens only to a voucher
        /// pending at `now` whose deadline is not behind it.
        #[test]
        fn a_move_changes_only_the_deadline(
            ahead in -200_000_i64..200_000, to in -200_000_i64..4_000_000, window in 0_i64..86_400
        ) {
            let now = EXPIRES - Duration::seconds(ahead);
            let life = Life::pending(EXPIRES, Duration::seconds(window));
            let to = now + Duration::seconds(to);
            match life.move_deadline(to, now) {
                Ok(moved) => {
                    prop_assert!(now <= EXPIRES);
                    prop_assert_eq!(moved, Life { expires_at: to, ..life });
                }
                Err(DeadlineError::Passed) => {
                    prop_assert!(now > EXPIRES);
                    prop_assert_eq!(life.at(now).status, VoucherStatus::Pending);
                }
                Err(DeadlineError::NotPending(status)) => {
                    prop_assert_eq!(status, VoucherStatus::Expired);
                    prop_assert!(now >= life.window_ends_at());
                }
            }
        }
    }

    proptest! {
        /// Whatever arrives, in whatever order and however late: at most one payment
        /// pays the voucher, it was made by the deadline, a paid voucher has exactly
        /// that payment, no payment that matches is dropped, and settled states stay.
        #[test]
        fn money_state_stays_exact(reports in prop::collection::vec((report(), 0_i64..172_800), 0..16)) {
            let mut life = life();
            let mut applied = 0;
            let mut clock = EXPIRES - Duration::days(1);
            for ((report, seen), step) in reports {
                clock += Duration::seconds(step);
                let before = life.at(clock);
                let d = life.decide(due(), seen, report, clock);
                if seen {
                    prop_assert_eq!(d.outcome, NotificationOutcome::Duplicate);
                    prop_assert_eq!(d.life, before);
                }
                if let Some(p) = d.payment {
                    if let Report::Paid { amount, .. } | Report::PaidUnderAnotherCode { amount, .. } = report {
                        prop_assert_eq!(p.amount, amount);
                    }
                    if p.outcome == PaymentOutcome::Applied {
                        prop_assert_eq!(p.amount, due());
                        applied += 1;
                        prop_assert!(p.paid_at <= EXPIRES);
                        prop_assert_eq!(before.status, VoucherStatus::Pending);
                    }
                }
                if !seen && matches!(report, Report::Paid { amount, .. } if amount == due()) {
                    prop_assert!(d.payment.is_some(), "a matching payment was dropped");
                }
                if !seen && matches!(report, Report::PaidUnderAnotherCode { .. }) {
                    prop_assert!(d.payment.is_some(), "money under another code was dropped");
                }
                if matches!(report, Report::PaidUnderAnotherCode { .. } | Report::ExpiredUnderAnotherCode) {
                    prop_assert_eq!(d.life, before, "another code changed the voucher");
                }
                if before.status != VoucherStatus::Pending {
                    prop_assert_eq!(d.life.status, before.status);
                }
                life = d.life;
            }
            prop_assert!(applied <= 1);
            prop_assert_eq!(life.status == VoucherStatus::Paid, applied == 1);
        }
    }

    proptest! {
        /// Moved from the edge (issue #20): a refund's effect on its voucher goes through
        /// `VoucherStatus::apply`. Partly back is `partially_refunded`, all of it (or
        /// more) `refunded`; only a paid or partially refunded voucher moves, and nothing
        /// but the status changes.
        #[test]
        fn a_refund_moves_only_the_status(
            status in prop::sample::select(VoucherStatus::ALL.to_vec()),
            refunded in 1_i64..10_000_000,
        ) {
            let life = Life { status, paid_at: Some(EXPIRES), ..life() };
            match life.refund(refunded, due()) {
                Ok(after) => {
                    prop_assert!(matches!(status, VoucherStatus::Paid | VoucherStatus::PartiallyRefunded));
                    let whole = refunded >= due().minor();
                    let expected = if whole { VoucherStatus::Refunded } else { VoucherStatus::PartiallyRefunded };
                    prop_assert_eq!(after, Life { status: expected, ..life });
                }
                Err(e) => {
                    prop_assert!(!matches!(status, VoucherStatus::Paid | VoucherStatus::PartiallyRefunded));
                    prop_assert_eq!(e.from, status);
                }
            }
        }
    }
}
