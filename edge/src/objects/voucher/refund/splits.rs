//! A marketplace platform's refund (issue #23): who gives it back. By default every party
//! of the payment gives back in proportion (the seller ledger decides it when the refund
//! reaches it); `refund_splits: [{account, amount}]` sets each seller's part by hand; a
//! refund made acting for a seller (`Vale-Account`) is that seller's alone.
//!
//! The parts are checked here, in the voucher's object, against what each party still
//! holds of the payment, computed from the voucher's own story with the same pure
//! decisions the seller ledger makes (`vale_shared::marketplace::ledger::feed`, then
//! `refund`): the object serialises refunds of one voucher, so the check cannot race
//! another refund, and a `400` comes before the refund exists. The parts are stored with
//! the refund and sent to the seller ledger in its facts.

use crate::http::error::{ApiError, ApiResult};
use crate::objects::voucher::market;
use crate::objects::voucher::store::Stored;
use serde_json::{Value, json};
use time::OffsetDateTime;
use vale_shared::id::{AccountId, RefundId};
use vale_shared::marketplace::Split;
use vale_shared::marketplace::ledger::{
    self, Book, LedgerError, Party, PaymentRef, Slot, parse_refund_splits,
};
use vale_shared::money::Money;
use worker::SqlStorage;

/// The refund create body without `refund_splits`, and that field (for a platform's
/// voucher; any other body is left whole, where `refund_splits` is `parameter_unknown`).
pub(super) fn take(platform: bool, body: &str) -> (String, Option<Value>) {
    if !platform {
        return (body.to_owned(), None);
    }
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut fields)) => {
            let taken = fields.remove("refund_splits");
            (Value::Object(fields).to_string(), taken)
        }
        _ => (body.to_owned(), None),
    }
}

/// Who gives a refund back, before it is opened.
pub(super) struct Plan {
    /// The amount to refund when the body named none (acting for a seller: what that
    /// seller still holds), else `None` (the body's, or all that is refundable).
    pub(super) default_amount: Option<i64>,
    /// Each seller's part as `refund_splits` named it.
    given: Option<Vec<(AccountId, i64)>>,
    /// Acting for this seller without `refund_splits`: it gives the whole refund, at
    /// most what it holds.
    alone: Option<(AccountId, i64)>,
    /// What each party holds of the payment.
    book: Book,
    payment: PaymentRef,
}

/// Reads `refund_splits` and the seller acted for. `None` when neither is there (the
/// common refund: in proportion, nothing to check here).
pub(super) fn plan(
    sql: &SqlStorage,
    stored: &Stored,
    asked: Option<&Value>,
    acting_for: Option<&str>,
    unexpected: Option<u32>,
    now: OffsetDateTime,
) -> ApiResult<Option<Plan>> {
    let given = parse_refund_splits(asked, stored.amount.currency())?;
    let seller = match acting_for {
        Some(id) => Some(id.parse::<AccountId>().map_err(|_| {
            ApiError::invalid(
                "Vale-Account",
                "account_invalid",
                "No such account for this platform in this mode.",
            )
        })?),
        None => None,
    };
    if given.is_none() && seller.is_none() {
        return Ok(None);
    }
    let split = stored.issued.market.as_ref().and_then(market::Sold::split);
    let book = book(sql, stored, split.as_ref(), now)?;
    let payment = PaymentRef {
        voucher: stored.id.clone(),
        slot: unexpected.map_or(Slot::Own, Slot::Unexpected),
    };
    let Some(seller) = seller else {
        return Ok(Some(Plan {
            default_amount: None,
            given,
            alone: None,
            book,
            payment,
        }));
    };
    // Acting for a seller: only a voucher with a share for it, and only its own part.
    if !split
        .as_ref()
        .is_some_and(|s| s.shares.iter().any(|share| share.account == seller))
    {
        return Err(ApiError::no_such_voucher().with_param("voucher"));
    }
    if let Some((i, _)) = given
        .iter()
        .flatten()
        .enumerate()
        .find(|(_, (a, _))| *a != seller)
    {
        return Err(ApiError::invalid(
            &format!("refund_splits[{i}].account"),
            "account_invalid",
            "Acting for a seller (Vale-Account), a refund can only name that seller.",
        ));
    }
    let holds = ledger::holdings(&book, &payment)
        .into_iter()
        .find(|(p, _)| *p == Party::Seller(seller.clone()))
        .map_or(0, |(_, h)| h);
    if holds <= 0 {
        return Err(ApiError::invalid(
            "voucher",
            "voucher_not_refundable",
            "This seller holds nothing more of this voucher's payment.",
        ));
    }
    Ok(Some(Plan {
        default_amount: Some(holds),
        alone: given.is_none().then(|| (seller.clone(), holds)),
        given,
        book,
        payment,
    }))
}

impl Plan {
    /// The parts of refund `id` of `amount`, checked against what each party holds (`400`
    /// naming the field otherwise). Acting for a seller without `refund_splits`, the
    /// seller gives it all.
    pub(super) fn check(
        self,
        id: &RefundId,
        amount: Money,
        now: OffsetDateTime,
    ) -> ApiResult<Vec<(AccountId, i64)>> {
        // Acting for a seller, its part never exceeds what it holds: the same rule.
        let given = match (self.given, self.alone) {
            (Some(given), _) => given,
            (None, Some((_, holds))) if amount.minor() > holds => {
                return Err(ApiError::invalid(
                    "amount",
                    "refund_split_exceeds_share",
                    format!(
                        "Acting for a seller, a refund is at most what it still holds of the payment: {holds}."
                    ),
                ));
            }
            (None, Some((seller, _))) => vec![(seller, amount.minor())],
            (None, None) => Vec::new(),
        };
        ledger::refund(&self.book, id, &self.payment, amount, Some(&given), now).map_err(|e| {
            match e {
                LedgerError::Invalid(invalid) => invalid.into(),
                other => ApiError::internal(format!("a refund's parts do not add up ({other})")),
            }
        })?;
        Ok(given)
    }
}

/// The refund's parts as stored, and as the refund object shows them.
pub(super) fn to_json(given: &[(AccountId, i64)]) -> Value {
    Value::Array(
        given
            .iter()
            .map(|(account, amount)| json!({"account": account, "amount": amount}))
            .collect(),
    )
}

/// The stored parts read back (`None`: in proportion).
pub(in crate::objects::voucher) fn from_stored(
    stored: Option<&str>,
) -> Option<Vec<(AccountId, i64)>> {
    let value: Value = serde_json::from_str(stored?).ok()?;
    value
        .as_array()?
        .iter()
        .map(|p| {
            Some((
                p.get("account")?.as_str()?.parse().ok()?,
                p.get("amount")?.as_i64()?,
            ))
        })
        .collect()
}

/// What each party holds of the voucher's payments: the voucher's story booked from
/// nothing, as the seller ledger books it.
fn book(
    sql: &SqlStorage,
    stored: &Stored,
    split: Option<&Split>,
    now: OffsetDateTime,
) -> ApiResult<Book> {
    let facts = market::facts(sql, stored)?;
    let mut book = Book::default();
    let decisions = ledger::feed(
        &book,
        &stored.id,
        split,
        &facts.payments,
        &facts.refunds,
        now,
    )
    .map_err(|e| ApiError::internal(format!("a voucher's money does not add up ({e})")))?;
    for d in &decisions {
        book.apply(d);
    }
    Ok(book)
}
