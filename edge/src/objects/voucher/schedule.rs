//! When a voucher object must wake up next, decided from what is stored (never from what
//! the last command happened to do): the end of the confirmation window while pending,
//! a retry while the merchant's index lags (backing off, and no longer than a bound),
//! the purge of raw notification bodies after 180 days, and of the voucher 5 years after
//! it last changed. Pure, so it is tested without a runtime.

use super::store::{BODY_RETENTION, VOUCHER_RETENTION};
use time::{Duration, OffsetDateTime};
use vale_shared::voucher::Life;

/// The first retry of a failed index update, doubled per failure up to [`MAX_RETRY`].
pub const FIRST_RETRY: Duration = Duration::seconds(15);
/// The longest wait between two index retries.
pub const MAX_RETRY: Duration = Duration::hours(1);

/// How long to wait before retrying an index update that failed `failures` times in a
/// row: 15 s, 30 s, 1 min, … and never more than an hour.
pub fn retry_delay(failures: i64) -> Duration {
    let doublings = u32::try_from(failures.clamp(0, 20)).unwrap_or(20);
    let delay = FIRST_RETRY * 2_i32.saturating_pow(doublings.min(16));
    delay.min(MAX_RETRY)
}

/// What the schedule is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    /// The money state.
    pub life: Life,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// How far the voucher's (sandbox) clock runs ahead of the runtime's.
    pub clock_offset: Duration,
    /// Whether the merchant's index has the newest version.
    pub indexed: bool,
    /// Index updates that failed in a row.
    pub index_failures: i64,
    /// When the oldest audit-trail body still kept was received.
    pub oldest_body: Option<OffsetDateTime>,
    /// The next refund deadline (a destination never chosen, a withdrawal not
    /// collected), on the voucher's clock.
    pub refund_due: Option<OffsetDateTime>,
    /// When a refund last changed (receipts are kept as long as the voucher).
    pub refund_changed: Option<OffsetDateTime>,
    /// When the next delete of an orphan code (a CIP issued for this id that no voucher
    /// holds) is due, on the runtime's clock.
    pub orphan_due: Option<OffsetDateTime>,
}

impl Facts {
    /// When the voucher last changed: the instant its retention counts from.
    pub fn last_change(&self) -> OffsetDateTime {
        [
            self.life.paid_at,
            self.life.expired_at,
            self.life.cancelled_at,
            self.refund_changed,
        ]
        .into_iter()
        .flatten()
        .fold(self.created_at, OffsetDateTime::max)
    }

    /// Whether the voucher itself is due for deletion at `now` (runtime clock).
    pub fn is_purgeable(&self, now: OffsetDateTime) -> bool {
        self.life.next_change().is_none()
            && self.refund_due.is_none()
            && self.orphan_due.is_none()
            && now + self.clock_offset >= self.last_change() + VOUCHER_RETENTION
    }

    /// The next alarm, on the runtime's clock, never before `now`.
    pub fn next_wake(&self, now: OffsetDateTime) -> OffsetDateTime {
        let voucher_clock = |t: OffsetDateTime| t - self.clock_offset;
        let candidates = [
            self.life.next_change().map(voucher_clock),
            self.refund_due.map(voucher_clock),
            (!self.indexed).then(|| now + retry_delay(self.index_failures)),
            self.orphan_due,
            // Bodies are stamped with the runtime's clock and purged by the voucher's.
            self.oldest_body.map(|t| voucher_clock(t + BODY_RETENTION)),
            self.life
                .next_change()
                .is_none()
                .then(|| voucher_clock(self.last_change() + VOUCHER_RETENTION)),
        ];
        candidates
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + VOUCHER_RETENTION)
            .max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    use vale_shared::VoucherStatus;

    const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 -5);

    fn facts(life: Life) -> Facts {
        Facts {
            life,
            created_at: NOW - Duration::hours(1),
            clock_offset: Duration::ZERO,
            indexed: true,
            index_failures: 0,
            oldest_body: None,
            refund_due: None,
            refund_changed: None,
            orphan_due: None,
        }
    }

    #[test]
    fn a_pending_voucher_wakes_when_its_window_ends() {
        let life = Life::pending(NOW + Duration::hours(3), Duration::hours(12));
        assert_eq!(facts(life).next_wake(NOW), NOW + Duration::hours(15));
        // Its sandbox clock runs two hours ahead: the runtime wakes it two hours sooner.
        let ahead = Facts {
            clock_offset: Duration::hours(2),
            ..facts(life)
        };
        assert_eq!(ahead.next_wake(NOW), NOW + Duration::hours(13));
    }

    #[test]
    fn a_lagging_index_is_retried_with_bounded_back_off() {
        assert_eq!(retry_delay(0), Duration::seconds(15));
        assert_eq!(retry_delay(1), Duration::seconds(30));
        assert_eq!(retry_delay(3), Duration::minutes(2));
        assert_eq!(retry_delay(9), MAX_RETRY);
        assert_eq!(retry_delay(i64::MAX), MAX_RETRY);
        let life = Life::pending(NOW + Duration::hours(3), Duration::hours(12));
        let lagging = Facts {
            indexed: false,
            index_failures: 2,
            ..facts(life)
        };
        assert_eq!(lagging.next_wake(NOW), NOW + Duration::minutes(1));
    }

    #[test]
    fn settled_vouchers_wake_to_purge_bodies_then_themselves() {
        let life = Life {
            status: VoucherStatus::Paid,
            paid_at: Some(NOW),
            ..Life::pending(NOW + Duration::hours(3), Duration::hours(12))
        };
        let with_body = Facts {
            oldest_body: Some(NOW),
            ..facts(life)
        };
        assert_eq!(with_body.next_wake(NOW), NOW + BODY_RETENTION);
        assert_eq!(facts(life).next_wake(NOW), NOW + VOUCHER_RETENTION);
        assert!(!facts(life).is_purgeable(NOW + BODY_RETENTION));
        assert!(facts(life).is_purgeable(NOW + VOUCHER_RETENTION));
    }

    /// Regression (review M1): an orphan CIP whose delete failed must be retried by the
    /// alarm, not wait for the voucher's next change.
    #[test]
    fn an_orphan_delete_that_is_due_wakes_the_voucher_and_holds_its_purge() {
        let life = Life::pending(NOW + Duration::hours(3), Duration::hours(12));
        let orphan = Facts {
            orphan_due: Some(NOW + Duration::seconds(30)),
            ..facts(life)
        };
        assert_eq!(orphan.next_wake(NOW), NOW + Duration::seconds(30));
        let settled = Life {
            status: VoucherStatus::Paid,
            paid_at: Some(NOW),
            ..life
        };
        let late = NOW + VOUCHER_RETENTION;
        let kept = Facts {
            orphan_due: Some(late),
            ..facts(settled)
        };
        assert!(!kept.is_purgeable(late));
        assert!(facts(settled).is_purgeable(late));
    }

    proptest! {
        #[test]
        fn the_next_wake_is_never_in_the_past_and_never_later_than_the_window(
            ahead in -100_000_i64..100_000, window in 0_i64..86_400, failures in 0_i64..100, indexed: bool
        ) {
            let life = Life::pending(NOW + Duration::seconds(ahead), Duration::seconds(window));
            let f = Facts { indexed, index_failures: failures, ..facts(life) };
            let wake = f.next_wake(NOW);
            prop_assert!(wake >= NOW);
            prop_assert!(wake <= (life.window_ends_at()).max(NOW));
            if !indexed {
                prop_assert!(wake <= NOW + MAX_RETRY);
            }
        }
    }
}
