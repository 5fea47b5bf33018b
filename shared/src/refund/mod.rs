//! Refunds: money back to a shopper who paid in cash. The cash networks cannot reverse a
//! payment, so a refund pays the shopper out (cash at an Efecty point, a bank account or a
//! wallet) once they say where.
//!
//! Pure: the states and every move between them ([`RefundStatus::after`], one exhaustive
//! function), the reasons as closed enums, and the money rule ([`open`]): refunds that
//! still hold money (not failed, cancelled or expired) never add up to more than was paid,
//! and the refund that takes a voucher's refunds above the approval threshold waits for a
//! second pair of eyes. What each request does to a refund (approval bound to the payee, a
//! withdrawal never released on Vale's own clock) is [`flow`]. Where the money goes is
//! [`destination`], into which banks [`bank`].

pub mod bank;
pub mod destination;
pub mod flow;
mod new;

pub use new::NewRefund;

use crate::{Currency, Money};
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
        /// Above the approval threshold, its destination chosen: waits for a restricted key
        /// to approve that payee.
        PendingApproval => "pending_approval",
        /// Waits for the shopper to say where the money goes.
        RequiresAction => "requires_action",
        /// The payout is on its way (cash pickup: the withdrawal code is ready, and stays
        /// so until it is collected or the rail says it is void).
        Processing => "processing",
        /// Paid out (cash pickup: collected).
        Succeeded => "succeeded",
        /// The payout failed, or the withdrawal was voided; the amount is refundable again.
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
        /// A cash pickup was not collected, and the rail (or the merchant for it) voided
        /// the withdrawal code.
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
    /// assert_eq!(S::RequiresAction.after(E::Submit), Ok(S::PendingApproval));
    /// assert_eq!(S::PendingApproval.after(E::Approve), Ok(S::Processing));
    /// assert!(S::Succeeded.after(E::Cancel).is_err());
    /// ```
    pub fn after(self, event: RefundEvent) -> Result<RefundStatus, Refused> {
        use RefundEvent as E;
        use RefundStatus as S;
        let next = match (self, event) {
            (S::PendingApproval, E::Approve) => S::Processing,
            (S::PendingApproval, E::ApproveBeforeDestination) => S::RequiresAction,
            (S::PendingApproval, E::Reject) => S::Cancelled,
            (S::PendingApproval | S::RequiresAction, E::Cancel) => S::Cancelled,
            (S::RequiresAction, E::Choose) => S::Processing,
            (S::RequiresAction, E::Submit) => S::PendingApproval,
            (S::RequiresAction, E::Expire) => S::Expired,
            (S::Processing, E::PastDue) => S::Processing,
            (S::Processing, E::Settle) => S::Succeeded,
            (S::Processing, E::Fail(_) | E::VoidWithdrawal) => S::Failed,
            (
                S::PendingApproval
                | S::RequiresAction
                | S::Processing
                | S::Succeeded
                | S::Failed
                | S::Cancelled
                | S::Expired,
                E::Approve
                | E::ApproveBeforeDestination
                | E::Reject
                | E::Cancel
                | E::Choose
                | E::Submit
                | E::Expire
                | E::PastDue
                | E::Settle
                | E::Fail(_)
                | E::VoidWithdrawal,
            ) => return Err(Refused { from: self, event }),
        };
        Ok(next)
    }
}

/// What can happen to a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundEvent {
    /// A restricted key approves the payee it waits with: the payout is prepared.
    Approve,
    /// A restricted key approves a refund that waited before any destination was chosen
    /// (stored before approval bound the payee): back to the shopper, whose choice then
    /// waits for approval again.
    ApproveBeforeDestination,
    /// A restricted key rejects it.
    Reject,
    /// The merchant cancels it.
    Cancel,
    /// The shopper chose a destination that needs no (more) approval: the payout is
    /// prepared.
    Choose,
    /// The shopper chose a destination that must be approved first.
    Submit,
    /// The shopper never chose in time.
    Expire,
    /// A cash pickup's `collectable_until` passed: marked past due, nothing released.
    PastDue,
    /// The payout arrived (or the cash was collected, however late).
    Settle,
    /// The payout failed.
    Fail(FailureReason),
    /// The rail (or the merchant for it) voided a withdrawal code that was not collected.
    VoidWithdrawal,
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
    /// A COP amount with centavos: cash pays whole pesos only.
    #[error("COP refunds must be whole pesos (a multiple of 100): cash pays no centavos")]
    NotCashExact,
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
    paid.saturating_sub(held(refunds)).max(0)
}

/// What the refunds that still hold money add up to.
pub fn held(refunds: impl IntoIterator<Item = (RefundStatus, i64)>) -> i64 {
    refunds
        .into_iter()
        .filter(|(status, _)| status.holds_money())
        .fold(0_i64, |sum, (_, amount)| sum.saturating_add(amount))
}

/// What was given back: the sum of the succeeded refunds.
pub fn refunded(refunds: impl IntoIterator<Item = (RefundStatus, i64)>) -> i64 {
    refunds
        .into_iter()
        .filter(|(status, _)| *status == RefundStatus::Succeeded)
        .fold(0_i64, |sum, (_, amount)| sum.saturating_add(amount))
}

/// A refund to open: the payment it comes out of and the refunds already there.
#[derive(Debug, Clone, Copy)]
pub struct Opening<'a> {
    /// The payment it refunds (the voucher's own, or one unexpected payment).
    pub paid: Paid,
    /// The refunds of that same payment.
    pub against: &'a [(RefundStatus, i64)],
    /// Every refund of the voucher, whichever payment: the approval threshold counts them
    /// all.
    pub on_voucher: &'a [(RefundStatus, i64)],
    /// The amount asked for (`None`: all that is refundable).
    pub requested: Option<i64>,
    /// The voucher's currency.
    pub currency: Currency,
    /// Now (the voucher's clock).
    pub now: OffsetDateTime,
    /// The merchant's refund window after the payment.
    pub window: Duration,
    /// The merchant's approval threshold in this currency, if any.
    pub approval_above: Option<i64>,
}

/// A refund that may be opened: its amount and whether its payee needs approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// In minor units.
    pub amount: i64,
    /// Whether it takes the voucher's refunds that still hold money (this one included)
    /// strictly above the approval threshold: then the destination the shopper chooses
    /// waits for a restricted key ([`flow`]).
    pub approval_required: bool,
}

/// Opens a refund, which always starts `requires_action` (the shopper chooses first).
///
/// The threshold applies to the sum, so refunds split under it add up: the one whose
/// amount takes the voucher's holding refunds above it waits (regression, review M3: four
/// refunds of exactly the threshold each never waited).
pub fn open(o: &Opening<'_>) -> Result<Opened, OpenError> {
    // Regression (review M5): `paid_at + window` on a far `paid_at` could panic. A window
    // that ends past what can be written has not closed.
    if o.paid
        .paid_at
        .checked_add(o.window)
        .is_some_and(|end| o.now > end)
    {
        return Err(OpenError::WindowClosed);
    }
    let left = refundable(o.paid.amount, o.against.iter().copied());
    let amount = o.requested.unwrap_or(left);
    if amount <= 0 {
        return Err(if o.requested.is_some() {
            OpenError::AmountInvalid
        } else {
            OpenError::TooMuch { refundable: 0 }
        });
    }
    // Regression (review L2): a COP refund in centavos asked a cash pickup to pay them.
    if !Money::new(amount, o.currency).is_ok_and(Money::is_cash_exact) {
        return Err(OpenError::NotCashExact);
    }
    if amount > left {
        return Err(OpenError::TooMuch { refundable: left });
    }
    let sum = held(o.on_voucher.iter().copied()).saturating_add(amount);
    Ok(Opened {
        amount,
        approval_required: o.approval_above.is_some_and(|limit| sum > limit),
    })
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

    /// Opens against `refunds` (one payment, the voucher's only refunds).
    fn opening(
        amount: i64,
        refunds: &[(RefundStatus, i64)],
        requested: Option<i64>,
        now: OffsetDateTime,
        approval_above: Option<i64>,
    ) -> Result<Opened, OpenError> {
        open(&Opening {
            paid: paid(amount),
            against: refunds,
            on_voucher: refunds,
            requested,
            currency: Currency::Pen,
            now,
            window: Duration::days(15),
            approval_above,
        })
    }

    fn opened(amount: i64, approval_required: bool) -> Result<Opened, OpenError> {
        Ok(Opened {
            amount,
            approval_required,
        })
    }

    #[test]
    fn two_partial_refunds_then_one_too_many() {
        let now = PAID_AT + Duration::days(1);
        let mut refunds = vec![];
        for _ in 0..2 {
            let o = opening(5_000, &refunds, Some(2_000), now, None).unwrap();
            refunds.push((RefundStatus::RequiresAction, o.amount));
        }
        assert_eq!(
            opening(5_000, &refunds, Some(2_000), now, None),
            Err(OpenError::TooMuch { refundable: 1_000 })
        );
        // Without an amount: all that is left.
        assert_eq!(
            opening(5_000, &refunds, None, now, None),
            opened(1_000, false)
        );
        // A failed one gives its amount back.
        refunds[0].0 = RefundStatus::Failed;
        assert_eq!(refundable(5_000, refunds.iter().copied()), 3_000);
    }

    #[test]
    fn the_window_the_threshold_and_bad_amounts() {
        assert_eq!(
            opening(5_000, &[], None, PAID_AT + Duration::days(16), None),
            Err(OpenError::WindowClosed)
        );
        assert_eq!(
            opening(5_000, &[], Some(4_001), PAID_AT, Some(4_000)),
            opened(4_001, true)
        );
        assert_eq!(
            opening(5_000, &[], Some(4_000), PAID_AT, Some(4_000)),
            opened(4_000, false)
        );
        for bad in [0, -1] {
            assert_eq!(
                opening(5_000, &[], Some(bad), PAID_AT, None),
                Err(OpenError::AmountInvalid)
            );
        }
        let all = [(RefundStatus::Succeeded, 5_000)];
        assert_eq!(
            opening(5_000, &all, None, PAID_AT, None),
            Err(OpenError::TooMuch { refundable: 0 })
        );
    }

    /// Regression (review M3): four refunds of exactly the threshold never waited.
    #[test]
    fn refunds_split_under_the_threshold_add_up() {
        let mut refunds = vec![];
        let mut waits = vec![];
        for _ in 0..4 {
            let o = opening(400, &refunds, Some(100), PAID_AT, Some(100)).unwrap();
            refunds.push((RefundStatus::RequiresAction, o.amount));
            waits.push(o.approval_required);
        }
        assert_eq!(
            waits,
            [false, true, true, true],
            "the second takes the sum above"
        );
        // A cancelled or failed one no longer counts; a succeeded one does.
        let counted = [
            (RefundStatus::Cancelled, 100),
            (RefundStatus::Failed, 100),
            (RefundStatus::Expired, 100),
        ];
        assert_eq!(
            opening(400, &counted, Some(100), PAID_AT, Some(100)),
            opened(100, false)
        );
        let succeeded = [(RefundStatus::Succeeded, 60)];
        assert_eq!(
            opening(400, &succeeded, Some(50), PAID_AT, Some(100)),
            opened(50, true)
        );
        // Refunds of another payment of the same voucher count too.
        let other = [(RefundStatus::Processing, 80)];
        let o = open(&Opening {
            paid: paid(400),
            against: &[],
            on_voucher: &other,
            requested: Some(30),
            currency: Currency::Pen,
            now: PAID_AT,
            window: Duration::days(15),
            approval_above: Some(100),
        });
        assert_eq!(o, opened(30, true));
    }

    /// Regression (review L2): COP refunds in centavos; (review M5) a far `paid_at`.
    #[test]
    fn cop_refunds_are_whole_pesos_and_far_dates_never_panic() {
        let cop = |requested| {
            open(&Opening {
                paid: paid(5_000_000),
                against: &[],
                on_voucher: &[],
                requested,
                currency: Currency::Cop,
                now: PAID_AT,
                window: Duration::days(15),
                approval_above: None,
            })
        };
        assert_eq!(cop(Some(5_000_050)), Err(OpenError::NotCashExact));
        assert_eq!(cop(Some(50)), Err(OpenError::NotCashExact));
        assert_eq!(cop(Some(100)), opened(100, false));
        let far = Paid {
            amount: 100,
            paid_at: datetime!(9999-12-31 23:59 UTC),
        };
        let o = open(&Opening {
            paid: far,
            against: &[],
            on_voucher: &[],
            requested: None,
            currency: Currency::Pen,
            now: PAID_AT,
            window: Duration::days(365),
            approval_above: None,
        });
        assert_eq!(o, opened(100, false));
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

    pub(crate) fn event() -> impl Strategy<Value = RefundEvent> {
        prop_oneof![
            Just(RefundEvent::Approve),
            Just(RefundEvent::ApproveBeforeDestination),
            Just(RefundEvent::Reject),
            Just(RefundEvent::Cancel),
            Just(RefundEvent::Choose),
            Just(RefundEvent::Submit),
            Just(RefundEvent::Expire),
            Just(RefundEvent::PastDue),
            Just(RefundEvent::Settle),
            Just(RefundEvent::VoidWithdrawal),
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

        /// Nothing but a failure or a void releases a processing refund's money.
        #[test]
        fn only_the_rail_releases_a_payout(event in event()) {
            if let Ok(next) = RefundStatus::Processing.after(event) {
                prop_assert_eq!(
                    next.holds_money(),
                    !matches!(event, RefundEvent::Fail(_) | RefundEvent::VoidWithdrawal)
                );
            }
        }

        /// Any interleaving of opens and moves: what holds money never exceeds what was
        /// paid, and what succeeded never exceeds it either.
        #[test]
        fn refunds_never_exceed_the_payment(
            paid_amount in 1_i64..1_000_000,
            steps in proptest::collection::vec((any::<bool>(), 1_i64..400_000, 0_usize..8, event()), 1..60),
        ) {
            let mut refunds: Vec<(RefundStatus, i64)> = vec![];
            for (opening_one, amount, pick, event) in steps {
                if opening_one {
                    if let Ok(o) = opening(paid_amount, &refunds, Some(amount), PAID_AT, Some(200_000)) {
                        refunds.push((RefundStatus::RequiresAction, o.amount));
                    }
                } else if let Some(r) = refunds.get_mut(pick)
                    && let Ok(next) = r.0.after(event)
                {
                    r.0 = next;
                }
                prop_assert!(held(refunds.iter().copied()) <= paid_amount);
                prop_assert!(refunded(refunds.iter().copied()) <= paid_amount);
            }
        }

        /// Whatever the order and sizes, no refund that takes the holding sum above the
        /// threshold opens without waiting for approval.
        #[test]
        fn no_split_dodges_the_threshold(
            amounts in proptest::collection::vec(1_i64..300, 1..20),
            limit in 1_i64..600,
        ) {
            let mut refunds: Vec<(RefundStatus, i64)> = vec![];
            let mut unapproved = 0_i64;
            for amount in amounts {
                if let Ok(o) = opening(10_000, &refunds, Some(amount), PAID_AT, Some(limit)) {
                    refunds.push((RefundStatus::RequiresAction, o.amount));
                    if !o.approval_required {
                        unapproved += o.amount;
                    }
                }
            }
            prop_assert!(unapproved <= limit, "{} paid out without approval over {}", unapproved, limit);
        }
    }
}
