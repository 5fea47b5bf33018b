//! Refunds of a payment: who gives back what (in proportion, or by hand), and returning
//! a refund that gave nothing back.

use super::{Book, Decision, LedgerError, Party, PaymentRef, Source, Spec, TxnType, row};
use crate::id::{AccountId, RefundId};
use crate::marketplace::account::invalid;
use crate::marketplace::allocate;
use crate::money::{Currency, Money};
use crate::voucher::InvalidParam;
use serde_json::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;

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
            if !items.is_empty() && items.len() <= crate::marketplace::split::MAX_SPLITS =>
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
    if book
        .txns
        .iter()
        .any(|t| t.payment.as_ref() == Some(payment) && t.currency != amount.currency())
    {
        return Err(LedgerError::AmountMismatch);
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
