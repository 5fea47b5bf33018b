//! What each request does to one refund: the decision the voucher object asks for before
//! it writes anything.
//!
//! Two rules live here besides the state table ([`RefundStatus::after`]):
//!
//! - **Approval binds the payee** (regression, review M3). A refund whose amount took the
//!   voucher's refunds above the threshold ([`super::open`]) goes `requires_action` →
//!   (the shopper chooses) `pending_approval` → (a restricted key that did not create it
//!   approves that destination) `processing`. The approval records the destination's
//!   [`Fingerprint`]; money leaves only for the destination approved. A destination cannot
//!   change while it waits (the approver approves what they read), nor once approved (the
//!   payout is prepared). A refund approved before any destination was chosen (stored
//!   before this rule) goes back to the shopper, and their choice waits for approval again.
//!   The approver may also reject a refund that needs approval before the shopper chose.
//! - **A withdrawal is never failed on Vale's own clock** (regression, review H2). When a
//!   cash pickup's `collectable_until` passes, the withdrawal is only marked past due
//!   ([`Command::CollectionDue`]): the refund stays `processing`, its amount held, and a
//!   late collection is still recorded (`settle`). Only the rail, or the merchant for it,
//!   releases the money: [`Command::VoidWithdrawal`] (or `fail` with
//!   `collection_expired`).

use super::{FailureReason, RefundEvent, RefundStatus, Refused};

/// A destination's SHA-256 over its stored form: what an approval binds.
pub type Fingerprint = [u8; 32];

/// The destination a refund holds, as far as the decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payee {
    /// Which destination, exactly.
    pub fingerprint: Fingerprint,
    /// Cash at an Efecty point: its payout is a withdrawal code.
    pub cash_pickup: bool,
}

/// A cash pickup's withdrawal code, once the payout is prepared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// Its `collectable_until` passed with no word from the rail.
    pub past_due: bool,
}

/// One refund as the decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund {
    /// Where it is.
    pub status: RefundStatus,
    /// Whether its payee must be approved ([`super::Opened::approval_required`]).
    pub approval_required: bool,
    /// The destination chosen, if any.
    pub destination: Option<Payee>,
    /// The destination a restricted key approved, if any.
    pub approved_for: Option<Fingerprint>,
    /// A cash pickup's withdrawal, once prepared.
    pub withdrawal: Option<Withdrawal>,
}

impl Refund {
    /// A refund just opened (`requires_action`, nothing chosen).
    pub const fn opened(approval_required: bool) -> Refund {
        Refund {
            status: RefundStatus::RequiresAction,
            approval_required,
            destination: None,
            approved_for: None,
            withdrawal: None,
        }
    }
}

/// What is asked of a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// A restricted key approves (`by_creator`: it is the key that created the refund).
    Approve {
        /// Whether the approving key created the refund.
        by_creator: bool,
    },
    /// A restricted key rejects.
    Reject {
        /// Whether the rejecting key created the refund.
        by_creator: bool,
    },
    /// The merchant cancels.
    Cancel,
    /// The shopper (the refund's client secret) says where the money goes.
    Choose(Payee),
    /// The shopper never chose within `expires_at`.
    Expire,
    /// A withdrawal's `collectable_until` passed.
    CollectionDue,
    /// The payout arrived, or the cash was collected.
    Settle,
    /// The payout failed.
    Fail(FailureReason),
    /// The rail, or the merchant for it, voided the withdrawal code.
    VoidWithdrawal,
}

/// Why a command is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The state does not allow it.
    #[error(transparent)]
    State(#[from] Refused),
    /// The key that created a refund cannot approve or reject it.
    #[error("the key that created a refund cannot approve or reject it")]
    ApproverIsCreator,
    /// Only a cash pickup has a withdrawal to void (or a collection to expire).
    #[error("only a cash pickup's withdrawal can be voided")]
    NotACashPickup,
    /// The destination waits for approval as chosen; it cannot change meanwhile.
    #[error("the destination waits for approval as it was chosen")]
    DestinationAwaitsApproval,
    /// Nothing is due (the alarm asked twice).
    #[error("nothing is due")]
    NothingDue,
}

/// What a command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The move, as the state table names it.
    pub event: RefundEvent,
    /// The refund after it.
    pub refund: Refund,
    /// A withdrawal code must be minted now (a cash pickup's payout is being prepared).
    pub prepare_withdrawal: bool,
    /// Why it failed, when it did.
    pub failure: Option<FailureReason>,
}

/// Decides `command` for `refund`: the change to write, or why not.
///
/// ```
/// use vale_shared::refund::flow::{decide, Command, Payee, Refund};
/// use vale_shared::refund::RefundStatus as S;
/// let payee = Payee { fingerprint: [7; 32], cash_pickup: true };
/// // Above the threshold: the choice waits, then the approval prepares the withdrawal.
/// let waiting = decide(Refund::opened(true), Command::Choose(payee)).unwrap().refund;
/// assert_eq!(waiting.status, S::PendingApproval);
/// let approved = decide(waiting, Command::Approve { by_creator: false }).unwrap();
/// assert_eq!(approved.refund.status, S::Processing);
/// assert!(approved.prepare_withdrawal);
/// // Its collection date passing releases nothing.
/// let due = decide(approved.refund, Command::CollectionDue).unwrap().refund;
/// assert_eq!(due.status, S::Processing);
/// assert_eq!(decide(due, Command::Settle).unwrap().refund.status, S::Succeeded);
/// ```
pub fn decide(refund: Refund, command: Command) -> Result<Change, Refusal> {
    use RefundEvent as E;
    let mut after = refund;
    let mut prepare_withdrawal = false;
    let mut failure = None;
    let event = match command {
        Command::Approve { by_creator: true } | Command::Reject { by_creator: true } => {
            return Err(Refusal::ApproverIsCreator);
        }
        Command::Approve { by_creator: false } => match refund.destination {
            Some(payee) if refund.status == RefundStatus::PendingApproval => {
                after.approved_for = Some(payee.fingerprint);
                prepare_withdrawal = payee.cash_pickup;
                E::Approve
            }
            Some(_) => E::Approve,
            None => E::ApproveBeforeDestination,
        },
        // The approver may refuse a refund that needs approval before the shopper chose.
        Command::Reject { by_creator: false }
            if refund.status == RefundStatus::RequiresAction && refund.approval_required =>
        {
            E::Cancel
        }
        Command::Reject { by_creator: false } => E::Reject,
        Command::Cancel => E::Cancel,
        Command::Choose(payee) => {
            if refund.status == RefundStatus::PendingApproval {
                return Err(Refusal::DestinationAwaitsApproval);
            }
            after.destination = Some(payee);
            if !refund.approval_required || refund.approved_for == Some(payee.fingerprint) {
                prepare_withdrawal = payee.cash_pickup;
                E::Choose
            } else {
                E::Submit
            }
        }
        Command::Expire => E::Expire,
        Command::CollectionDue => match refund.withdrawal {
            Some(Withdrawal { past_due: false }) if refund.status == RefundStatus::Processing => {
                after.withdrawal = Some(Withdrawal { past_due: true });
                E::PastDue
            }
            _ => return Err(Refusal::NothingDue),
        },
        Command::Settle => E::Settle,
        Command::Fail(_) | Command::VoidWithdrawal if refund.status == RefundStatus::Processing => {
            let (event, reason) = match command {
                Command::Fail(reason) => (E::Fail(reason), reason),
                _ => (E::VoidWithdrawal, FailureReason::CollectionExpired),
            };
            if reason == FailureReason::CollectionExpired && refund.withdrawal.is_none() {
                return Err(Refusal::NotACashPickup);
            }
            failure = Some(reason);
            event
        }
        Command::Fail(reason) => E::Fail(reason),
        Command::VoidWithdrawal => E::VoidWithdrawal,
    };
    after.status = refund.status.after(event)?;
    if prepare_withdrawal {
        after.withdrawal = Some(Withdrawal { past_due: false });
    }
    Ok(Change {
        event,
        refund: after,
        prepare_withdrawal,
        failure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const CASH: Payee = Payee {
        fingerprint: [1; 32],
        cash_pickup: true,
    };
    const BANK: Payee = Payee {
        fingerprint: [2; 32],
        cash_pickup: false,
    };
    const APPROVE: Command = Command::Approve { by_creator: false };

    fn run(refund: Refund, commands: &[Command]) -> Result<Refund, Refusal> {
        commands
            .iter()
            .try_fold(refund, |r, c| decide(r, *c).map(|change| change.refund))
    }

    /// Regression (review M3): approval came before the destination, so whoever held the
    /// refund's secret could choose any payee after it.
    #[test]
    fn approval_binds_the_payee_chosen_before_it() {
        let waiting = run(Refund::opened(true), &[Command::Choose(BANK)]).unwrap();
        assert_eq!(waiting.status, RefundStatus::PendingApproval);
        assert_eq!(
            decide(waiting, Command::Choose(CASH)),
            Err(Refusal::DestinationAwaitsApproval),
            "no redirect while it waits"
        );
        assert_eq!(
            decide(waiting, Command::Approve { by_creator: true }),
            Err(Refusal::ApproverIsCreator)
        );
        let paid = run(waiting, &[APPROVE]).unwrap();
        assert_eq!(paid.status, RefundStatus::Processing);
        assert_eq!(paid.approved_for, Some(BANK.fingerprint));
        assert_eq!(paid.withdrawal, None, "a bank payout has no withdrawal");
        assert!(
            matches!(decide(paid, Command::Choose(CASH)), Err(Refusal::State(_))),
            "no redirect once approved"
        );
        // The approver may reject before the shopper chose, only when approval is needed.
        let early = decide(Refund::opened(true), Command::Reject { by_creator: false });
        assert_eq!(early.map(|c| c.refund.status), Ok(RefundStatus::Cancelled));
        assert!(decide(Refund::opened(false), Command::Reject { by_creator: false }).is_err());
        // Under the threshold nothing waits.
        let direct = decide(Refund::opened(false), Command::Choose(CASH)).unwrap();
        assert_eq!(direct.refund.status, RefundStatus::Processing);
        assert!(direct.prepare_withdrawal);
    }

    #[test]
    fn a_refund_approved_before_its_destination_is_approved_again_for_it() {
        let legacy = Refund {
            status: RefundStatus::PendingApproval,
            ..Refund::opened(true)
        };
        let approved = run(legacy, &[APPROVE]).unwrap();
        assert_eq!(approved.status, RefundStatus::RequiresAction);
        let chosen = run(approved, &[Command::Choose(CASH)]).unwrap();
        assert_eq!(chosen.status, RefundStatus::PendingApproval);
        let prepared = decide(chosen, APPROVE).unwrap();
        assert_eq!(prepared.refund.status, RefundStatus::Processing);
        assert!(prepared.prepare_withdrawal);
    }

    /// Regression (review H2): a withdrawal not collected in 30 days was failed on Vale's
    /// clock and its amount released, then a late `settle` was refused.
    #[test]
    fn a_past_due_withdrawal_holds_its_money_until_the_rail_says() {
        let due = run(
            Refund::opened(false),
            &[Command::Choose(CASH), Command::CollectionDue],
        )
        .unwrap();
        assert_eq!(due.status, RefundStatus::Processing);
        assert!(due.status.holds_money());
        assert_eq!(due.withdrawal, Some(Withdrawal { past_due: true }));
        assert_eq!(
            decide(due, Command::CollectionDue),
            Err(Refusal::NothingDue)
        );
        assert_eq!(
            run(due, &[Command::Settle]).map(|r| r.status),
            Ok(RefundStatus::Succeeded)
        );
        let void = decide(due, Command::VoidWithdrawal).unwrap();
        assert_eq!(void.refund.status, RefundStatus::Failed);
        assert_eq!(void.failure, Some(FailureReason::CollectionExpired));
        let bank = run(Refund::opened(false), &[Command::Choose(BANK)]).unwrap();
        assert_eq!(
            decide(bank, Command::VoidWithdrawal),
            Err(Refusal::NotACashPickup)
        );
        assert_eq!(
            decide(bank, Command::Fail(FailureReason::CollectionExpired)),
            Err(Refusal::NotACashPickup)
        );
        assert_eq!(
            decide(bank, Command::CollectionDue),
            Err(Refusal::NothingDue)
        );
    }

    fn command() -> impl Strategy<Value = Command> {
        prop_oneof![
            any::<bool>().prop_map(|by_creator| Command::Approve { by_creator }),
            any::<bool>().prop_map(|by_creator| Command::Reject { by_creator }),
            Just(Command::Cancel),
            prop_oneof![Just(CASH), Just(BANK)].prop_map(Command::Choose),
            Just(Command::Expire),
            Just(Command::CollectionDue),
            Just(Command::Settle),
            proptest::sample::select(FailureReason::ALL).prop_map(Command::Fail),
            Just(Command::VoidWithdrawal),
        ]
    }

    proptest! {
        /// Any sequence of requests: money leaves (`processing`) only for a destination
        /// that needs no approval or was approved as it is; the destination never changes
        /// once it waits or is paid; only the rail's word releases a prepared payout; the
        /// creator never approves.
        #[test]
        fn money_leaves_only_for_the_approved_payee(
            required in any::<bool>(),
            commands in proptest::collection::vec(command(), 1..30),
        ) {
            let mut refund = Refund::opened(required);
            for command in commands {
                let Ok(change) = decide(refund, command) else { continue };
                let next = change.refund;
                prop_assert_eq!(next.status, refund.status.after(change.event).unwrap());
                if next.status == RefundStatus::Processing && refund.status != RefundStatus::Processing {
                    let payee = next.destination.unwrap();
                    prop_assert!(!required || next.approved_for == Some(payee.fingerprint));
                    let by_creator = matches!(command, Command::Approve { by_creator: true });
                    prop_assert!(!by_creator);
                    prop_assert_eq!(next.withdrawal.is_some(), payee.cash_pickup);
                }
                if matches!(refund.status, RefundStatus::PendingApproval | RefundStatus::Processing) {
                    prop_assert_eq!(next.destination, refund.destination);
                }
                if refund.status == RefundStatus::Processing && !next.status.holds_money() {
                    prop_assert!(matches!(command, Command::Fail(_) | Command::VoidWithdrawal));
                    prop_assert!(next.status == RefundStatus::Failed && change.failure.is_some());
                }
                refund = next;
            }
        }
    }
}
