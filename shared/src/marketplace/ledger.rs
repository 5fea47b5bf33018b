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

use super::account::{AccountStatus, Interval, invalid};
use super::allocate;
use super::split::Split;
use crate::id::{AccountId, PayoutId, RefundId, TransactionId, VoucherId};
use crate::money::{Currency, Money};
use crate::refund::FailureReason;
use crate::voucher::InvalidParam;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, OffsetDateTime, Weekday};

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

super::wire_enum!(
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

super::wire_enum!(
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

super::wire_enum!(
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

    fn has(&self, id: &TransactionId) -> bool {
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
struct Spec {
    party: Party,
    kind: TxnType,
    amount: i64,
    currency: Currency,
    source: Source,
}

/// The row `spec` makes, named by `what`: available at once when it has no payment or
/// its payment is settled.
fn row(
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
    /// The paid amount is not the split's (reconciliation lets no such payment pay a voucher).
    #[error("the payment is not the voucher's amount")]
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

/// Books a payment: the sellers' shares and the platform's fee of a voucher's own
/// payment (`split`), or the whole `paid` to the platform (a voucher without split, or
/// an unexpected payment). Nothing when this payment was already booked.
pub fn book_payment(
    book: &Book,
    payment: &PaymentRef,
    split: Option<&Split>,
    paid: Money,
    now: OffsetDateTime,
) -> Result<Decision, LedgerError> {
    let parts: Vec<(Party, i64, i64)> = match (split, payment.slot) {
        (Some(split), Slot::Own) => {
            if split.amount() != paid.minor() || split.currency != paid.currency() {
                return Err(LedgerError::AmountMismatch);
            }
            let mut parts: Vec<_> = split
                .shares
                .iter()
                .map(|s| (Party::Seller(s.account.clone()), s.net, s.fee))
                .collect();
            parts.push((Party::Platform, split.application_fee_amount, 0));
            parts
        }
        _ => vec![(Party::Platform, paid.minor(), 0)],
    };
    let new: Vec<Txn> = parts
        .into_iter()
        .filter(|(_, amount, fee)| *amount != 0 || *fee != 0)
        .map(|(party, amount, fee)| {
            let what = format!("payment/{}/{}", payment.key(), party.key());
            Txn {
                fee,
                ..row(
                    book,
                    &what,
                    Spec {
                        party,
                        kind: TxnType::Payment,
                        amount,
                        currency: paid.currency(),
                        source: Source::Voucher(payment.voucher.clone()),
                    },
                    Some(payment),
                    now,
                )
            }
        })
        .filter(|t| !book.has(&t.id))
        .collect();
    Ok(Decision {
        new,
        at: Some(now),
        ..Decision::default()
    })
}

/// A settlement file listed `payment` (`matched` or `paid_without_notification`): its
/// rows become available. Nothing when it was already listed.
pub fn settle(book: &Book, payment: &PaymentRef, now: OffsetDateTime) -> Decision {
    if book.settled.contains(payment) {
        return Decision::default();
    }
    Decision {
        available: book
            .txns
            .iter()
            .filter(|t| t.status == TxnStatus::Pending && t.payment.as_ref() == Some(payment))
            .map(|t| t.id.clone())
            .collect(),
        settled: Some(payment.clone()),
        at: Some(now),
        ..Decision::default()
    }
}

/// What each party still holds of `payment`: its payment rows less its refunds (and
/// plus returned refunds), sellers in account order, the platform last.
pub fn holdings(book: &Book, payment: &PaymentRef) -> Vec<(Party, i64)> {
    let mut held: BTreeMap<Party, i64> = BTreeMap::new();
    for t in book
        .txns
        .iter()
        .filter(|t| t.payment.as_ref() == Some(payment))
    {
        if matches!(
            t.kind,
            TxnType::Payment | TxnType::Refund | TxnType::RefundFailure
        ) {
            *held.entry(t.party.clone()).or_insert(0) += t.amount;
        }
    }
    held.entry(Party::Platform).or_insert(0);
    held.into_iter().collect()
}

/// Parses a refund's `refund_splits: [{account, amount}]`.
pub fn parse_refund_splits(
    value: Option<&Value>,
    currency: Currency,
) -> Result<Option<Vec<(AccountId, i64)>>, InvalidParam> {
    let items = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items))
            if !items.is_empty() && items.len() <= super::split::MAX_SPLITS =>
        {
            items
        }
        Some(_) => {
            return Err(invalid(
                "refund_splits",
                "parameter_invalid",
                "refund_splits must be a list of 1 to 50 {account, amount}.",
            ));
        }
    };
    let step = currency.cash_step();
    let mut out: Vec<(AccountId, i64)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("refund_splits[{i}].{f}");
        let Value::Object(fields) = item else {
            return Err(invalid(
                &format!("refund_splits[{i}]"),
                "parameter_invalid",
                "Each refund split is an object {account, amount}.",
            ));
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !["account", "amount"].contains(&k.as_str()))
        {
            return Err(invalid(
                &at(unknown),
                "parameter_unknown",
                "This parameter is not known.",
            ));
        }
        let account: AccountId = fields
            .get("account")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                invalid(
                    &at("account"),
                    "account_invalid",
                    "account must be an `acct_` id of the voucher's split.",
                )
            })?;
        if out.iter().any(|(a, _)| *a == account) {
            return Err(invalid(
                &at("account"),
                "account_duplicate",
                "Each seller appears once in refund_splits.",
            ));
        }
        let amount = fields
            .get("amount")
            .and_then(Value::as_i64)
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                invalid(
                    &at("amount"),
                    "amount_invalid",
                    "amount must be a positive whole number of minor units.",
                )
            })?;
        if amount % step != 0 {
            return Err(invalid(
                &at("amount"),
                "amount_not_cash_exact",
                "COP amounts must be whole pesos (a multiple of 100).",
            ));
        }
        out.push((account, amount));
    }
    Ok(Some(out))
}

/// Books refund `id` of `amount` out of `payment`: by hand when `given` (the refund's
/// `refund_splits`), else in proportion. Nothing when it was already booked.
///
/// By hand: only sellers of the payment's split, each never more than it still holds,
/// together never more than `amount`; what they leave is the platform's. In proportion:
/// each seller gives back `amount × holds / all held`, rounded down to a whole cash step,
/// and the platform the rest; a refund of everything still held takes exactly what each
/// party holds.
pub fn refund(
    book: &Book,
    id: &RefundId,
    payment: &PaymentRef,
    amount: Money,
    given: Option<&[(AccountId, i64)]>,
    now: OffsetDateTime,
) -> Result<Decision, LedgerError> {
    let source = Source::Refund(id.clone());
    if book
        .txns
        .iter()
        .any(|t| t.kind == TxnType::Refund && t.source == source)
    {
        return Ok(Decision::default());
    }
    let step = amount.currency().cash_step();
    let held = holdings(book, payment);
    let total: i64 = held.iter().map(|(_, h)| *h).sum();
    let r = amount.minor();
    if r <= 0 || r % step != 0 || r > total {
        return Err(invalid(
            "amount",
            "amount_invalid",
            format!("amount must be a positive whole number of cash steps, at most {total}."),
        )
        .into());
    }
    let parts: Vec<(Party, i64)> = match given {
        Some(given) => {
            let mut parts = Vec::with_capacity(given.len() + 1);
            let mut sum = 0_i64;
            for (i, (account, part)) in given.iter().enumerate() {
                let party = Party::Seller(account.clone());
                let holds = held.iter().find(|(p, _)| *p == party).map(|(_, h)| *h);
                let Some(holds) = holds else {
                    return Err(invalid(
                        &format!("refund_splits[{i}].account"),
                        "account_not_in_split",
                        "Only sellers of the voucher's split can give back a share.",
                    )
                    .into());
                };
                if *part > holds {
                    return Err(invalid(
                        &format!("refund_splits[{i}].amount"),
                        "refund_split_exceeds_share",
                        format!(
                            "This seller holds {holds} of the payment, net of earlier refunds."
                        ),
                    )
                    .into());
                }
                sum += part;
                parts.push((party, *part));
            }
            if sum > r {
                return Err(invalid(
                    "refund_splits",
                    "refund_splits_exceed_amount",
                    "The refund splits add up to more than the refund.",
                )
                .into());
            }
            parts.push((Party::Platform, r - sum));
            parts
        }
        None if r == total => held,
        None => {
            let weights: Vec<i64> = held.iter().map(|(_, h)| (*h).max(0)).collect();
            match allocate::floor_rest_to_last(r, &weights, step) {
                Some(split) => held.into_iter().map(|(p, _)| p).zip(split).collect(),
                None => vec![(Party::Platform, r)],
            }
        }
    };
    let new = parts
        .into_iter()
        .filter(|(_, part)| *part != 0)
        .map(|(party, part)| {
            let what = format!("refund/{id}/{}", party.key());
            row(
                book,
                &what,
                Spec {
                    party,
                    kind: TxnType::Refund,
                    amount: -part,
                    currency: amount.currency(),
                    source: source.clone(),
                },
                Some(payment),
                now,
            )
        })
        .collect();
    Ok(Decision {
        new,
        at: Some(now),
        ..Decision::default()
    })
}

/// Refund `id` gave nothing back (failed, cancelled, expired): each party gets back what
/// it gave. Nothing when already returned, or never booked.
pub fn return_refund(book: &Book, id: &RefundId, now: OffsetDateTime) -> Decision {
    let source = Source::Refund(id.clone());
    let new = book
        .txns
        .iter()
        .filter(|t| t.kind == TxnType::Refund && t.source == source)
        .map(|t| {
            let what = format!("refund_failure/{id}/{}", t.party.key());
            row(
                book,
                &what,
                Spec {
                    party: t.party.clone(),
                    kind: TxnType::RefundFailure,
                    amount: -t.amount,
                    currency: t.currency,
                    source: source.clone(),
                },
                t.payment.as_ref(),
                now,
            )
        })
        .filter(|t| !book.has(&t.id))
        .collect();
    Decision {
        new,
        at: Some(now),
        ..Decision::default()
    }
}

/// What the payout run needs to know of a seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutSeller {
    /// The seller.
    pub account: AccountId,
    /// Its status: only `enabled` sellers are paid (payouts are paused otherwise).
    pub status: AccountStatus,
    /// Its schedule.
    pub interval: Interval,
    /// Its balance's currency.
    pub currency: Currency,
}

/// A payout the end-of-day run makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPayout {
    /// Its id (derived: the same run twice plans the same payout).
    pub id: PayoutId,
    /// The seller.
    pub account: AccountId,
    /// All its available balance, in whole cash steps.
    pub amount: Money,
}

/// The payouts of the run at the end of `day` (Lima/Bogotá): each enabled seller on a
/// daily schedule, or weekly on a Monday, with a positive available balance gets one
/// payout of all of it (rounded down to whole pesos in COP: the centavos stay). Paused
/// sellers (not enabled) and manual schedules are skipped; a negative balance is netted
/// first, so it gets nothing.
pub fn plan_payouts(book: &Book, sellers: &[PayoutSeller], day: Date) -> Vec<PlannedPayout> {
    sellers
        .iter()
        .filter(|s| s.status == AccountStatus::Enabled)
        .filter(|s| match s.interval {
            Interval::Daily => true,
            Interval::Weekly => day.weekday() == Weekday::Monday,
            Interval::Manual => false,
        })
        .filter_map(|s| {
            let available = book
                .balance(&Party::Seller(s.account.clone()), s.currency)
                .available;
            let step = s.currency.cash_step();
            let amount = available - available.rem_euclid(step);
            let id = PayoutId::scheduled(&s.account, &day.to_string(), s.currency.code());
            let amount = Money::new(amount, s.currency).ok()?;
            (amount.minor() > 0 && !book.payouts.contains_key(&id)).then(|| PlannedPayout {
                id,
                account: s.account.clone(),
                amount,
            })
        })
        .collect()
}

/// Makes payout `id` of `amount` (all that is available when `None`) to `account`: from
/// available money only, in whole cash steps. Nothing when it was already made.
pub fn payout(
    book: &Book,
    id: &PayoutId,
    account: &AccountId,
    currency: Currency,
    amount: Option<i64>,
    now: OffsetDateTime,
) -> Result<Decision, LedgerError> {
    if book.payouts.contains_key(id) {
        return Ok(Decision::default());
    }
    let party = Party::Seller(account.clone());
    let available = book.balance(&party, currency).available;
    let step = currency.cash_step();
    let amount = amount.unwrap_or(available - available.rem_euclid(step));
    if amount <= 0 || amount % step != 0 {
        return Err(invalid(
            "amount",
            "amount_invalid",
            "amount must be a positive whole number of cash steps (whole pesos in COP).",
        )
        .into());
    }
    if amount > available {
        return Err(invalid(
            "amount",
            "balance_insufficient",
            format!("Only {available} is available to pay out."),
        )
        .into());
    }
    let txn = row(
        book,
        &format!("payout/{id}"),
        Spec {
            party,
            kind: TxnType::Payout,
            amount: -amount,
            currency,
            source: Source::Payout(id.clone()),
        },
        None,
        now,
    );
    Ok(Decision {
        new: vec![txn],
        payout: Some(Payout {
            id: id.clone(),
            account: account.clone(),
            amount: Money::new(amount, currency).map_err(|_| LedgerError::AmountMismatch)?,
            status: PayoutStatus::Pending,
            failure_reason: None,
            reference: None,
            created_at: now,
        }),
        at: Some(now),
        ..Decision::default()
    })
}

/// How the rail closed a payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// Paid, with the rail's reference if any.
    Paid(Option<String>),
    /// Failed.
    Failed(FailureReason),
}

/// Closes payout `id`: `paid` changes no balance; `failed` gives its amount back to
/// available. Closing it again the same way changes nothing; the other way is refused.
pub fn close_payout(
    book: &Book,
    id: &PayoutId,
    closing: Closing,
    now: OffsetDateTime,
) -> Result<Decision, LedgerError> {
    let payout = book.payouts.get(id).ok_or(LedgerError::UnknownPayout)?;
    let status = match closing {
        Closing::Paid(_) => PayoutStatus::Paid,
        Closing::Failed(_) => PayoutStatus::Failed,
    };
    match payout.status {
        PayoutStatus::Pending => {}
        same if same == status => return Ok(Decision::default()),
        other => return Err(LedgerError::PayoutClosed(other.as_str())),
    }
    let mut closed = payout.clone();
    closed.status = status;
    let mut new = vec![];
    match closing {
        Closing::Paid(reference) => closed.reference = reference,
        Closing::Failed(reason) => {
            closed.failure_reason = Some(reason);
            new.push(row(
                book,
                &format!("payout_failure/{id}"),
                Spec {
                    party: Party::Seller(payout.account.clone()),
                    kind: TxnType::PayoutFailure,
                    amount: payout.amount.minor(),
                    currency: payout.amount.currency(),
                    source: Source::Payout(id.clone()),
                },
                None,
                now,
            ));
        }
    }
    Ok(Decision {
        new,
        payout: Some(closed),
        at: Some(now),
        ..Decision::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::split::Taken;
    use time::macros::{date, datetime};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const T0: OffsetDateTime = datetime!(2026-12-07 15:00 UTC);

    fn acct(n: u8) -> AccountId {
        AccountId::from_random([n; 15])
    }

    fn cop(minor: i64) -> Money {
        Money::new(minor, Currency::Cop).unwrap()
    }

    fn own(n: u8) -> PaymentRef {
        PaymentRef {
            voucher: VoucherId::from_random([n; 15]),
            slot: Slot::Own,
        }
    }

    /// COP 100,000: seller 1 gets 60,000, seller 2 30,000, the platform 10,000.
    fn cart() -> Split {
        let body = format!(
            r#"{{"splits":[{{"account":"{}","amount":6000000}},{{"account":"{}","amount":3000000}}]}}"#,
            acct(1),
            acct(2)
        );
        Taken::from_body(body.as_bytes())
            .1
            .split(cop(10_000_000), None)
            .unwrap()
            .unwrap()
    }

    fn paid(book: &mut Book, payment: &PaymentRef, split: &Split) {
        let d = book_payment(book, payment, Some(split), cop(split.amount()), T0).unwrap();
        book.apply(&d);
    }

    fn seller(n: u8) -> Party {
        Party::Seller(acct(n))
    }

    fn bal(book: &Book, party: &Party) -> (i64, i64) {
        let b = book.balance(party, Currency::Cop);
        (b.available, b.pending)
    }

    #[test]
    fn a_share_is_pending_until_the_file_lists_its_own_payment() {
        let mut book = Book::default();
        let split = cart();
        paid(&mut book, &own(1), &split);
        paid(&mut book, &own(2), &split);
        assert_eq!(bal(&book, &seller(1)), (0, 12_000_000));
        assert_eq!(bal(&book, &Party::Platform), (0, 2_000_000));
        // The fee attributed to each seller shows on its row; the platform books it.
        let row = book.txns.iter().find(|t| t.party == seller(1)).unwrap();
        assert_eq!((row.amount, row.fee), (6_000_000, 666_700));
        book.apply(&settle(&book, &own(1), T0));
        assert_eq!(bal(&book, &seller(1)), (6_000_000, 6_000_000));
        assert_eq!(bal(&book, &seller(2)), (3_000_000, 3_000_000));
        assert_eq!(bal(&book, &Party::Platform), (1_000_000, 1_000_000));
        // Listed again: nothing.
        assert!(settle(&book, &own(1), T0).is_empty());
    }

    /// A file may list a payment before the notification reaches the ledger: the payment
    /// is then born available.
    #[test]
    fn a_payment_listed_first_is_born_available() {
        let mut book = Book::default();
        book.apply(&settle(&book, &own(1), T0));
        paid(&mut book, &own(1), &cart());
        assert_eq!(bal(&book, &seller(1)), (6_000_000, 0));
        assert!(book.txns.iter().all(|t| t.available_at == Some(T0)));
    }

    /// Regression (settlement identity, #19): one payment reported by a notification and
    /// by a file, or an outbox message delivered twice, is booked once.
    #[test]
    fn the_same_payment_reported_twice_books_nothing_more() {
        let mut book = Book::default();
        let split = cart();
        paid(&mut book, &own(1), &split);
        let again = book_payment(&book, &own(1), Some(&split), cop(10_000_000), T0).unwrap();
        assert!(again.is_empty());
        assert_eq!(
            book_payment(&book, &own(3), Some(&split), cop(9_000_000), T0),
            Err(LedgerError::AmountMismatch)
        );
        // An unexpected payment of the same voucher is another payment: the platform's.
        let late = PaymentRef {
            slot: Slot::Unexpected(0),
            ..own(1)
        };
        let d = book_payment(&book, &late, Some(&split), cop(10_000_000), T0).unwrap();
        assert_eq!(d.new.len(), 1);
        assert_eq!(d.new[0].party, Party::Platform);
    }

    #[test]
    fn a_refund_reverses_shares_rounded_down_and_the_platform_takes_the_rest() {
        let mut book = Book::default();
        paid(&mut book, &own(1), &cart());
        let re = |n| RefundId::new(&own(1).voucher, n);
        // COP 101: 60.6 and 30.3 pesos rounded down to 60 and 30; the platform gives 11.
        let d = refund(&book, &re(0), &own(1), cop(10_100), None, T0).unwrap();
        let parts: Vec<_> = d.new.iter().map(|t| (t.party.clone(), t.amount)).collect();
        assert_eq!(
            parts,
            [
                (seller(1), -6_000),
                (seller(2), -3_000),
                (Party::Platform, -1_100)
            ]
        );
        book.apply(&d);
        assert!(
            refund(&book, &re(0), &own(1), cop(10_100), None, T0)
                .unwrap()
                .is_empty()
        );
        // The rest of the payment: each party gives exactly what it still holds.
        let d = refund(&book, &re(1), &own(1), cop(9_989_900), None, T0).unwrap();
        book.apply(&d);
        for party in [seller(1), seller(2), Party::Platform] {
            assert_eq!(bal(&book, &party), (0, 0), "{party:?}");
        }
        let e = refund(&book, &re(2), &own(1), cop(100), None, T0).unwrap_err();
        assert!(matches!(e, LedgerError::Invalid(p) if p.param == "amount"));
    }

    #[test]
    fn refund_splits_name_only_sellers_of_the_split_and_never_more_than_they_hold() {
        let mut book = Book::default();
        paid(&mut book, &own(1), &cart());
        let re = RefundId::new(&own(1).voucher, 0);
        let try_given = |given: &[(AccountId, i64)]| {
            refund(&book, &re, &own(1), cop(5_000_000), Some(given), T0)
                .err()
                .map(|e| match e {
                    LedgerError::Invalid(p) => (p.param, p.code),
                    other => panic!("{other:?}"),
                })
        };
        let named = |p: &str, c: &'static str| Some((p.to_owned(), c));
        assert_eq!(
            try_given(&[(acct(3), 100)]),
            named("refund_splits[0].account", "account_not_in_split")
        );
        assert_eq!(
            try_given(&[(acct(2), 3_000_100)]),
            named("refund_splits[0].amount", "refund_split_exceeds_share")
        );
        assert_eq!(
            try_given(&[(acct(1), 4_000_000), (acct(2), 2_000_000)]),
            named("refund_splits", "refund_splits_exceed_amount")
        );
        // Seller 2 bears it all: the platform's part is what the splits leave (nothing).
        let d = refund(
            &book,
            &re,
            &own(1),
            cop(3_000_000),
            Some(&[(acct(2), 3_000_000)]),
            T0,
        )
        .unwrap();
        book.apply(&d);
        assert_eq!(bal(&book, &seller(2)), (0, 0));
        assert_eq!(bal(&book, &seller(1)), (0, 6_000_000));
        let parsed = parse_refund_splits(
            Some(&serde_json::json!([{"account": acct(1).as_str(), "amount": 150}])),
            Currency::Cop,
        );
        assert_eq!(parsed.unwrap_err().param, "refund_splits[0].amount");
    }

    /// A refund that fails gives each party back its share; a refund after the seller
    /// was paid out leaves it negative, netted from its next money (issue #23's
    /// operators' question, "refunds after the seller was paid").
    #[test]
    fn a_refund_after_a_payout_is_netted() {
        let mut book = Book::default();
        paid(&mut book, &own(1), &cart());
        book.apply(&settle(&book, &own(1), T0));
        let sellers = [PayoutSeller {
            account: acct(1),
            status: AccountStatus::Enabled,
            interval: Interval::Daily,
            currency: Currency::Cop,
        }];
        let plan = plan_payouts(&book, &sellers, date!(2026 - 12 - 07));
        assert_eq!(plan.len(), 1);
        let p = plan.first().unwrap();
        let d = payout(
            &book,
            &p.id,
            &acct(1),
            Currency::Cop,
            Some(p.amount.minor()),
            T0,
        )
        .unwrap();
        book.apply(&d);
        assert!(plan_payouts(&book, &sellers, date!(2026 - 12 - 07)).is_empty());
        assert_eq!(bal(&book, &seller(1)), (0, 0));
        let re = RefundId::new(&own(1).voucher, 0);
        book.apply(&refund(&book, &re, &own(1), cop(10_000_000), None, T0).unwrap());
        assert_eq!(bal(&book, &seller(1)), (-6_000_000, 0));
        assert!(plan_payouts(&book, &sellers, date!(2026 - 12 - 08)).is_empty());
        // The refund failed: the shares come back.
        book.apply(&return_refund(&book, &re, T0));
        assert!(return_refund(&book, &re, T0).is_empty());
        assert_eq!(bal(&book, &seller(1)), (0, 0));
        assert_eq!(bal(&book, &Party::Platform), (1_000_000, 0));
    }

    #[test]
    fn payouts_come_from_available_money_and_a_failed_one_gives_it_back() {
        let mut book = Book::default();
        let body = format!(
            r#"{{"splits":[{{"account":"{}","amount":1000050}}]}}"#,
            acct(1)
        );
        // PEN: céntimos are fine.
        let split = Taken::from_body(body.as_bytes())
            .1
            .split(Money::new(1_100_000, Currency::Pen).unwrap(), None)
            .unwrap()
            .unwrap();
        let pen = |m| Money::new(m, Currency::Pen).unwrap();
        book.apply(&book_payment(&book, &own(1), Some(&split), pen(1_100_000), T0).unwrap());
        let seller1 = |status, interval| PayoutSeller {
            account: acct(1),
            status,
            interval,
            currency: Currency::Pen,
        };
        let monday = date!(2026 - 12 - 07);
        let tuesday = date!(2026 - 12 - 08);
        // Nothing available yet.
        assert!(
            plan_payouts(
                &book,
                &[seller1(AccountStatus::Enabled, Interval::Daily)],
                monday
            )
            .is_empty()
        );
        let e = payout(
            &book,
            &PayoutId::from_random([1; 15]),
            &acct(1),
            Currency::Pen,
            Some(100),
            T0,
        );
        assert!(matches!(e, Err(LedgerError::Invalid(p)) if p.code == "balance_insufficient"));
        book.apply(&settle(&book, &own(1), T0));
        for (status, interval, day, planned) in [
            (AccountStatus::Enabled, Interval::Daily, tuesday, true),
            (AccountStatus::Enabled, Interval::Weekly, monday, true),
            (AccountStatus::Enabled, Interval::Weekly, tuesday, false),
            (AccountStatus::Enabled, Interval::Manual, monday, false),
            (AccountStatus::Pending, Interval::Daily, monday, false),
            (AccountStatus::Disabled, Interval::Daily, monday, false),
        ] {
            let plan = plan_payouts(&book, &[seller1(status, interval)], day);
            assert_eq!(!plan.is_empty(), planned, "{status:?} {interval:?} {day}");
        }
        let plan = plan_payouts(
            &book,
            &[seller1(AccountStatus::Enabled, Interval::Daily)],
            monday,
        );
        let p = plan.first().unwrap();
        assert_eq!(p.amount, pen(1_000_050));
        let d = payout(&book, &p.id, &acct(1), Currency::Pen, None, T0).unwrap();
        book.apply(&d);
        assert!(
            payout(&book, &p.id, &acct(1), Currency::Pen, None, T0)
                .unwrap()
                .is_empty()
        );
        assert_eq!(book.balance(&seller(1), Currency::Pen).available, 0);
        let failed = Closing::Failed(FailureReason::InvalidDestination);
        let d = close_payout(&book, &p.id, failed.clone(), T0).unwrap();
        book.apply(&d);
        assert_eq!(book.payouts[&p.id].status, PayoutStatus::Failed);
        assert_eq!(book.balance(&seller(1), Currency::Pen).available, 1_000_050);
        assert!(close_payout(&book, &p.id, failed, T0).unwrap().is_empty());
        assert_eq!(
            close_payout(&book, &p.id, Closing::Paid(None), T0),
            Err(LedgerError::PayoutClosed("failed"))
        );
        assert_eq!(
            close_payout(
                &book,
                &PayoutId::from_random([9; 15]),
                Closing::Paid(None),
                T0
            ),
            Err(LedgerError::UnknownPayout)
        );
    }

    #[test]
    fn a_cop_payout_leaves_the_centavos() {
        let mut book = Book::default();
        let re = RefundId::new(&own(1).voucher, 0);
        book.apply(&settle(&book, &own(1), T0));
        paid(&mut book, &own(1), &cart());
        // By hand, a seller can be left with centavos only through a PEN-like split; in
        // COP every part is whole pesos, so the whole balance is paid.
        book.apply(&refund(&book, &re, &own(1), cop(100), None, T0).unwrap());
        let seller1 = PayoutSeller {
            account: acct(1),
            status: AccountStatus::Enabled,
            interval: Interval::Daily,
            currency: Currency::Cop,
        };
        let plan = plan_payouts(&book, &[seller1], date!(2026 - 12 - 07));
        assert_eq!(plan.first().map(|p| p.amount.minor() % 100), Some(0));
        assert_eq!(
            plan.first().map(|p| p.amount.minor()),
            Some(bal(&book, &seller(1)).0)
        );
    }
}
