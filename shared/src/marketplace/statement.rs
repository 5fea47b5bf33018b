//! A seller's statement (`GET /v1/accounts/{id}/statement?from=&to=`): every balance
//! transaction booked in the period, as CSV, between its opening and closing balances,
//! with totals that equal the change between them.
//!
//! Days are Lima/Bogotá days (UTC−05:00), `from` and `to` both included. Every free-text
//! cell goes through [`crate::csv`], so no cell opens as a formula. Columns:
//!
//! `row,id,created_at,type,status,available_at,source,payment_code,network,currency,gross,fee,net,payout`
//!
//! - `row`: `opening_balance`, `transaction`, `total` or `closing_balance` (one opening,
//!   total and closing row per currency the party has);
//! - `gross`, `fee`, `net`: what the shopper paid for the seller's part, the platform's
//!   fee taken from it, and what the balance changed by (`gross = net + fee`; only a
//!   seller's payment rows have a fee);
//! - `payout`: the payout id on payout rows.
//!
//! The `net` of `total` is the closing balance less the opening balance, always: both
//! are sums of the same rows.

use super::ledger::{Party, Source, Txn};
use crate::csv;
use crate::money::Currency;
use crate::network::Network;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// The statement's header line.
pub const HEADER: &str = "row,id,created_at,type,status,available_at,source,payment_code,network,currency,gross,fee,net,payout";

/// What the statement shows of a voucher a row comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherFacts {
    /// The code the shopper paid with.
    pub payment_code: String,
    /// Its network.
    pub network: Network,
}

fn day(at: OffsetDateTime) -> Date {
    at.to_offset(time::macros::offset!(-5)).date()
}

fn stamp(at: OffsetDateTime) -> String {
    at.to_offset(time::macros::offset!(-5))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The statement of `party` from `from` to `to` (inclusive) out of `txns` (its rows, or
/// more: others are skipped). `facts` tells the payment code and network of a row's
/// voucher (refund rows name their voucher through the refund id).
pub fn statement(
    txns: &[Txn],
    party: &Party,
    from: Date,
    to: Date,
    facts: impl Fn(&Txn) -> Option<VoucherFacts>,
) -> String {
    let mine: Vec<&Txn> = txns.iter().filter(|t| t.party == *party).collect();
    let mut opening: BTreeMap<Currency, i64> = BTreeMap::new();
    let mut closing: BTreeMap<Currency, i64> = BTreeMap::new();
    let mut totals: BTreeMap<Currency, (i64, i64, i64)> = BTreeMap::new();
    let mut lines = vec![HEADER.to_owned()];
    let mut body = vec![];
    for t in &mine {
        let d = day(t.created_at);
        opening.entry(t.currency).or_insert(0);
        closing.entry(t.currency).or_insert(0);
        totals.entry(t.currency).or_insert((0, 0, 0));
        if d < from {
            *opening.entry(t.currency).or_insert(0) += t.amount;
        }
        if d <= to {
            *closing.entry(t.currency).or_insert(0) += t.amount;
        }
        if d < from || d > to {
            continue;
        }
        let gross = t.amount + t.fee;
        let total = totals.entry(t.currency).or_insert((0, 0, 0));
        *total = (total.0 + gross, total.1 + t.fee, total.2 + t.amount);
        let f = facts(t);
        let payout = match &t.source {
            Source::Payout(id) => id.as_str(),
            Source::Voucher(_) | Source::Refund(_) => "",
        };
        body.push(
            [
                "transaction".to_owned(),
                t.id.to_string(),
                stamp(t.created_at),
                t.kind.as_str().to_owned(),
                t.status.as_str().to_owned(),
                t.available_at.map(stamp).unwrap_or_default(),
                t.source.as_str().to_owned(),
                f.as_ref()
                    .map(|f| csv::field(&f.payment_code))
                    .unwrap_or_default(),
                f.as_ref()
                    .map(|f| f.network.as_str().to_owned())
                    .unwrap_or_default(),
                t.currency.code().to_owned(),
                gross.to_string(),
                t.fee.to_string(),
                t.amount.to_string(),
                payout.to_owned(),
            ]
            .join(","),
        );
    }
    let money_row = |row: &str, currency: Currency, gross: String, fee: String, net: i64| {
        format!("{row},,,,,,,,,{},{gross},{fee},{net},", currency.code())
    };
    for (currency, balance) in &opening {
        lines.push(money_row(
            "opening_balance",
            *currency,
            String::new(),
            String::new(),
            *balance,
        ));
    }
    lines.extend(body);
    for (currency, (gross, fee, net)) in &totals {
        lines.push(money_row(
            "total",
            *currency,
            gross.to_string(),
            fee.to_string(),
            *net,
        ));
    }
    for (currency, balance) in &closing {
        lines.push(money_row(
            "closing_balance",
            *currency,
            String::new(),
            String::new(),
            *balance,
        ));
    }
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{AccountId, RefundId, VoucherId};
    use crate::marketplace::ledger::{self, Book, PaymentRef, Slot};
    use crate::marketplace::split::Taken;
    use crate::money::Money;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::{date, datetime};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const T0: OffsetDateTime = datetime!(2026-12-01 15:00 UTC);

    fn seller() -> AccountId {
        AccountId::from_random([1; 15])
    }

    /// A book with one voucher paid on each of `days` (COP 1,000, seller 900), listed the
    /// next day, and a refund of COP 100 of every third one.
    fn book(days: usize) -> Book {
        let body = format!(
            r#"{{"splits":[{{"account":"{}","amount":90000}}]}}"#,
            seller()
        );
        let split = Taken::from_body(body.as_bytes())
            .1
            .split(Money::new(100_000, Currency::Cop).unwrap(), None)
            .unwrap()
            .unwrap();
        let mut book = Book::default();
        for i in 0..days {
            let at = T0 + Duration::days(i as i64);
            let p = PaymentRef {
                voucher: VoucherId::from_random([i as u8 + 1; 15]),
                slot: Slot::Own,
            };
            let d = ledger::book_payment(
                &book,
                &p,
                Some(&split),
                Money::new(100_000, Currency::Cop).unwrap(),
                at,
            )
            .unwrap();
            book.apply(&d);
            book.apply(&ledger::settle(&book, &p, at + Duration::days(1)));
            if i % 3 == 2 {
                let id = RefundId::new(&p.voucher, 0);
                let d = ledger::refund(
                    &book,
                    &id,
                    &p,
                    Money::new(10_000, Currency::Cop).unwrap(),
                    None,
                    at + Duration::hours(2),
                )
                .unwrap();
                book.apply(&d);
            }
        }
        book
    }

    fn facts(t: &Txn) -> Option<VoucherFacts> {
        matches!(t.source, Source::Voucher(_) | Source::Refund(_)).then(|| VoucherFacts {
            payment_code: "=1234".into(),
            network: Network::Efecty,
        })
    }

    fn cells<'a>(csv: &'a str, row: &str) -> Vec<Vec<&'a str>> {
        csv.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|c| c.first() == Some(&row))
            .collect()
    }

    #[test]
    fn a_statement_lists_the_period_between_its_balances() {
        let book = book(6);
        let party = Party::Seller(seller());
        let csv = statement(
            &book.txns,
            &party,
            date!(2026 - 12 - 02),
            date!(2026 - 12 - 04),
            facts,
        );
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(HEADER));
        let rows = cells(&csv, "transaction");
        // Days 2, 3 and 4 of December: three payments and one refund (of day 3's voucher).
        assert_eq!(rows.len(), 4);
        let first = rows.first().unwrap();
        assert_eq!(first.get(3), Some(&"payment"));
        assert_eq!(
            first.get(7),
            Some(&"'=1234"),
            "a payment code never opens as a formula"
        );
        assert_eq!(first.get(10..13), Some(&["100000", "10000", "90000"][..]));
        assert_eq!(
            cells(&csv, "opening_balance"),
            [vec![
                "opening_balance",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "COP",
                "",
                "",
                "90000",
                ""
            ]]
        );
        assert_eq!(
            cells(&csv, "total")
                .first()
                .and_then(|c| c.get(12))
                .copied(),
            Some("261000")
        );
        assert_eq!(
            cells(&csv, "closing_balance")
                .first()
                .and_then(|c| c.get(12))
                .copied(),
            Some("351000")
        );
        assert!(csv.ends_with("\r\n"));
    }

    proptest! {
        /// Whatever the period, the total's net is the closing balance less the opening,
        /// and the closing balance is what the ledger's balance was at the period's end.
        #[test]
        fn totals_equal_the_balance_change(days in 1_usize..12, from in 0_i64..14, len in 0_i64..14) {
            let book = book(days);
            let party = Party::Seller(seller());
            let from_day = date!(2026 - 11 - 30) + Duration::days(from);
            let to_day = from_day + Duration::days(len);
            let csv = statement(&book.txns, &party, from_day, to_day, facts);
            let net = |row: &str| cells(&csv, row).first().and_then(|c| c.get(12)).and_then(|n| n.parse::<i64>().ok()).unwrap_or(0);
            let listed: i64 = cells(&csv, "transaction").iter().filter_map(|c| c.get(12)?.parse::<i64>().ok()).sum();
            prop_assert_eq!(net("total"), listed);
            prop_assert_eq!(net("total"), net("closing_balance") - net("opening_balance"));
            let until = Book {
                txns: book.txns.iter().filter(|t| day(t.created_at) <= to_day).cloned().collect(),
                ..Book::default()
            };
            let b = until.balance(&party, Currency::Cop);
            prop_assert_eq!(net("closing_balance"), b.available + b.pending);
        }
    }
}
