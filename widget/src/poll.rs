//! When to ask the API again: every few seconds while a voucher is pending, less often
//! while nobody is looking or the network fails, never once the voucher is settled.

use vale_shared::VoucherStatus;

/// The pace while pending, the tab visible and the last request fine.
pub const BASE_MS: u32 = 5_000;
/// The pace while the tab is hidden: a paid voucher is still noticed, cheaply.
pub const HIDDEN_MS: u32 = 60_000;
/// The longest wait after repeated errors.
pub const MAX_BACKOFF_MS: u32 = 60_000;

/// What the next poll depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollState {
    /// The last status the server gave, if any.
    pub status: Option<VoucherStatus>,
    /// Requests that failed in a row.
    pub failures: u32,
    /// Whether the page is hidden (`document.visibilityState`).
    pub hidden: bool,
}

/// Milliseconds until the next request, or `None` to stop polling.
///
/// ```
/// use vale_shared::VoucherStatus;
/// use vale_widget::poll::{next_delay, PollState};
/// let pending = PollState { status: Some(VoucherStatus::Pending), failures: 0, hidden: false };
/// assert_eq!(next_delay(pending), Some(5_000));
/// assert_eq!(next_delay(PollState { failures: 2, ..pending }), Some(20_000));
/// assert_eq!(next_delay(PollState { status: Some(VoucherStatus::Paid), ..pending }), None);
/// ```
pub fn next_delay(state: PollState) -> Option<u32> {
    // Only a pending voucher can still change in a way the shopper waits for; `paid` may
    // later turn into a refund, which is no news for this page.
    if state.status.is_some_and(|s| s != VoucherStatus::Pending) {
        return None;
    }
    let backoff = BASE_MS
        .saturating_mul(1 << state.failures.min(8))
        .min(MAX_BACKOFF_MS);
    Some(if state.hidden {
        backoff.max(HIDDEN_MS)
    } else {
        backoff
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_back_off_to_a_ceiling() {
        let delays: Vec<_> = (0..10)
            .map(|failures| {
                next_delay(PollState {
                    status: None,
                    failures,
                    hidden: false,
                })
            })
            .collect();
        assert_eq!(
            delays[..5],
            [
                Some(5_000),
                Some(10_000),
                Some(20_000),
                Some(40_000),
                Some(60_000)
            ]
        );
        assert!(
            delays
                .iter()
                .all(|d| d.is_some_and(|d| d <= MAX_BACKOFF_MS))
        );
    }

    #[test]
    fn hidden_tabs_poll_slowly_but_still_poll() {
        let s = PollState {
            status: Some(VoucherStatus::Pending),
            failures: 0,
            hidden: true,
        };
        assert_eq!(next_delay(s), Some(HIDDEN_MS));
    }

    #[test]
    fn every_status_but_pending_stops_polling() {
        for status in VoucherStatus::ALL {
            let s = PollState {
                status: Some(status),
                failures: 0,
                hidden: false,
            };
            assert_eq!(
                next_delay(s).is_none(),
                status != VoucherStatus::Pending,
                "{status:?}"
            );
        }
    }
}
