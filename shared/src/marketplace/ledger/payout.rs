//! Payouts: the end-of-day plan, a payout from available money only, and its closing by
//! the rail.

use super::{Book, Decision, LedgerError, Party, Payout, PayoutStatus, Source, Spec, TxnType, row};
use crate::id::{AccountId, PayoutId};
use crate::marketplace::account::{AccountStatus, Interval, invalid};
use crate::money::{Currency, Money};
use crate::refund::FailureReason;
use time::{Date, OffsetDateTime, Weekday};

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

/// Makes payout `id` of `amount` (all that is available when `None`) to `seller`: only
/// to an enabled seller (`400 account_not_enabled`: its payouts are paused), from
/// available money only (`400 balance_insufficient`), in whole cash steps. Nothing when
/// it was already made.
pub fn payout(
    book: &Book,
    id: &PayoutId,
    seller: &PayoutSeller,
    amount: Option<i64>,
    now: OffsetDateTime,
) -> Result<Decision, LedgerError> {
    if book.payouts.contains_key(id) {
        return Ok(Decision::default());
    }
    if seller.status != AccountStatus::Enabled {
        return Err(invalid(
            "account",
            "account_not_enabled",
            format!(
                "The account is {}: its payouts are paused until it is enabled.",
                seller.status.as_str()
            ),
        )
        .into());
    }
    let (account, currency) = (&seller.account, seller.currency);
    let party = Party::Seller(account.clone());
    let available = book.balance(&party, currency).available;
    let step = currency.cash_step();
    let insufficient = || {
        LedgerError::from(invalid(
            "amount",
            "balance_insufficient",
            format!("Only {available} is available to pay out."),
        ))
    };
    let amount = match amount {
        Some(amount) if amount <= 0 || amount % step != 0 => {
            return Err(invalid(
                "amount",
                "amount_invalid",
                "amount must be a positive whole number of cash steps (whole pesos in COP).",
            )
            .into());
        }
        Some(amount) => amount,
        None => available - available.rem_euclid(step),
    };
    if amount <= 0 || amount > available {
        return Err(insufficient());
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
