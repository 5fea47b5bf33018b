//! Events to the merchant: their types, which change of a voucher emits which event, and
//! the event id derived from the change, so that one change is one event however many
//! times it is recorded or forwarded.

use crate::id::{EventId, VoucherId};
use crate::state::VoucherStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened, as the merchant's backend is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// The shopper paid: ship the order.
    VoucherPaid,
    /// The voucher expired unpaid: release the order's stock.
    VoucherExpired,
    /// The merchant cancelled the voucher.
    VoucherCancelled,
    /// Money arrived that the voucher could not take (after expiry or cancel, or twice).
    VoucherPaymentUnexpected,
    /// The whole payment went back.
    VoucherRefunded,
    /// Part of the payment went back.
    VoucherPartiallyRefunded,
    /// A refund was created.
    RefundCreated,
    /// A refund changed.
    RefundUpdated,
    /// A refund was paid out.
    RefundSucceeded,
    /// A refund failed.
    RefundFailed,
    /// A settlement file was reconciled.
    SettlementReconciled,
    /// A create matched a `review` risk rule: the voucher waits, with no payment code.
    ReviewOpened,
    /// A review was approved (the voucher has its code) or rejected (it is cancelled).
    ReviewClosed,
    /// A marketplace seller's account changed (issue #23): updated or disabled.
    AccountUpdated,
    /// A seller payout was made (by hand or by the end-of-day run).
    PayoutCreated,
    /// The rail paid a seller payout.
    PayoutPaid,
    /// The rail failed a seller payout: its amount is available again.
    PayoutFailed,
}

impl EventType {
    /// Every event type, for iteration.
    pub const ALL: [EventType; 17] = [
        EventType::VoucherPaid,
        EventType::VoucherExpired,
        EventType::VoucherCancelled,
        EventType::VoucherPaymentUnexpected,
        EventType::VoucherRefunded,
        EventType::VoucherPartiallyRefunded,
        EventType::RefundCreated,
        EventType::RefundUpdated,
        EventType::RefundSucceeded,
        EventType::RefundFailed,
        EventType::SettlementReconciled,
        EventType::ReviewOpened,
        EventType::ReviewClosed,
        EventType::AccountUpdated,
        EventType::PayoutCreated,
        EventType::PayoutPaid,
        EventType::PayoutFailed,
    ];

    /// The name on the wire (`"voucher.paid"`).
    ///
    /// ```
    /// use vale_shared::event::EventType;
    /// assert_eq!(EventType::VoucherPaymentUnexpected.as_str(), "voucher.payment_unexpected");
    /// assert_eq!("voucher.paid".parse(), Ok(EventType::VoucherPaid));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::VoucherPaid => "voucher.paid",
            EventType::VoucherExpired => "voucher.expired",
            EventType::VoucherCancelled => "voucher.cancelled",
            EventType::VoucherPaymentUnexpected => "voucher.payment_unexpected",
            EventType::VoucherRefunded => "voucher.refunded",
            EventType::VoucherPartiallyRefunded => "voucher.partially_refunded",
            EventType::RefundCreated => "refund.created",
            EventType::RefundUpdated => "refund.updated",
            EventType::RefundSucceeded => "refund.succeeded",
            EventType::RefundFailed => "refund.failed",
            EventType::SettlementReconciled => "settlement.reconciled",
            EventType::ReviewOpened => "review.opened",
            EventType::ReviewClosed => "review.closed",
            EventType::AccountUpdated => "account.updated",
            EventType::PayoutCreated => "payout.created",
            EventType::PayoutPaid => "payout.paid",
            EventType::PayoutFailed => "payout.failed",
        }
    }

    /// The event a voucher's move from `before` to `after` emits, if any.
    ///
    /// ```
    /// use vale_shared::VoucherStatus as S;
    /// use vale_shared::event::EventType;
    /// assert_eq!(EventType::of_move(S::Pending, S::Paid), Some(EventType::VoucherPaid));
    /// assert_eq!(EventType::of_move(S::Paid, S::Paid), None);
    /// ```
    pub const fn of_move(before: VoucherStatus, after: VoucherStatus) -> Option<EventType> {
        use VoucherStatus as S;
        match (before, after) {
            (S::Pending, S::Paid) => Some(EventType::VoucherPaid),
            (S::Pending, S::Expired) => Some(EventType::VoucherExpired),
            (S::Pending, S::Cancelled) => Some(EventType::VoucherCancelled),
            (S::Paid | S::PartiallyRefunded, S::Refunded) => Some(EventType::VoucherRefunded),
            (S::Paid | S::PartiallyRefunded, S::PartiallyRefunded) => {
                Some(EventType::VoucherPartiallyRefunded)
            }
            _ => None,
        }
    }
}

impl std::str::FromStr for EventType {
    type Err = UnknownEventType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(UnknownEventType)
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// When each delivery attempt of an event to an endpoint is made, counted from the
/// previous one: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (over 24 h in
/// all). Any 2xx ends it.
pub const RETRY_SCHEDULE: [time::Duration; 8] = [
    time::Duration::ZERO,
    time::Duration::seconds(5),
    time::Duration::minutes(5),
    time::Duration::minutes(30),
    time::Duration::hours(2),
    time::Duration::hours(5),
    time::Duration::hours(10),
    time::Duration::hours(10),
];

/// An endpoint whose every delivery has failed for this long is disabled.
pub const DISABLE_AFTER: time::Duration = time::Duration::days(5);

/// Whether an endpoint whose deliveries have all failed since `failing_since` (Unix ms;
/// `None`: its last delivery succeeded) is disabled at `now_ms`.
///
/// ```
/// use vale_shared::event::is_worn_out;
/// let day = 86_400_000;
/// assert!(!is_worn_out(Some(0), 5 * day - 1));
/// assert!(is_worn_out(Some(0), 5 * day));
/// assert!(!is_worn_out(None, 99 * day));
/// ```
pub fn is_worn_out(failing_since_ms: Option<i64>, now_ms: i64) -> bool {
    let limit = i64::try_from(DISABLE_AFTER.whole_milliseconds()).unwrap_or(i64::MAX);
    failing_since_ms.is_some_and(|since| now_ms.saturating_sub(since) >= limit)
}

/// How long after attempt number `attempts` (1 = the first) the next one is due, or
/// `None` when the schedule is spent.
///
/// ```
/// use time::Duration;
/// use vale_shared::event::retry_after;
/// assert_eq!(retry_after(1), Some(Duration::seconds(5)));
/// assert_eq!(retry_after(7), Some(Duration::hours(10)));
/// assert_eq!(retry_after(8), None);
/// ```
pub fn retry_after(attempts: u32) -> Option<time::Duration> {
    RETRY_SCHEDULE.get(usize::try_from(attempts).ok()?).copied()
}

/// An event type name the API does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type")]
pub struct UnknownEventType;

/// The id of the event of one change: the same change (the voucher, what changed, and the
/// change's own key: the voucher's version for a move, the payment's network key for an
/// unexpected payment) always gets the same id, so recording or forwarding it twice
/// makes one event.
///
/// ```
/// use vale_shared::VoucherId;
/// use vale_shared::event::{EventType, event_id};
/// let v = VoucherId::from_random([1; 15]);
/// let a = event_id(&v, EventType::VoucherPaid, "2");
/// assert_eq!(a, event_id(&v, EventType::VoucherPaid, "2"));
/// assert_ne!(a, event_id(&v, EventType::VoucherPaid, "3"));
/// assert!(a.as_str().starts_with("evt_"));
/// ```
pub fn event_id(voucher: &VoucherId, kind: EventType, change: &str) -> EventId {
    subject_event_id(voucher.as_str(), kind, change)
}

/// The id of event `kind` about any object (a voucher, a settlement) for the change
/// named `change`: one change is one event however often it is written.
pub fn subject_event_id(subject: &str, kind: EventType, change: &str) -> EventId {
    let digest = Sha256::new()
        .chain_update(b"vale/event/v1/")
        .chain_update(subject)
        .chain_update(b"/")
        .chain_update(kind.as_str())
        .chain_update(b"/")
        .chain_update(change.as_bytes())
        .finalize();
    let mut bytes = [0_u8; 15];
    for (to, from) in bytes.iter_mut().zip(digest.iter()) {
        *to = *from;
    }
    EventId::from_random(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_retry_schedule_spans_over_a_day_and_starts_within_a_minute() {
        let total: time::Duration = RETRY_SCHEDULE.iter().copied().sum();
        assert!(total > time::Duration::hours(24), "{total}");
        assert!(retry_after(1).unwrap() < time::Duration::minutes(1));
        assert_eq!(retry_after(0), Some(time::Duration::ZERO));
        assert_eq!(retry_after(u32::MAX), None);
    }

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse(), Ok(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::from_str::<EventType>(&json).unwrap(), t);
        }
        assert!("voucher.lost".parse::<EventType>().is_err());
    }

    #[test]
    fn only_moves_the_merchant_acts_on_emit_events() {
        use VoucherStatus as S;
        for before in S::ALL {
            for after in S::ALL {
                let emitted = EventType::of_move(before, after);
                if before == after && after != S::PartiallyRefunded {
                    assert_eq!(emitted, None, "{before:?}");
                }
                if emitted.is_some() {
                    use crate::state::{Outcome, VoucherEvent as E};
                    let events = [
                        E::Pay,
                        E::Expire,
                        E::Cancel,
                        E::Refund { whole: true },
                        E::Refund { whole: false },
                    ];
                    assert!(
                        events
                            .iter()
                            .any(|&e| before.apply(e) == Ok(Outcome::Moved(after))),
                        "{before:?} -> {after:?} emits an event but is no move"
                    );
                }
            }
        }
        assert_eq!(
            EventType::of_move(S::Pending, S::Expired),
            Some(EventType::VoucherExpired)
        );
        assert_eq!(EventType::of_move(S::Expired, S::Cancelled), None);
    }
}
