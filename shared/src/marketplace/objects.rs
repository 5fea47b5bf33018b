//! The seller ledger's API objects, rendered from its rows: a balance transaction
//! (`txn_…`), a balance (`GET /v1/balance`) and a payout (`po_…`). Storage is not the
//! wire: the rows are [`super::ledger`]'s; these are what the contract shows.
//!
//! Time stamps are RFC 3339 in UTC−05:00 (both networks' zone), to the second.

use super::ledger::{Book, Party, Payout, Txn};
use crate::money::Currency;
use crate::refund::destination::Destination;
use serde_json::{Value, json};
use time::OffsetDateTime;

fn stamp(at: OffsetDateTime) -> String {
    at.to_offset(time::macros::offset!(-5))
        .replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A balance transaction as `GET /v1/balance_transactions` lists it.
pub fn transaction(t: &Txn) -> Value {
    json!({
        "id": t.id,
        "object": "balance_transaction",
        "account": t.party.account(),
        "type": t.kind.as_str(),
        "amount": t.amount,
        "fee": t.fee,
        "currency": t.currency.code(),
        "status": t.status.as_str(),
        "source": t.source.as_str(),
        "created_at": stamp(t.created_at),
        "available_at": t.available_at.map(stamp),
    })
}

/// `party`'s balance in each of `currencies` (one entry each, even when zero).
pub fn balance(book: &Book, party: &Party, livemode: bool, currencies: &[Currency]) -> Value {
    let entries = |pick: fn(super::ledger::Balance) -> i64| -> Vec<Value> {
        currencies
            .iter()
            .map(|c| json!({"amount": pick(book.balance(party, *c)), "currency": c.code()}))
            .collect()
    };
    json!({
        "object": "balance",
        "livemode": livemode,
        "available": entries(|b| b.available),
        "pending": entries(|b| b.pending),
    })
}

/// A payout, its destination masked (the payout file alone carries it whole).
pub fn payout(p: &Payout, livemode: bool, destination: Option<&Destination>) -> Value {
    json!({
        "id": p.id,
        "object": "payout",
        "livemode": livemode,
        "account": p.account,
        "amount": p.amount.minor(),
        "currency": p.amount.currency().code(),
        "status": p.status.as_str(),
        "failure_reason": p.failure_reason.map(|r| r.as_str()),
        "reference": p.reference,
        "destination": destination.map(Destination::masked),
        "created_at": stamp(p.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{AccountId, VoucherId};
    use crate::marketplace::ledger::{self, PaymentRef, Slot};
    use crate::money::Money;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn objects_carry_the_contract_fields() {
        let mut book = Book::default();
        let p = PaymentRef {
            voucher: VoucherId::from_random([1; 15]),
            slot: Slot::Unexpected(0),
        };
        let at = datetime!(2026-12-07 17:00:00.5 UTC);
        let paid = Money::new(2_500, Currency::Pen).unwrap();
        book.apply(&ledger::book_payment(&book, &p, None, paid, at).unwrap());
        let t = transaction(book.txns.first().unwrap());
        assert_eq!(t["account"], Value::Null, "the platform's own row");
        assert_eq!(t["type"], "payment");
        assert_eq!(t["status"], "pending");
        assert_eq!(t["source"], p.voucher.as_str());
        assert_eq!(t["created_at"], "2026-12-07T12:00:00-05:00");
        assert_eq!(t["available_at"], Value::Null);
        let b = balance(&book, &Party::Platform, false, &[Currency::Pen]);
        assert_eq!(b["pending"], json!([{"amount": 2500, "currency": "PEN"}]));
        assert_eq!(b["available"], json!([{"amount": 0, "currency": "PEN"}]));
        let seller = Party::Seller(AccountId::from_random([2; 15]));
        assert_eq!(
            balance(&book, &seller, false, &[Currency::Pen])["pending"],
            json!([{"amount": 0, "currency": "PEN"}])
        );
    }
}
