//! The seller ledger's decisions: balance transactions per seller and for the platform,
//! made from what happens to the platform's vouchers, refunds and payouts.
//!
//! The object that keeps the ledger loads a [`Book`] (the rows it needs), asks one of
//! the functions here what changes, and writes the [`Decision`] in one transaction.
//! Every row's id is derived from what it books ([`TransactionId::derive`]), and every
//! decision first looks whether it was already made, so a message delivered twice (an
//! outbox retried, a payment reported by a notification and by a file) books nothing
//! twice.
//!
//! The rules:
//! - **Payments.** A voucher's own payment books each seller's net share and the
//!   platform's fee, `pending`; a platform voucher without sellers, and every unexpected
//!   payment (after expiry or cancel, or a second one), books to the platform alone: the
//!   sellers sold nothing more, and the platform holds that cash until it refunds it.
//!   One payment (a [`PaymentRef`], one payment of a voucher as reconciliation decided
//!   it) is booked once.
//! - **Availability.** A payment's rows become `available` when a network settlement file
//!   lists *that* payment ([`settle`]); a listing that comes before the payment is kept,
//!   and the payment is then born available. Refund rows of a payment follow it: pending
//!   while it is, available once it is.
//! - **Refunds** ([`refund`]) reverse the parties of the payment in proportion to what
//!   each still holds of it (rounded down in whole cash steps; the platform takes the
//!   rest), or as the refund's `refund_splits` say; a refund of all that is left takes
//!   from each party exactly what it still holds. A refund that gives nothing back
//!   (failed, cancelled, expired) is returned by `refund_failure` rows ([`return_refund`]).
//! - **Balances** may go negative (a refund after a payout); they are netted, because a
//!   balance is the sum of its rows.
//! - **Payouts** take available money only ([`plan_payouts`], [`payout`]) and are closed
//!   by the rail ([`close_payout`]): `paid` changes nothing more, `failed` gives the amount
//!   back to available (`payout_failure`).
//! - **Feeding** ([`feed`]): a voucher's whole story, sent as often as the object likes,
//!   books each thing once.

mod feed;
mod payment;
mod payout;
mod refund;
#[cfg(test)]
mod tests;

pub use feed::{PaidFact, RefundFact, feed};
pub use payment::{book_payment, settle};
pub use payout::{Closing, PayoutSeller, PlannedPayout, close_payout, payout, plan_payouts};
pub use refund::{holdings, parse_refund_splits, refund, return_refund};

use crate::id::{AccountId, PayoutId, RefundId, TransactionId, VoucherId};
use crate::money::{Currency, Money};
use crate::refund::FailureReason;
use crate::voucher::InvalidParam;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Who a balance transaction belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// A seller.
    Seller(AccountId),
    /// The platform itself (`account: null` on the wire).
    Platform,
}

impl Party {
    /// The `account` of the wire (`None` for the platform).
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            Party::Seller(a) => Some(a),
            Party::Platform => None,
        }
    }

    fn key(&self) -> &str {
        match self {
            Party::Seller(a) => a.as_str(),
            Party::Platform => "platform",
        }
    }
}

crate::marketplace::wire_enum!(
    /// What a balance transaction books.
    TxnType {
        /// A share of a payment (or, for the platform, its fee or an unexpected payment).
        Payment => "payment",
        /// A share given back by a refund.
        Refund => "refund",
        /// A refund that gave nothing back (failed, cancelled or expired) returns its share.
        RefundFailure => "refund_failure",
        /// Money paid out to the seller.
        Payout => "payout",
        /// A payout the rail failed: its amount is available again.
        PayoutFailure => "payout_failure",
        /// A correction made by hand.
        Adjustment => "adjustment",
    }
);

crate::marketplace::wire_enum!(
    /// Whether a balance transaction's money may be paid out.
    TxnStatus {
        /// Its payment is not yet in a network settlement file.
        Pending => "pending",
        /// It may be paid out.
        Available => "available",
    }
);

/// Which of a voucher's payments: its own, or one of its unexpected payments (the
/// contract's 0-based index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// The payment that paid the voucher.
    Own,
    /// Unexpected payment `n`.
    Unexpected(u32),
}

/// One payment of a voucher, as reconciliation decided it (settlement identity, #19):
/// however many notifications and file lines report it, it is one `PaymentRef`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentRef {
    /// The voucher.
    pub voucher: VoucherId,
    /// Which of its payments.
    pub slot: Slot,
}

impl PaymentRef {
    fn key(&self) -> String {
        match self.slot {
            Slot::Own => format!("{}/own", self.voucher),
            Slot::Unexpected(n) => format!("{}/unexpected/{n}", self.voucher),
        }
    }
}

/// What a balance transaction comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A voucher's payment.
    Voucher(VoucherId),
    /// A refund.
    Refund(RefundId),
    /// A payout.
    Payout(PayoutId),
}

impl Source {
    /// The id on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Source::Voucher(id) => id.as_str(),
            Source::Refund(id) => id.as_str(),
            Source::Payout(id) => id.as_str(),
        }
    }
}

/// A balance transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Txn {
    /// `txn_…`, derived from what it books.
    pub id: TransactionId,
    /// Whose.
    pub party: Party,
    /// What it books.
    pub kind: TxnType,
    /// What the balance changes by, in minor units (negative: money out).
    pub amount: i64,
    /// For a seller's payment row: the platform's fee taken from its gross (so
    /// `gross = amount + fee`); 0 otherwise.
    pub fee: i64,
    /// The currency.
    pub currency: Currency,
    /// Whether it may be paid out.
    pub status: TxnStatus,
    /// The voucher, refund or payout.
    pub source: Source,
    /// The payment whose settlement makes it available (`None` for payouts).
    pub payment: Option<PaymentRef>,
    /// When it was booked.
    pub created_at: OffsetDateTime,
    /// When it became available.
    pub available_at: Option<OffsetDateTime>,
}

crate::marketplace::wire_enum!(
    /// Where a payout is.
    PayoutStatus {
        /// In the payout file, waiting for the rail.
        Pending => "pending",
        /// The rail paid it.
        Paid => "paid",
        /// The rail failed it: its amount is available again.
        Failed => "failed",
    }
);

/// A payout to a seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// `po_…`.
    pub id: PayoutId,
    /// The seller.
    pub account: AccountId,
    /// What it takes from available.
    pub amount: Money,
    /// Where it is.
    pub status: PayoutStatus,
    /// Why it failed.
    pub failure_reason: Option<FailureReason>,
    /// The rail's reference, once paid.
    pub reference: Option<String>,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

/// The rows a decision needs (the object loads them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    /// Balance transactions, in the order they were booked.
    pub txns: Vec<Txn>,
    /// Payments a settlement file listed.
    pub settled: BTreeSet<PaymentRef>,
    /// Payouts.
    pub payouts: BTreeMap<PayoutId, Payout>,
}

/// What to write, in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// New balance transactions.
    pub new: Vec<Txn>,
    /// Pending transactions that become available now.
    pub available: Vec<TransactionId>,
    /// A payment a settlement file listed for the first time.
    pub settled: Option<PaymentRef>,
    /// A payout made or closed.
    pub payout: Option<Payout>,
    /// When (for `available_at`).
    pub at: Option<OffsetDateTime>,
}

impl Decision {
    /// Whether nothing changes (the same thing was already booked).
    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.available.is_empty()
            && self.settled.is_none()
            && self.payout.is_none()
    }
}

/// A balance of one party in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balance {
    /// May be paid out (may be negative: netted from later payouts).
    pub available: i64,
    /// Waits for settlement.
    pub pending: i64,
}

impl Book {
    /// Writes `decision` into this in-memory book (what the object does in SQL).
    pub fn apply(&mut self, decision: &Decision) {
        if let Some(payment) = &decision.settled {
            self.settled.insert(payment.clone());
        }
        for txn in &mut self.txns {
            if decision.available.contains(&txn.id) {
                txn.status = TxnStatus::Available;
                txn.available_at = decision.at;
            }
        }
        self.txns.extend(decision.new.iter().cloned());
        if let Some(payout) = &decision.payout {
            self.payouts.insert(payout.id.clone(), payout.clone());
        }
    }

    /// `party`'s balance in `currency`: the sum of its rows, by status.
    pub fn balance(&self, party: &Party, currency: Currency) -> Balance {
        self.txns
            .iter()
            .filter(|t| t.party == *party && t.currency == currency)
            .fold(Balance::default(), |b, t| match t.status {
                TxnStatus::Available => Balance {
                    available: b.available + t.amount,
                    ..b
                },
                TxnStatus::Pending => Balance {
                    pending: b.pending + t.amount,
                    ..b
                },
            })
    }

    pub(super) fn has(&self, id: &TransactionId) -> bool {
        self.txns.iter().any(|t| t.id == *id)
    }

    fn status_for(&self, payment: &PaymentRef) -> TxnStatus {
        if self.settled.contains(payment) {
            TxnStatus::Available
        } else {
            TxnStatus::Pending
        }
    }
}

/// What a row books, before it has an id and a status.
pub(super) struct Spec {
    pub(super) party: Party,
    pub(super) kind: TxnType,
    pub(super) amount: i64,
    pub(super) currency: Currency,
    pub(super) source: Source,
}

/// The row `spec` makes, named by `what`: available at once when it has no payment or
/// its payment is settled.
pub(super) fn row(
    book: &Book,
    what: &str,
    spec: Spec,
    payment: Option<&PaymentRef>,
    now: OffsetDateTime,
) -> Txn {
    let status = payment.map_or(TxnStatus::Available, |p| book.status_for(p));
    Txn {
        id: TransactionId::derive(what),
        party: spec.party,
        kind: spec.kind,
        amount: spec.amount,
        fee: 0,
        currency: spec.currency,
        status,
        source: spec.source,
        payment: payment.cloned(),
        created_at: now,
        available_at: (status == TxnStatus::Available).then_some(now),
    }
}

/// Why the ledger refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The paid amount is not the split's (reconciliation lets no such payment pay a
    /// voucher), or a refund is not in its payment's currency.
    #[error("the amount or currency is not the payment's")]
    AmountMismatch,
    /// A refund or payout request that breaks a rule: `400` naming the field.
    #[error(transparent)]
    Invalid(#[from] InvalidParam),
    /// A payout already closed the other way: `409`.
    #[error("the payout is already {0}")]
    PayoutClosed(&'static str),
    /// No such payout: `404`.
    #[error("no such payout")]
    UnknownPayout,
}
