//! The conservation invariant of the seller ledger, as a property test over random
//! vouchers, splits, payments (reported twice, unexpected ones too), settlement listings
//! (in any order, before their payment, with duplicates), refunds (in proportion or by
//! hand, some of them failing) and payouts (planned, manual, paid or failed):
//!
//! - the sum over sellers and platform of every balance transaction that is not a
//!   payout equals what the networks paid less what refunds hold, and the payout rows
//!   add up to minus what was paid out (payouts not failed);
//! - no balance transaction is booked twice (ids are unique, one payment row per
//!   payment and party);
//! - a row is available exactly when its payment was listed (payout rows always);
//! - a payout never leaves its seller's available balance negative;
//! - no seller ever gives back more of a payment than it received of it.

use super::ledger::{
    self, Book, Closing, Party, PaymentRef, PayoutSeller, PayoutStatus, Slot, TxnStatus, TxnType,
};
use super::split::{Split, Taken};
use super::{AccountStatus, Interval};
use crate::id::{AccountId, PayoutId, RefundId, VoucherId};
use crate::money::{Currency, Money};
use crate::refund::FailureReason;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SELLERS: u8 = 4;
const T0: OffsetDateTime = datetime!(2026-12-07 15:00 UTC);

fn acct(n: u8) -> AccountId {
    AccountId::from_random([n + 1; 15])
}

/// A voucher of the scenario: its split (by seller index and share in cash steps, and
/// the platform's fee in steps); an empty list is the platform's own voucher.
#[derive(Debug, Clone)]
struct VoucherCase {
    shares: Vec<(u8, i64)>,
    fee: i64,
}

#[derive(Debug, Clone)]
enum Op {
    /// A payment of voucher `v` (slot 0: its own; k > 0: unexpected payment k − 1).
    Pay(usize, u8),
    /// A settlement file lists that payment.
    List(usize, u8),
    /// A refund of that payment: a percentage of what is left, by hand or not.
    Refund(usize, u8, u8, bool),
    /// Refund `n` (of those made) gives nothing back.
    Return(usize),
    /// The end-of-day run, `d` days after the first.
    Run(u8),
    /// A manual payout of a percentage of seller `s`'s available money.
    Manual(u8, u8),
    /// Payout `n` (of those made) is closed: paid or failed.
    Close(usize, bool),
}

fn voucher_case() -> impl Strategy<Value = VoucherCase> {
    (
        prop::collection::btree_map(0..SELLERS, 1_i64..5_000, 0..=3),
        0_i64..2_000,
    )
        .prop_map(|(shares, fee)| VoucherCase {
            shares: shares.into_iter().collect(),
            fee: fee.max(1),
        })
}

fn op(vouchers: usize) -> impl Strategy<Value = Op> {
    let v = 0..vouchers;
    prop_oneof![
        3 => (v.clone(), 0_u8..3).prop_map(|(v, k)| Op::Pay(v, k)),
        3 => (v.clone(), 0_u8..3).prop_map(|(v, k)| Op::List(v, k)),
        3 => (v, 0_u8..3, 1_u8..=100, any::<bool>()).prop_map(|(v, k, p, h)| Op::Refund(v, k, p, h)),
        1 => (0_usize..8).prop_map(Op::Return),
        2 => (0_u8..10).prop_map(Op::Run),
        1 => (0..SELLERS, 1_u8..=100).prop_map(|(s, p)| Op::Manual(s, p)),
        2 => (0_usize..8, any::<bool>()).prop_map(|(n, paid)| Op::Close(n, paid)),
    ]
}

fn scenario() -> impl Strategy<Value = (bool, Vec<VoucherCase>, Vec<Op>)> {
    (any::<bool>(), prop::collection::vec(voucher_case(), 1..5)).prop_flat_map(|(cop, vouchers)| {
        let n = vouchers.len();
        (
            Just(cop),
            Just(vouchers),
            prop::collection::vec(op(n), 1..60),
        )
    })
}

fn split_of(case: &VoucherCase, currency: Currency) -> Option<Split> {
    if case.shares.is_empty() {
        return None;
    }
    let step = currency.cash_step();
    let items: Vec<String> = case
        .shares
        .iter()
        .map(|(s, units)| format!(r#"{{"account":"{}","amount":{}}}"#, acct(*s), units * step))
        .collect();
    let total: i64 = case.shares.iter().map(|(_, u)| u).sum::<i64>() + case.fee;
    let body = format!(r#"{{"splits":[{}]}}"#, items.join(","));
    Taken::from_body(body.as_bytes())
        .1
        .split(Money::new(total * step, currency).ok()?, None)
        .ok()
        .flatten()
}

fn amount_of(case: &VoucherCase, k: u8, step: i64) -> i64 {
    let own: i64 = case.shares.iter().map(|(_, u)| u).sum::<i64>() + case.fee;
    // An unexpected payment need not be the voucher's amount.
    (own + i64::from(k) * 7) * step
}

fn payment(v: usize, k: u8) -> PaymentRef {
    PaymentRef {
        voucher: VoucherId::from_random([u8::try_from(v).unwrap_or(0) + 1; 15]),
        slot: if k == 0 {
            Slot::Own
        } else {
            Slot::Unexpected(u32::from(k) - 1)
        },
    }
}

fn check_invariants(
    book: &Book,
    paid: i64,
    refunded: i64,
    paid_out: i64,
) -> Result<(), TestCaseError> {
    let not_payouts: i64 = book
        .txns
        .iter()
        .filter(|t| !matches!(t.kind, TxnType::Payout | TxnType::PayoutFailure))
        .map(|t| t.amount)
        .sum();
    prop_assert_eq!(not_payouts, paid - refunded, "balances ≠ paid − refunded");
    let payouts: i64 = book
        .txns
        .iter()
        .filter(|t| matches!(t.kind, TxnType::Payout | TxnType::PayoutFailure))
        .map(|t| t.amount)
        .sum();
    prop_assert_eq!(payouts, -paid_out);
    let live: i64 = book
        .payouts
        .values()
        .filter(|p| p.status != PayoutStatus::Failed)
        .map(|p| p.amount.minor())
        .sum();
    prop_assert_eq!(live, paid_out);
    // A refund never takes from a seller more than it received of that payment.
    let payments: BTreeSet<&PaymentRef> = book
        .txns
        .iter()
        .filter_map(|t| t.payment.as_ref())
        .collect();
    for p in payments {
        for (party, held) in ledger::holdings(book, p) {
            if party != Party::Platform {
                prop_assert!(held >= 0, "{:?} holds {} of {:?}", party, held, p);
            }
        }
    }
    let ids: BTreeSet<_> = book.txns.iter().map(|t| &t.id).collect();
    prop_assert_eq!(ids.len(), book.txns.len(), "a transaction booked twice");
    let mut payment_rows = BTreeSet::new();
    for t in &book.txns {
        if t.kind == TxnType::Payment {
            prop_assert!(
                payment_rows.insert((t.payment.clone(), t.party.clone())),
                "a payment booked twice"
            );
        }
        let settled = t.payment.as_ref().is_none_or(|p| book.settled.contains(p));
        prop_assert_eq!(t.status == TxnStatus::Available, settled, "{:?}", t);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_minor_unit_is_accounted_for((cop, vouchers, ops) in scenario()) {
        let currency = if cop { Currency::Cop } else { Currency::Pen };
        let step = currency.cash_step();
        let mut book = Book::default();
        let (mut paid, mut refunded, mut paid_out) = (0_i64, 0_i64, 0_i64);
        let mut booked: BTreeSet<PaymentRef> = BTreeSet::new();
        let mut refunds: Vec<(RefundId, i64, bool)> = vec![];
        let mut per_voucher: BTreeMap<usize, u16> = BTreeMap::new();
        let mut payouts: Vec<PayoutId> = vec![];
        let money = |m: i64| Money::new(m, currency).unwrap();
        // Seller 3 is paused (its account is pending); seller 2 is paid weekly.
        let sellers: Vec<PayoutSeller> = (0..SELLERS)
            .map(|s| PayoutSeller {
                account: acct(s),
                status: if s == 3 { AccountStatus::Pending } else { AccountStatus::Enabled },
                interval: if s == 2 { Interval::Weekly } else { Interval::Daily },
                currency,
            })
            .collect();
        for (i, op) in ops.into_iter().enumerate() {
            let now = T0 + Duration::minutes(i64::try_from(i).unwrap_or(0));
            let case = |v: usize| vouchers.get(v).unwrap();
            match op {
                Op::Pay(v, k) => {
                    let p = payment(v, k);
                    let split = split_of(case(v), currency);
                    let amount = amount_of(case(v), k, step);
                    let d = ledger::book_payment(&book, &p, split.as_ref(), money(amount), now).unwrap();
                    if booked.insert(p) {
                        prop_assert!(!d.is_empty());
                        paid += amount;
                    } else {
                        prop_assert!(d.is_empty(), "a payment reported twice booked again");
                    }
                    book.apply(&d);
                }
                Op::List(v, k) => {
                    let d = ledger::settle(&book, &payment(v, k), now);
                    book.apply(&d);
                }
                Op::Refund(v, k, percent, by_hand) => {
                    let p = payment(v, k);
                    if !booked.contains(&p) {
                        continue;
                    }
                    let held = ledger::holdings(&book, &p);
                    let left: i64 = held.iter().map(|(_, h)| h).sum();
                    let amount = (left * i64::from(percent) / 100) / step * step;
                    if amount <= 0 {
                        continue;
                    }
                    let n = per_voucher.entry(v).or_insert(0);
                    let id = RefundId::new(&p.voucher, *n);
                    *n += 1;
                    let given: Option<Vec<(AccountId, i64)>> = by_hand.then(|| {
                        held.iter()
                            .filter_map(|(party, h)| match party {
                                Party::Seller(a) if *h > 0 => Some((a.clone(), (h * amount / left) / step * step)),
                                _ => None,
                            })
                            .filter(|(_, part)| *part > 0)
                            .collect()
                    });
                    let given = given.filter(|g| !g.is_empty());
                    let d = ledger::refund(&book, &id, &p, money(amount), given.as_deref(), now).unwrap();
                    prop_assert_eq!(d.new.iter().map(|t| t.amount).sum::<i64>(), -amount);
                    book.apply(&d);
                    refunded += amount;
                    refunds.push((id, amount, false));
                }
                Op::Return(n) => {
                    if let Some((id, amount, returned)) = refunds.get_mut(n) {
                        let d = ledger::return_refund(&book, id, now);
                        prop_assert_eq!(d.is_empty(), *returned);
                        if !*returned {
                            refunded -= *amount;
                            *returned = true;
                        }
                        book.apply(&d);
                    }
                }
                Op::Run(days) => {
                    let day = date!(2026 - 12 - 07) + Duration::days(i64::from(days));
                    for plan in ledger::plan_payouts(&book, &sellers, day) {
                        prop_assert!(plan.account != acct(3), "a paused seller was paid");
                        let seller = sellers.iter().find(|s| s.account == plan.account).unwrap();
                        let d = ledger::payout(&book, &plan.id, seller, Some(plan.amount.minor()), now).unwrap();
                        book.apply(&d);
                        prop_assert!(book.balance(&Party::Seller(plan.account.clone()), currency).available >= 0);
                        paid_out += plan.amount.minor();
                        payouts.push(plan.id);
                    }
                }
                Op::Manual(s, percent) => {
                    let seller = sellers.get(usize::from(s)).unwrap();
                    let available = book.balance(&Party::Seller(acct(s)), currency).available;
                    let amount = (available * i64::from(percent) / 100) / step * step;
                    let id = PayoutId::from_random([u8::try_from(payouts.len() % 200).unwrap_or(0) + 50; 15]);
                    match ledger::payout(&book, &id, seller, Some(amount), now) {
                        Ok(d) if !d.is_empty() => {
                            prop_assert_eq!(seller.status, AccountStatus::Enabled);
                            book.apply(&d);
                            paid_out += amount;
                            payouts.push(id);
                        }
                        Ok(_) => {}
                        Err(_) => prop_assert!(
                            amount <= 0 || seller.status != AccountStatus::Enabled,
                            "a payout within available was refused"
                        ),
                    }
                    prop_assert!(book.balance(&Party::Seller(acct(s)), currency).available >= available.min(0));
                }
                Op::Close(n, paid_it) => {
                    if let Some(id) = payouts.get(n) {
                        let before = book.payouts.get(id).map(|p| p.status);
                        let closing = if paid_it { Closing::Paid(Some("ref-1".into())) } else { Closing::Failed(FailureReason::PayoutRejected) };
                        if let Ok(d) = ledger::close_payout(&book, id, closing, now) {
                            if before == Some(PayoutStatus::Pending) && !paid_it {
                                paid_out -= book.payouts.get(id).map_or(0, |p| p.amount.minor());
                            }
                            book.apply(&d);
                        }
                    }
                }
            }
            check_invariants(&book, paid, refunded, paid_out)?;
        }
    }
}
