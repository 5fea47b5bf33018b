//! A voucher's money as its object knows it (its payments, which of them a settlement
//! file listed, its refunds and whether each still gives money back), fed to the ledger
//! whole, as often as the object likes: every decision is idempotent, so the same facts
//! sent twice, or facts sent again after more happened, book each thing exactly once.
//! This is how the seller ledger is kept in step with vouchers without any message
//! having to arrive exactly once or in order.

use super::{
    Book, Decision, LedgerError, PaymentRef, Slot, book_payment, refund, return_refund, settle,
};
use crate::id::{AccountId, RefundId, VoucherId};
use crate::marketplace::split::Split;
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One payment of a voucher, as reconciliation decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidFact {
    /// `None`: the payment that paid the voucher; `Some(n)`: unexpected payment `n`.
    pub unexpected: Option<u32>,
    /// What was paid, in minor units.
    pub amount: i64,
    /// In what.
    pub currency: Currency,
    /// Whether a network settlement file listed this payment.
    pub listed: bool,
}

/// One refund of a voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFact {
    /// `re_…`.
    pub id: RefundId,
    /// The payment it gives back (as [`PaidFact::unexpected`]).
    pub unexpected: Option<u32>,
    /// How much, in minor units.
    pub amount: i64,
    /// In what.
    pub currency: Currency,
    /// Whether it still gives (or gave) money back: `false` once failed, cancelled,
    /// expired or rejected.
    pub gives_back: bool,
    /// Its `refund_splits` (each seller's part, the platform the rest), as checked when
    /// it was created; `None`: in proportion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub splits: Option<Vec<(AccountId, i64)>>,
}

const fn slot(unexpected: Option<u32>) -> Slot {
    match unexpected {
        None => Slot::Own,
        Some(n) => Slot::Unexpected(n),
    }
}

/// What the facts of `voucher` add to `book` (which holds at least that voucher's rows):
/// each payment booked (by `split`, or to the platform), each listed payment made
/// available, each refund reversed in proportion (or as its `refund_splits` say) and each refund that gave nothing back
/// returned. Decisions in the order they apply; none when nothing is new.
pub fn feed(
    book: &Book,
    voucher: &VoucherId,
    split: Option<&Split>,
    payments: &[PaidFact],
    refunds: &[RefundFact],
    now: OffsetDateTime,
) -> Result<Vec<Decision>, LedgerError> {
    let mut scratch = book.clone();
    let mut out = Vec::new();
    let mut keep = |scratch: &mut Book, d: Decision| {
        if !d.is_empty() {
            scratch.apply(&d);
            out.push(d);
        }
    };
    for p in payments {
        let payment = PaymentRef {
            voucher: voucher.clone(),
            slot: slot(p.unexpected),
        };
        let paid = Money::new(p.amount, p.currency).map_err(|_| LedgerError::AmountMismatch)?;
        let d = book_payment(&scratch, &payment, split, paid, now)?;
        keep(&mut scratch, d);
        if p.listed {
            let d = settle(&scratch, &payment, now);
            keep(&mut scratch, d);
        }
    }
    for r in refunds {
        let payment = PaymentRef {
            voucher: voucher.clone(),
            slot: slot(r.unexpected),
        };
        let amount = Money::new(r.amount, r.currency).map_err(|_| LedgerError::AmountMismatch)?;
        let d = refund(&scratch, &r.id, &payment, amount, r.splits.as_deref(), now)?;
        keep(&mut scratch, d);
        if !r.gives_back {
            let d = return_refund(&scratch, &r.id, now);
            keep(&mut scratch, d);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::ledger::{Party, TxnType};
    use crate::marketplace::split::Taken;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: OffsetDateTime = datetime!(2026-12-07 15:00 UTC);

    fn two_sellers(amount: i64) -> (Split, AccountId, AccountId) {
        let a = AccountId::from_random([1; 15]);
        let b = AccountId::from_random([2; 15]);
        let body = serde_json::json!({"splits": [
            {"account": a, "amount": amount / 2},
            {"account": b, "amount": amount / 4},
        ]});
        let (_, taken) = Taken::from_body(body.to_string().as_bytes());
        let split = taken
            .split(Money::new(amount, Currency::Pen).unwrap(), None)
            .unwrap()
            .unwrap();
        (split, a, b)
    }

    fn total(book: &Book) -> i64 {
        book.txns.iter().map(|t| t.amount).sum()
    }

    fn run(book: &mut Book, voucher: &VoucherId, split: &Split, p: &[PaidFact], r: &[RefundFact]) {
        for d in feed(book, voucher, Some(split), p, r, NOW).unwrap() {
            book.apply(&d);
        }
    }

    #[test]
    fn the_same_facts_twice_book_once_and_a_listing_makes_them_available() {
        let v = VoucherId::from_random([9; 15]);
        let (split, a, _) = two_sellers(10_000);
        let paid = PaidFact {
            unexpected: None,
            amount: 10_000,
            currency: Currency::Pen,
            listed: false,
        };
        let mut book = Book::default();
        run(&mut book, &v, &split, std::slice::from_ref(&paid), &[]);
        let booked = book.clone();
        assert_eq!(booked.txns.len(), 3);
        run(&mut book, &v, &split, std::slice::from_ref(&paid), &[]);
        assert_eq!(book, booked, "the same facts again book nothing");
        let seller = Party::Seller(a);
        assert_eq!(book.balance(&seller, Currency::Pen).pending, 5_000);
        let listed = PaidFact {
            listed: true,
            ..paid
        };
        run(&mut book, &v, &split, std::slice::from_ref(&listed), &[]);
        assert_eq!(book.balance(&seller, Currency::Pen).available, 5_000);
        assert_eq!(book.balance(&seller, Currency::Pen).pending, 0);
        assert_eq!(total(&book), 10_000);
    }

    #[test]
    fn a_refund_that_failed_gives_every_share_back() {
        let v = VoucherId::from_random([9; 15]);
        let (split, _, _) = two_sellers(10_000);
        let paid = PaidFact {
            unexpected: None,
            amount: 10_000,
            currency: Currency::Pen,
            listed: true,
        };
        let refund = RefundFact {
            id: RefundId::new(&v, 3),
            unexpected: None,
            amount: 4_000,
            currency: Currency::Pen,
            gives_back: true,
            splits: None,
        };
        let mut book = Book::default();
        run(
            &mut book,
            &v,
            &split,
            std::slice::from_ref(&paid),
            std::slice::from_ref(&refund),
        );
        assert_eq!(total(&book), 6_000);
        let failed = RefundFact {
            gives_back: false,
            ..refund
        };
        run(
            &mut book,
            &v,
            &split,
            std::slice::from_ref(&paid),
            std::slice::from_ref(&failed),
        );
        assert_eq!(total(&book), 10_000);
        assert!(book.txns.iter().any(|t| t.kind == TxnType::RefundFailure));
        run(&mut book, &v, &split, &[paid], &[failed]);
        assert_eq!(total(&book), 10_000, "returned once");
    }

    #[test]
    fn a_refund_by_hand_books_its_splits_as_given_once_and_returns_them_if_it_fails() {
        let v = VoucherId::from_random([9; 15]);
        let (split, a, b) = two_sellers(10_000);
        let paid = PaidFact {
            unexpected: None,
            amount: 10_000,
            currency: Currency::Pen,
            listed: false,
        };
        // One item of seller `a` (2_000 of its 5_000), the platform bears 500 more.
        let by_hand = RefundFact {
            id: RefundId::new(&v, 0),
            unexpected: None,
            amount: 2_500,
            currency: Currency::Pen,
            gives_back: true,
            splits: Some(vec![(a.clone(), 2_000)]),
        };
        let mut book = Book::default();
        for _ in 0..2 {
            run(
                &mut book,
                &v,
                &split,
                std::slice::from_ref(&paid),
                std::slice::from_ref(&by_hand),
            );
        }
        let (sa, sb) = (Party::Seller(a), Party::Seller(b));
        assert_eq!(book.balance(&sa, Currency::Pen).pending, 3_000);
        assert_eq!(
            book.balance(&sb, Currency::Pen).pending,
            2_500,
            "b gives nothing"
        );
        assert_eq!(book.balance(&Party::Platform, Currency::Pen).pending, 2_000);
        assert_eq!(total(&book), 7_500);
        assert_eq!(
            book.txns
                .iter()
                .filter(|t| t.kind == TxnType::Refund)
                .count(),
            2
        );
        let failed = RefundFact {
            gives_back: false,
            ..by_hand
        };
        run(&mut book, &v, &split, &[paid], &[failed]);
        assert_eq!(book.balance(&sa, Currency::Pen).pending, 5_000);
        assert_eq!(total(&book), 10_000);
    }

    proptest! {
        /// Any sequence of growing snapshots (each fed possibly twice) books exactly what
        /// the last snapshot says, and the sum over every party is paid less what the
        /// refunds that give back hold.
        #[test]
        fn snapshots_in_any_number_book_the_last_one_exactly(
            amount in (4_i64..100_000).prop_map(|a| a * 4),
            unexpected in proptest::collection::vec(1_i64..50_000, 0..3),
            refunds in proptest::collection::vec((1_i64..1_000, any::<bool>()), 0..4),
            listed_at in 0_usize..4,
            repeats in proptest::collection::vec(1_usize..3, 4),
        ) {
            let v = VoucherId::from_random([7; 15]);
            let (split, _, _) = two_sellers(amount);
            let mut payments = vec![PaidFact { unexpected: None, amount, currency: Currency::Pen, listed: false }];
            for (i, u) in unexpected.iter().enumerate() {
                payments.push(PaidFact { unexpected: Some(u32::try_from(i).unwrap()), amount: *u, currency: Currency::Pen, listed: false });
            }
            // Refunds never take more than the voucher's own payment holds.
            let mut left = amount;
            let mut facts: Vec<RefundFact> = Vec::new();
            for (i, (r, gives_back)) in refunds.iter().enumerate() {
                let r = (*r).min(left);
                if r == 0 { continue; }
                left -= r;
                facts.push(RefundFact { id: RefundId::new(&v, u16::try_from(i).unwrap()), unexpected: None, amount: r, currency: Currency::Pen, gives_back: *gives_back, splits: None });
            }
            let mut book = Book::default();
            for (step, times) in repeats.iter().copied().enumerate() {
                let mut now_payments = payments.clone();
                if step >= listed_at {
                    for p in &mut now_payments { p.listed = true; }
                }
                // Refunds that fail do so in the last step, after being booked.
                let now_refunds: Vec<RefundFact> = facts.iter().take(step).map(|f| RefundFact {
                    gives_back: f.gives_back || step < 3, ..f.clone()
                }).collect();
                for _ in 0..times {
                    run(&mut book, &v, &split, &now_payments, &now_refunds);
                }
            }
            let paid: i64 = payments.iter().map(|p| p.amount).sum();
            let refunded: i64 = facts.iter().take(3).filter(|f| f.gives_back).map(|f| f.amount).sum();
            prop_assert_eq!(total(&book), paid - refunded);
            let ids: std::collections::BTreeSet<_> = book.txns.iter().map(|t| t.id.clone()).collect();
            prop_assert_eq!(ids.len(), book.txns.len(), "no row twice");
            // Every payment was listed by the last step: every row is available.
            prop_assert!(book.txns.iter().all(|t| t.status == crate::marketplace::ledger::TxnStatus::Available));
        }
    }
}
