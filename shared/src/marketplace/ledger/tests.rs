//! The ledger's rules, one example each.

use super::*;
use crate::marketplace::account::{AccountStatus, Interval};
use crate::marketplace::split::Split;
use crate::marketplace::split::Taken;
use proptest::prelude::*;
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
    let d = payout(&book, &p.id, &sellers[0], Some(p.amount.minor()), T0).unwrap();
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
    let enabled = seller1(AccountStatus::Enabled, Interval::Manual);
    let manual = PayoutId::from_random([1; 15]);
    for amount in [Some(100), None] {
        let e = payout(&book, &manual, &enabled, amount, T0);
        assert!(matches!(e, Err(LedgerError::Invalid(p)) if p.code == "balance_insufficient"));
    }
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
    for status in [AccountStatus::Pending, AccountStatus::Disabled] {
        let paused = seller1(status, Interval::Daily);
        let e = payout(&book, &p.id, &paused, None, T0);
        assert!(matches!(e, Err(LedgerError::Invalid(p)) if p.code == "account_not_enabled"));
    }
    let e = payout(&book, &manual, &enabled, Some(1_000_051), T0);
    assert!(matches!(e, Err(LedgerError::Invalid(p)) if p.code == "balance_insufficient"));
    let d = payout(&book, &p.id, &enabled, None, T0).unwrap();
    book.apply(&d);
    assert!(payout(&book, &p.id, &enabled, None, T0).unwrap().is_empty());
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

/// Cash carries no centavos: a COP payout is whole pesos. Every split and refund part is
/// whole pesos already; only an adjustment could leave centavos, and they stay available.
#[test]
fn a_cop_payout_is_whole_pesos_and_leaves_any_centavos() {
    let mut book = Book::default();
    book.apply(&settle(&book, &own(1), T0));
    paid(&mut book, &own(1), &cart());
    let re = RefundId::new(&own(1).voucher, 0);
    book.apply(&refund(&book, &re, &own(1), cop(100), None, T0).unwrap());
    assert_eq!(bal(&book, &seller(1)).0 % 100, 0);
    book.txns.push(Txn {
        id: TransactionId::derive("adjustment/test"),
        party: seller(1),
        kind: TxnType::Adjustment,
        amount: 50,
        fee: 0,
        currency: Currency::Cop,
        status: TxnStatus::Available,
        source: Source::Voucher(own(1).voucher),
        payment: None,
        created_at: T0,
        available_at: Some(T0),
    });
    let seller1 = PayoutSeller {
        account: acct(1),
        status: AccountStatus::Enabled,
        interval: Interval::Daily,
        currency: Currency::Cop,
    };
    let plan = plan_payouts(&book, std::slice::from_ref(&seller1), date!(2026 - 12 - 07));
    let p = plan.first().unwrap();
    assert_eq!(p.amount.minor(), bal(&book, &seller(1)).0 - 50);
    book.apply(&payout(&book, &p.id, &seller1, None, T0).unwrap());
    assert_eq!(bal(&book, &seller(1)), (50, 0));
}

/// The issue's marketplace example: two sellers, one cart, a refund of one item, the
/// payout run. The item's seller gives back its price, the platform its fee on it.
#[test]
fn two_sellers_one_cart_a_refund_of_one_item_and_a_payout() {
    let mut book = Book::default();
    paid(&mut book, &own(1), &cart());
    book.apply(&settle(&book, &own(1), T0));
    // Seller 2's item (COP 30,000) comes back, with the platform's fee on it (3,300).
    let re = RefundId::new(&own(1).voucher, 0);
    let d = refund(
        &book,
        &re,
        &own(1),
        cop(3_330_000),
        Some(&[(acct(2), 3_000_000)]),
        T0,
    )
    .unwrap();
    book.apply(&d);
    assert_eq!(bal(&book, &seller(2)), (0, 0));
    assert_eq!(bal(&book, &Party::Platform), (670_000, 0));
    let sellers: Vec<PayoutSeller> = [1, 2]
        .into_iter()
        .map(|n| PayoutSeller {
            account: acct(n),
            status: AccountStatus::Enabled,
            interval: Interval::Daily,
            currency: Currency::Cop,
        })
        .collect();
    let plan = plan_payouts(&book, &sellers, date!(2026 - 12 - 07));
    let planned: Vec<_> = plan
        .iter()
        .map(|p| (p.account.clone(), p.amount.minor()))
        .collect();
    assert_eq!(planned, [(acct(1), 6_000_000)]);
    let total: i64 = book.txns.iter().map(|t| t.amount).sum();
    assert_eq!(total, 10_000_000 - 3_330_000);
}

proptest! {
    #[test]
    fn refund_splits_never_panic(json in "\\PC{0,80}") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) {
            let _ = parse_refund_splits(Some(&value), Currency::Cop);
        }
        let _ = parse_refund_splits(Some(&serde_json::json!([{"account": json, "amount": 100}])), Currency::Pen);
    }
}
