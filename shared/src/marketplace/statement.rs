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
