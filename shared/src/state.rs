//! The voucher's life: its statuses, the events that move it, and the one function that
//! decides every move.
//!
//! ```text
//!            pay                   refund (part)          refund (rest)
//! pending ────────▶ paid ───────────────────▶ partially_refunded ─────────▶ refunded
//!    │  └─ expire ─▶ expired        └───────────── refund (all) ──────────────▲
//!    └──── cancel ─▶ cancelled
//! ```
//!
//! A payment that reaches a voucher that can no longer take it (expired, cancelled, or
//! already paid) is money in someone's hand: it is never dropped. `apply` answers
//! [`Outcome::Flagged`] so the caller records it and tells the merchant.

use serde::{Deserialize, Serialize};

/// Where a voucher is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// Issued, waiting for the shopper to pay.
    Pending,
    /// The network reported the payment.
    Paid,
    /// The deadline passed unpaid.
    Expired,
    /// The merchant withdrew it before payment.
    Cancelled,
    /// The whole payment went back to the shopper.
    Refunded,
    /// Part of the payment went back to the shopper.
    PartiallyRefunded,
}

impl VoucherStatus {
    /// Every status, for iteration.
    pub const ALL: [VoucherStatus; 6] = [
        VoucherStatus::Pending,
        VoucherStatus::Paid,
        VoucherStatus::Expired,
        VoucherStatus::Cancelled,
        VoucherStatus::Refunded,
        VoucherStatus::PartiallyRefunded,
    ];

    /// The name the API uses (`"partially_refunded"`).
    ///
    /// ```
    /// assert_eq!(vale_shared::VoucherStatus::PartiallyRefunded.as_str(), "partially_refunded");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Pending => "pending",
            VoucherStatus::Paid => "paid",
            VoucherStatus::Expired => "expired",
            VoucherStatus::Cancelled => "cancelled",
            VoucherStatus::Refunded => "refunded",
            VoucherStatus::PartiallyRefunded => "partially_refunded",
        }
    }

    /// Whether no event can change the status any more.
    ///
    /// ```
    /// use vale_shared::VoucherStatus;
    /// assert!(VoucherStatus::Expired.is_final());
    /// assert!(!VoucherStatus::Paid.is_final()); // refunds may still come
    /// ```
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            VoucherStatus::Expired | VoucherStatus::Cancelled | VoucherStatus::Refunded
        )
    }

    /// Applies `event`, answering the new status, a flagged anomaly to record, or why the
    /// event does not apply.
    ///
    /// ```
    /// use vale_shared::state::{Anomaly, Outcome, VoucherEvent, VoucherStatus};
    /// assert_eq!(VoucherStatus::Pending.apply(VoucherEvent::Pay), Ok(Outcome::Moved(VoucherStatus::Paid)));
    /// assert_eq!(
    ///     VoucherStatus::Expired.apply(VoucherEvent::Pay),
    ///     Ok(Outcome::Flagged(Anomaly::PaidAfterExpiry)),
    /// );
    /// assert!(VoucherStatus::Paid.apply(VoucherEvent::Cancel).is_err());
    /// ```
    pub const fn apply(self, event: VoucherEvent) -> Result<Outcome, TransitionError> {
        use VoucherEvent as E;
        use VoucherStatus as S;
        let to = match (self, event) {
            (S::Pending, E::Pay) => S::Paid,
            (S::Pending, E::Expire) => S::Expired,
            (S::Pending, E::Cancel) => S::Cancelled,
            (S::Paid | S::PartiallyRefunded, E::Refund { whole: true }) => S::Refunded,
            (S::Paid | S::PartiallyRefunded, E::Refund { whole: false }) => S::PartiallyRefunded,
            (S::Expired, E::Pay) => return Ok(Outcome::Flagged(Anomaly::PaidAfterExpiry)),
            (S::Cancelled, E::Pay) => return Ok(Outcome::Flagged(Anomaly::PaidAfterCancel)),
            (S::Paid | S::PartiallyRefunded | S::Refunded, E::Pay) => {
                return Ok(Outcome::Flagged(Anomaly::PaidTwice));
            }
            (from, event) => return Err(TransitionError { from, event }),
        };
        Ok(Outcome::Moved(to))
    }
}

impl std::str::FromStr for VoucherStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VoucherStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(UnknownStatus)
    }
}

/// A status name the API does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown voucher status")]
pub struct UnknownStatus;

/// Something that happens to a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoucherEvent {
    /// The network reports the shopper paid.
    Pay,
    /// The deadline passed (alarm or sandbox).
    Expire,
    /// The merchant cancels.
    Cancel,
    /// Money goes back to the shopper; `whole` when nothing remains paid.
    Refund {
        /// Whether this refund leaves nothing paid.
        whole: bool,
    },
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The voucher moved to this status.
    Moved(VoucherStatus),
    /// The status stays, but money arrived where none was expected: record it and tell
    /// the merchant, never drop it.
    Flagged(Anomaly),
}

/// A payment the voucher could not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anomaly {
    /// Paid after the voucher expired.
    PaidAfterExpiry,
    /// Paid after the merchant cancelled the voucher.
    PaidAfterCancel,
    /// A second, different payment for a voucher already paid.
    PaidTwice,
    /// Paid under a payment code the voucher does not have (PagoEfectivo named this
    /// voucher in `transactionCode`, but with a CIP the edge never issued for it).
    CodeMismatch,
}

/// An event that does not apply to the voucher's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} voucher cannot take {event:?}", from.as_str())]
pub struct TransitionError {
    /// The status the voucher was in.
    pub from: VoucherStatus,
    /// The event that was refused.
    pub event: VoucherEvent,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn event() -> impl Strategy<Value = VoucherEvent> {
        prop_oneof![
            Just(VoucherEvent::Pay),
            Just(VoucherEvent::Expire),
            Just(VoucherEvent::Cancel),
            any::<bool>().prop_map(|whole| VoucherEvent::Refund { whole }),
        ]
    }

    /// The diagram in the module docs, as the set of moves it allows.
    fn allowed(from: VoucherStatus, to: VoucherStatus) -> bool {
        use VoucherStatus as S;
        matches!(
            (from, to),
            (S::Pending, S::Paid | S::Expired | S::Cancelled)
                | (
                    S::Paid | S::PartiallyRefunded,
                    S::Refunded | S::PartiallyRefunded
                )
        )
    }

    #[test]
    fn only_pending_moves_to_paid_expired_or_cancelled() {
        for from in VoucherStatus::ALL {
            for event in [VoucherEvent::Expire, VoucherEvent::Cancel] {
                let moved = matches!(from.apply(event), Ok(Outcome::Moved(_)));
                assert_eq!(moved, from == VoucherStatus::Pending, "{from:?} {event:?}");
            }
        }
    }

    #[test]
    fn every_payment_reaches_a_voucher_as_a_move_or_a_flag() {
        for from in VoucherStatus::ALL {
            assert!(
                from.apply(VoucherEvent::Pay).is_ok(),
                "{from:?} dropped a payment"
            );
        }
    }

    proptest! {
        #[test]
        fn final_states_never_move(events in prop::collection::vec(event(), 0..12)) {
            for from in VoucherStatus::ALL.into_iter().filter(|s| s.is_final()) {
                for &event in &events {
                    prop_assert!(!matches!(from.apply(event), Ok(Outcome::Moved(_))));
                }
            }
        }

        #[test]
        fn every_sequence_follows_the_diagram(events in prop::collection::vec(event(), 0..12)) {
            let mut status = VoucherStatus::Pending;
            for event in events {
                if let Ok(Outcome::Moved(to)) = status.apply(event) {
                    prop_assert!(allowed(status, to), "{:?} -> {:?}", status, to);
                    status = to;
                }
            }
        }
    }
}
