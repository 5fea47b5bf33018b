//! Refunds: money back to a shopper who paid in cash. The cash networks cannot reverse a
//! payment, so a refund pays the shopper out (cash at an Efecty point, a bank account or a
//! wallet) once they say where.
//!
//! Pure: the states and every move between them ([`RefundStatus::after`], one exhaustive
//! function), the reasons as closed enums, and the money rule ([`open`]): refunds that
//! still hold money (not failed, cancelled or expired) never add up to more than was paid.
//! Where the money goes is [`destination`].

pub mod bank;
pub mod destination;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or(())
            }
        }
    };
}

wire_enum!(
    /// Where a refund is.
    RefundStatus {
        /// Above the approval threshold: waits for a restricted key.
        PendingApproval => "pending_approval",
        /// Waits for the shopper to say where the money goes.
        RequiresAction => "requires_action",
        /// The payout is on its way (cash pickup: the withdrawal code is ready).
        Processing => "processing",
        /// Paid out (cash pickup: collected).
        Succeeded => "succeeded",
        /// The payout failed; the amount is refundable again.
        Failed => "failed",
        /// Cancelled (or rejected) before the payout.
        Cancelled => "cancelled",
        /// The shopper never chose a destination in time.
        Expired => "expired",
    }
);

wire_enum!(
    /// Why the merchant refunds.
    Reason {
        /// The shopper asked.
        RequestedByCustomer => "requested_by_customer",
        /// The order was cancelled.
        OrderCancelled => "order_cancelled",
        /// The goods never arrived.
        ProductNotReceived => "product_not_received",
        /// Paid twice.
        Duplicate => "duplicate",
        /// Fraud.
        Fraudulent => "fraudulent",
        /// Paid after the voucher expired (an unexpected payment).
        PaidAfterExpiry => "paid_after_expiry",
        /// Paid more than once or more than asked.
        Overpayment => "overpayment",
    }
);

wire_enum!(
    /// Why a payout failed.
    FailureReason {
        /// The account or wallet does not exist or cannot take it.
        InvalidDestination => "invalid_destination",
        /// The holder's name does not match.
        NameMismatch => "name_mismatch",
        /// A cash pickup was not collected in time.
        CollectionExpired => "collection_expired",
        /// The bank or network refused the payout.
        PayoutRejected => "payout_rejected",
    }
);

impl RefundStatus {
    /// Whether it can never move again.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            RefundStatus::Succeeded
                | RefundStatus::Failed
                | RefundStatus::Cancelled
                | RefundStatus::Expired
        )
    }

    /// Whether its amount is spoken for: everything but a failed, cancelled or expired
    /// refund (those gave nothing back, so the amount is refundable again).
    pub const fn holds_money(self) -> bool {
        matches!(
            self,
            RefundStatus::PendingApproval
                | RefundStatus::RequiresAction
                | RefundStatus::Processing
                | RefundStatus::Succeeded
        )
    }

    /// The state after `event`, or the refusal. Every pair is named here.
    ///
    /// ```
    /// use vale_shared::refund::{RefundEvent as E, RefundStatus as S};
    /// assert_eq!(S::RequiresAction.after(E::Choose), Ok(S::Processing));
    /// assert!(S::Succeeded.after(E::Cancel).is_err());
    /// ```
    pub fn after(self, event: RefundEvent) -> Result<RefundStatus, Refused> {
        use RefundEvent as E;
        use RefundStatus as S;
        let next = match (self, event) {
            (S::PendingApproval, E::Approve) => S::RequiresAction,
            (S::PendingApproval, E::Reject) => S::Cancelled,
            (S::PendingApproval | S::RequiresAction, E::Cancel) => S::Cancelled,
            (S::RequiresAction, E::Choose) => S::Processing,
            (S::RequiresAction, E::Expire) => S::Expired,
            (S::Processing, E::Settle) => S::Succeeded,
            (S::Processing, E::Fail(_)) => S::Failed,
            (
                S::PendingApproval
                | S::RequiresAction
                | S::Processing
                | S::Succeeded
                | S::Failed
                | S::Cancelled
                | S::Expired,
                E::Approve | E::Reject | E::Cancel | E::Choose | E::Expire | E::Settle | E::Fail(_),
            ) => return Err(Refused { from: self, event }),
        };
        Ok(next)
    }
}

/// What can happen to a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundEvent {
    /// A restricted key approves it.
    Approve,
    /// A restricted key rejects it.
    Reject,
    /// The merchant cancels it.
    Cancel,
    /// The shopper chose a destination and the payout is prepared.
    Choose,
    /// The shopper never chose in time.
    Expire,
    /// The payout arrived (or the cash was collected).
    Settle,
    /// The payout failed.
    Fail(FailureReason),
}

/// A move the state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {} refund cannot take {event:?}", from.as_str())]
pub struct Refused {
    /// Where it was.
    pub from: RefundStatus,
    /// What was asked.
    pub event: RefundEvent,
}

/// The money rule's inputs: one payment and the refunds against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid {
    /// What was paid, in minor units.
    pub amount: i64,
    /// When.
    pub paid_at: OffsetDateTime,
}

/// Why a refund cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The refund window after the payment has closed.
    #[error("the refund window closed")]
    WindowClosed,
    /// Not a positive amount.
    #[error("amount must be a positive whole number of minor units")]
    AmountInvalid,
    /// More than what is still refundable.
    #[error("amount is more than the {refundable} still refundable")]
    TooMuch {
        /// What may still be refunded.
        refundable: i64,
    },
}

/// What may still be refunded of `paid` given the statuses and amounts of the refunds
/// against it.
pub fn refundable(paid: i64, refunds: impl IntoIterator<Item = (RefundStatus, i64)>) -> i64 {
    let held: i64 = refunds
        .into_iter()
        .filter(|(status, _)| status.holds_money())
        .map(|(_, amount)| amount)
        .sum();
    (paid - held).max(0)
}

/// What was given back: the sum of the succeeded refunds.
pub fn refunded(refunds: impl IntoIterator<Item = (RefundStatus, i64)>) -> i64 {
    refunds
        .into_iter()
        .filter(|(status, _)| *status == RefundStatus::Succeeded)
        .map(|(_, amount)| amount)
        .sum()
}

/// Opens a refund of `requested` (or all that is refundable) against `paid`, at `now`:
/// the amount and the first state (`pending_approval` above `approval_above`, else
/// `requires_action`).
pub fn open(
    paid: Paid,
    refunds: &[(RefundStatus, i64)],
    requested: Option<i64>,
    now: OffsetDateTime,
    window: Duration,
    approval_above: Option<i64>,
) -> Result<(i64, RefundStatus), OpenError> {
    if now > paid.paid_at + window {
        return Err(OpenError::WindowClosed);
    }
    let left = refundable(paid.amount, refunds.iter().copied());
    let amount = requested.unwrap_or(left);
    if amount <= 0 {
        return Err(if requested.is_some() {
            OpenError::AmountInvalid
        } else {
            OpenError::TooMuch { refundable: 0 }
        });
    }
    if amount > left {
        return Err(OpenError::TooMuch { refundable: left });
    }
    let status = if approval_above.is_some_and(|limit| amount > limit) {
        RefundStatus::PendingApproval
    } else {
        RefundStatus::RequiresAction
    };
    Ok((amount, status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const PAID_AT: OffsetDateTime = datetime!(2026-12-01 15:00 UTC);

    fn paid(amount: i64) -> Paid {
        Paid {
            amount,
            paid_at: PAID_AT,
        }
    }

    #[test]
    fn two_partial_refunds_then_one_too_many() {
        let window = Duration::days(15);
        let now = PAID_AT + Duration::days(1);
        let mut refunds = vec![];
        for _ in 0..2 {
            let (amount, status) =
                open(paid(5_000), &refunds, Some(2_000), now, window, None).unwrap();
            refunds.push((status, amount));
        }
        assert_eq!(
            open(paid(5_000), &refunds, Some(2_000), now, window, None),
            Err(OpenError::TooMuch { refundable: 1_000 })
        );
        // Without an amount: all that is left.
        assert_eq!(
            open(paid(5_000), &refunds, None, now, window, None),
            Ok((1_000, RefundStatus::RequiresAction))
        );
        // A failed one gives its amount back.
        refunds[0].0 = RefundStatus::Failed;
        assert_eq!(refundable(5_000, refunds.iter().copied()), 3_000);
    }

    #[test]
    fn the_window_the_threshold_and_bad_amounts() {
        let window = Duration::days(15);
        assert_eq!(
            open(
                paid(5_000),
                &[],
                None,
                PAID_AT + Duration::days(16),
                window,
                None
            ),
            Err(OpenError::WindowClosed)
        );
        assert_eq!(
            open(paid(5_000), &[], Some(4_001), PAID_AT, window, Some(4_000)),
            Ok((4_001, RefundStatus::PendingApproval))
        );
        assert_eq!(
            open(paid(5_000), &[], Some(4_000), PAID_AT, window, Some(4_000)),
            Ok((4_000, RefundStatus::RequiresAction))
        );
        for bad in [0, -1] {
            assert_eq!(
                open(paid(5_000), &[], Some(bad), PAID_AT, window, None),
                Err(OpenError::AmountInvalid)
            );
        }
        let all = [(RefundStatus::Succeeded, 5_000)];
        assert_eq!(
            open(paid(5_000), &all, None, PAID_AT, window, None),
            Err(OpenError::TooMuch { refundable: 0 })
        );
    }

    #[test]
    fn every_wire_name_parses_back() {
        for s in RefundStatus::ALL {
            assert_eq!(s.as_str().parse::<RefundStatus>(), Ok(*s));
        }
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(*r));
        }
        for f in FailureReason::ALL {
            assert_eq!(f.as_str().parse::<FailureReason>(), Ok(*f));
        }
        assert!("refunded".parse::<RefundStatus>().is_err());
    }

    fn event() -> impl Strategy<Value = RefundEvent> {
        prop_oneof![
            Just(RefundEvent::Approve),
            Just(RefundEvent::Reject),
            Just(RefundEvent::Cancel),
            Just(RefundEvent::Choose),
            Just(RefundEvent::Expire),
            Just(RefundEvent::Settle),
            proptest::sample::select(FailureReason::ALL).prop_map(RefundEvent::Fail),
        ]
    }

    proptest! {
        #[test]
        fn terminal_states_never_move(event in event(), status in proptest::sample::select(RefundStatus::ALL)) {
            if status.is_terminal() {
                prop_assert!(status.after(event).is_err());
            }
        }

        /// Any interleaving of opens and moves: what holds money never exceeds what was
        /// paid, and what succeeded never exceeds it either.
        #[test]
        fn refunds_never_exceed_the_payment(
            paid_amount in 1_i64..1_000_000,
            steps in proptest::collection::vec((any::<bool>(), 1_i64..400_000, 0_usize..8, event()), 1..60),
        ) {
            let window = Duration::days(15);
            let mut refunds: Vec<(RefundStatus, i64)> = vec![];
            for (opening, amount, pick, event) in steps {
                if opening {
                    if let Ok((a, s)) = open(paid(paid_amount), &refunds, Some(amount), PAID_AT, window, Some(200_000)) {
                        refunds.push((s, a));
                    }
                } else if let Some(r) = refunds.get_mut(pick)
                    && let Ok(next) = r.0.after(event)
                {
                    r.0 = next;
                }
                let held: i64 = refunds.iter().filter(|r| r.0.holds_money()).map(|r| r.1).sum();
                prop_assert!(held <= paid_amount);
                prop_assert!(refunded(refunds.iter().copied()) <= paid_amount);
            }
        }
    }
}
