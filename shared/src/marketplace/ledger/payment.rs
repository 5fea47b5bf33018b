//! Booking a payment's shares, and making them available when a settlement file lists
//! that payment.

use super::{
    Book, Decision, LedgerError, Party, PaymentRef, Slot, Source, Spec, Txn, TxnStatus, TxnType,
    row,
};
use crate::marketplace::split::Split;
use crate::money::Money;
use time::OffsetDateTime;

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
