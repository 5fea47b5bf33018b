//! When to ask the API again: every few seconds while a voucher is pending, less often
//! while it waits past its deadline for a late confirmation or nobody is looking, sooner
//! then later and later after errors, never once the voucher is settled.

use vale_shared::VoucherStatus;

/// The pace while pending, the tab visible and the last request fine.
pub const BASE_MS: u32 = 5_000;
/// The pace past the deadline while the server still says `pending`: the network may
/// confirm a payment made in time minutes (PagoEfectivo) to hours (Efecty) later.
pub const OVERDUE_MS: u32 = 30_000;
/// The pace while the tab is hidden: a paid voucher is still noticed, cheaply.
pub const HIDDEN_MS: u32 = 60_000;
/// The first wait after an error; each further error in a row doubles it.
pub const RETRY_MS: u32 = 2_000;
/// The longest wait after repeated errors.
pub const MAX_BACKOFF_MS: u32 = 60_000;

/// What the next poll depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollState {
    /// The last status the server gave, if any.
    pub status: Option<VoucherStatus>,
    /// Requests that failed in a row (a success resets it).
    pub failures: u32,
    /// Whether the page is hidden (`document.visibilityState`).
    pub hidden: bool,
    /// Whether the deadline has passed by the server's clock (the voucher then waits only
    /// for a late confirmation of a payment made in time).
    pub overdue: bool,
}

/// Milliseconds until the next request, or `None` to stop polling.
///
/// ```
/// use vale_shared::VoucherStatus;
/// use vale_widget::poll::{next_delay, PollState};
/// let pending = PollState {
///     status: Some(VoucherStatus::Pending), failures: 0, hidden: false, overdue: false,
/// };
/// assert_eq!(next_delay(pending), Some(5_000));
/// assert_eq!(next_delay(PollState { failures: 1, ..pending }), Some(2_000));
/// assert_eq!(next_delay(PollState { failures: 3, ..pending }), Some(8_000));
/// assert_eq!(next_delay(PollState { status: Some(VoucherStatus::Paid), ..pending }), None);
/// ```
pub fn next_delay(state: PollState) -> Option<u32> {
    // Only a pending voucher can still change in a way the shopper waits for; `paid` may
    // later turn into a refund, which is no news for this page.
    if state.status.is_some_and(|s| s != VoucherStatus::Pending) {
        return None;
    }
    let delay = match state.failures {
        0 if state.overdue => OVERDUE_MS,
        0 => BASE_MS,
        // 2 s, 4 s, 8 s, … up to a minute; the shift stays far below u32's width.
        n => RETRY_MS
            .saturating_mul(1 << (n - 1).min(16))
            .min(MAX_BACKOFF_MS),
    };
    Some(if state.hidden {
        delay.max(HIDDEN_MS)
    } else {
        delay
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PENDING: PollState = PollState {
        status: Some(VoucherStatus::Pending),
        failures: 0,
        hidden: false,
        overdue: false,
    };

    #[test]
    fn errors_back_off_exponentially_to_a_ceiling() {
        let delays: Vec<_> = (0..40)
            .map(|failures| {
                next_delay(PollState {
                    status: None,
                    failures,
                    ..PENDING
                })
            })
            .collect();
        assert_eq!(
            delays[..8],
            [
                Some(BASE_MS),
                Some(2_000),
                Some(4_000),
                Some(8_000),
                Some(16_000),
                Some(32_000),
                Some(60_000),
                Some(60_000),
            ]
        );
        assert!(
            delays
                .iter()
                .all(|d| d.is_some_and(|d| d <= MAX_BACKOFF_MS))
        );
        assert_eq!(
            next_delay(PollState {
                failures: u32::MAX,
                ..PENDING
            }),
            Some(MAX_BACKOFF_MS)
        );
    }

    #[test]
    fn a_success_resets_the_pace() {
        // The poller counts failures in a row; after a success the count is 0 again.
        assert_eq!(next_delay(PENDING), Some(BASE_MS));
    }

    #[test]
    fn past_the_deadline_a_pending_voucher_is_still_asked_about_slowly() {
        let overdue = PollState {
            overdue: true,
            ..PENDING
        };
        assert_eq!(next_delay(overdue), Some(OVERDUE_MS));
        // Errors back off the same way.
        assert_eq!(
            next_delay(PollState {
                failures: 1,
                ..overdue
            }),
            Some(RETRY_MS)
        );
    }

    #[test]
    fn hidden_tabs_poll_slowly_but_still_poll() {
        let hidden = PollState {
            hidden: true,
            ..PENDING
        };
        assert_eq!(next_delay(hidden), Some(HIDDEN_MS));
        assert_eq!(
            next_delay(PollState {
                failures: 2,
                ..hidden
            }),
            Some(HIDDEN_MS)
        );
    }

    #[test]
    fn every_status_but_pending_stops_polling() {
        for status in VoucherStatus::ALL {
            for overdue in [false, true] {
                let s = PollState {
                    status: Some(status),
                    overdue,
                    ..PENDING
                };
                assert_eq!(
                    next_delay(s).is_none(),
                    status != VoucherStatus::Pending,
                    "{status:?}"
                );
            }
        }
    }
}
