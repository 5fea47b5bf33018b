//! Counting one signal value's vouchers: each voucher is an [`Entry`] (when it was
//! created, its amount, where it stands), and [`Tally::of`] measures them over every
//! window at `now`. Pure, so that the counter object only stores entries and asks.

use super::signal::{Metric, Window};
use crate::money::Currency;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a counted voucher stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Created, not paid yet.
    Open,
    /// Paid.
    Paid,
    /// Expired unpaid.
    Expired,
    /// Cancelled (or rejected in review) unpaid.
    Cancelled,
}

impl Standing {
    /// Where a voucher of `status` stands: refunded vouchers were paid.
    ///
    /// ```
    /// use vale_shared::{VoucherStatus, risk::Standing};
    /// assert_eq!(Standing::of(VoucherStatus::Refunded), Standing::Paid);
    /// ```
    pub const fn of(status: crate::VoucherStatus) -> Standing {
        use crate::VoucherStatus as S;
        match status {
            S::Pending => Standing::Open,
            S::Paid | S::Refunded | S::PartiallyRefunded => Standing::Paid,
            S::Expired => Standing::Expired,
            S::Cancelled => Standing::Cancelled,
        }
    }
}

/// One voucher, as a signal's counter keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// When the voucher was created.
    pub created_at: OffsetDateTime,
    /// Its amount, in minor units of `currency`.
    pub amount: i64,
    /// Its currency.
    pub currency: Currency,
    /// Where it stands now.
    pub standing: Standing,
}

impl Entry {
    /// Whether the entry is inside `window` at `now`: created after `now - window` and
    /// not after `now` (half-open, so an entry exactly one window old has left).
    pub fn within(&self, window: Window, now: OffsetDateTime) -> bool {
        self.created_at > now - window.duration() && self.created_at <= now
    }

    /// Whether the entry can be forgotten at `now` (older than the longest window).
    pub fn forgotten(&self, now: OffsetDateTime) -> bool {
        !self.within(Window::LONGEST, now) && self.created_at <= now
    }
}

/// One signal value's measures at one moment: for each window, vouchers created, unpaid
/// and expired, and the amount per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    rows: Vec<(Window, Measures)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Measures {
    created: i64,
    unpaid: i64,
    expired: i64,
    cop: i64,
    pen: i64,
    usd: i64,
}

impl Tally {
    /// Measures `entries` at `now`, over every window.
    ///
    /// ```
    /// use vale_shared::{Currency, risk::{Entry, Metric, Standing, Tally, Window}};
    /// let now = time::macros::datetime!(2026-12-05 12:00 UTC);
    /// let entry = |minutes_ago, standing| Entry {
    ///     created_at: now - time::Duration::minutes(minutes_ago),
    ///     amount: 100, currency: Currency::Cop, standing,
    /// };
    /// let tally = Tally::of(&[entry(10, Standing::Open), entry(90, Standing::Paid)], now);
    /// assert_eq!(tally.get(Metric::Created, Window::Hour, None), 1);
    /// assert_eq!(tally.get(Metric::Created, Window::Day, None), 2);
    /// assert_eq!(tally.get(Metric::Unpaid, Window::Day, None), 1);
    /// assert_eq!(tally.get(Metric::Amount, Window::Day, Some(Currency::Cop)), 200);
    /// ```
    pub fn of(entries: &[Entry], now: OffsetDateTime) -> Tally {
        let rows = Window::ALL
            .iter()
            .map(|&window| {
                let mut m = Measures::default();
                for e in entries.iter().filter(|e| e.within(window, now)) {
                    m.created += 1;
                    m.unpaid += i64::from(e.standing != Standing::Paid);
                    m.expired += i64::from(e.standing == Standing::Expired);
                    let sum = match e.currency {
                        Currency::Cop => &mut m.cop,
                        Currency::Pen => &mut m.pen,
                        Currency::Usd => &mut m.usd,
                    };
                    *sum = sum.saturating_add(e.amount);
                }
                (window, m)
            })
            .collect();
        Tally { rows }
    }

    /// The tally with one more voucher, the one being created (open, `amount`).
    pub fn with_new(&self, amount: i64, currency: Currency) -> Tally {
        let rows = self
            .rows
            .iter()
            .map(|&(window, mut m)| {
                m.created += 1;
                m.unpaid += 1;
                let sum = match currency {
                    Currency::Cop => &mut m.cop,
                    Currency::Pen => &mut m.pen,
                    Currency::Usd => &mut m.usd,
                };
                *sum = sum.saturating_add(amount);
                (window, m)
            })
            .collect();
        Tally { rows }
    }

    /// One measure. `currency` is used only by [`Metric::Amount`] (`None` there is 0).
    pub fn get(&self, metric: Metric, window: Window, currency: Option<Currency>) -> i64 {
        let Some(m) = self.rows.iter().find(|(w, _)| *w == window).map(|(_, m)| m) else {
            return 0;
        };
        match metric {
            Metric::Created => m.created,
            Metric::Unpaid => m.unpaid,
            Metric::Expired => m.expired,
            Metric::Amount => match currency {
                Some(Currency::Cop) => m.cop,
                Some(Currency::Pen) => m.pen,
                Some(Currency::Usd) => m.usd,
                None => 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: OffsetDateTime = datetime!(2026-12-05 12:00 UTC);

    fn entry(seconds_ago: i64, standing: Standing) -> Entry {
        Entry {
            created_at: NOW - Duration::seconds(seconds_ago),
            amount: 1_000,
            currency: Currency::Pen,
            standing,
        }
    }

    #[test]
    fn an_entry_exactly_one_window_old_has_left_it() {
        let tally = Tally::of(
            &[entry(3_600, Standing::Open), entry(3_599, Standing::Open)],
            NOW,
        );
        assert_eq!(tally.get(Metric::Created, Window::Hour, None), 1);
        assert_eq!(tally.get(Metric::Created, Window::Day, None), 2);
        assert!(entry(7 * 86_400, Standing::Open).forgotten(NOW));
        assert!(!entry(7 * 86_400 - 1, Standing::Open).forgotten(NOW));
    }

    #[test]
    fn unpaid_counts_open_expired_and_cancelled_not_paid() {
        let all = [
            entry(1, Standing::Open),
            entry(2, Standing::Paid),
            entry(3, Standing::Expired),
            entry(4, Standing::Cancelled),
        ];
        let tally = Tally::of(&all, NOW);
        assert_eq!(tally.get(Metric::Unpaid, Window::Hour, None), 3);
        assert_eq!(tally.get(Metric::Expired, Window::Hour, None), 1);
        assert_eq!(
            tally.get(Metric::Amount, Window::Hour, Some(Currency::Pen)),
            4_000
        );
        assert_eq!(
            tally.get(Metric::Amount, Window::Hour, Some(Currency::Cop)),
            0
        );
        assert_eq!(tally.get(Metric::Amount, Window::Hour, None), 0);
    }

    #[test]
    fn the_new_voucher_counts_as_created_unpaid_and_its_amount() {
        let tally = Tally::of(&[entry(10, Standing::Paid)], NOW).with_new(500, Currency::Pen);
        for window in Window::ALL {
            assert_eq!(tally.get(Metric::Created, *window, None), 2);
            assert_eq!(tally.get(Metric::Unpaid, *window, None), 1);
            assert_eq!(
                tally.get(Metric::Amount, *window, Some(Currency::Pen)),
                1_500
            );
        }
    }

    proptest! {
        /// Windows roll: as time passes, an entry leaves each window once and never
        /// comes back, so every count only falls while no entry is added.
        #[test]
        fn windows_roll(ages in proptest::collection::vec(0i64..(8 * 86_400), 0..30), step in 1i64..86_400) {
            let entries: Vec<Entry> = ages.iter().map(|&a| entry(a, Standing::Open)).collect();
            let now_tally = Tally::of(&entries, NOW);
            let later = Tally::of(&entries, NOW + Duration::seconds(step));
            for window in Window::ALL {
                let expected = ages.iter().filter(|&&a| a < window.duration().whole_seconds()).count();
                prop_assert_eq!(now_tally.get(Metric::Created, *window, None), expected as i64);
                prop_assert!(later.get(Metric::Created, *window, None) <= now_tally.get(Metric::Created, *window, None));
            }
            // Windows nest: the hour never counts more than the day, the day than the week.
            prop_assert!(now_tally.get(Metric::Created, Window::Hour, None) <= now_tally.get(Metric::Created, Window::Day, None));
            prop_assert!(now_tally.get(Metric::Created, Window::Day, None) <= now_tally.get(Metric::Created, Window::Week, None));
        }
    }
}
