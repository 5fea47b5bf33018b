//! What a settlement line turned out to be: a closed set, named on the wire in
//! `snake_case` (the `counts` of a settlement and the `category` of its lines).

use serde::{Deserialize, Serialize};

/// The category of one line of a settlement's report.
///
/// The first listing of a payment says what the payment is: the voucher's own
/// ([`Matched`](Category::Matched), or
/// [`PaidWithoutNotification`](Category::PaidWithoutNotification) when this line is how
/// the edge learnt of it), a payment made after the voucher expired or was cancelled
/// ([`LatePayment`](Category::LatePayment)), or a second payment of a paid voucher
/// ([`UnexpectedPayment`](Category::UnexpectedPayment)). Any later listing of the same
/// payment, in the same file or another, is a [`Duplicate`](Category::Duplicate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The voucher's own payment, which the edge already held (notified, or paid by an
    /// earlier file): listed for the first time.
    Matched,
    /// The voucher's own payment, first known from this line: the line paid the pending
    /// voucher through the notification path.
    PaidWithoutNotification,
    /// The amount is not the voucher's (or not its currency): refused, nothing recorded.
    AmountMismatch,
    /// No voucher of this merchant and mode has the payment code.
    UnknownReference,
    /// A payment a file already listed (an earlier line of this file, or another file).
    Duplicate,
    /// Not a file line: a voucher the edge counts as paid on the file's day that the file
    /// does not list.
    NotifiedNotSettled,
    /// A payment made after the voucher expired or was cancelled: held on the voucher as
    /// an unexpected payment (`paid_after_expiry` or `paid_after_cancel`).
    LatePayment,
    /// A second payment of a paid voucher: held on the voucher as an unexpected payment
    /// (`paid_twice`).
    UnexpectedPayment,
}

impl Category {
    /// Every category, in the order the contract lists them (the six of the first
    /// version, then the two added since).
    pub const ALL: [Category; 8] = [
        Category::Matched,
        Category::PaidWithoutNotification,
        Category::AmountMismatch,
        Category::UnknownReference,
        Category::Duplicate,
        Category::NotifiedNotSettled,
        Category::LatePayment,
        Category::UnexpectedPayment,
    ];

    /// The wire name.
    ///
    /// ```
    /// use vale_shared::settlement::Category;
    /// assert_eq!(Category::LatePayment.as_str(), "late_payment");
    /// assert_eq!("unexpected_payment".parse(), Ok(Category::UnexpectedPayment));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Matched => "matched",
            Category::PaidWithoutNotification => "paid_without_notification",
            Category::AmountMismatch => "amount_mismatch",
            Category::UnknownReference => "unknown_reference",
            Category::Duplicate => "duplicate",
            Category::NotifiedNotSettled => "notified_not_settled",
            Category::LatePayment => "late_payment",
            Category::UnexpectedPayment => "unexpected_payment",
        }
    }

    /// Whether the line is the first listing of a payment the voucher holds (so the
    /// payment now counts as settled).
    pub const fn lists_a_payment(self) -> bool {
        matches!(
            self,
            Category::Matched
                | Category::PaidWithoutNotification
                | Category::LatePayment
                | Category::UnexpectedPayment
        )
    }

    /// Whether a settlement with lines of this category needs the merchant's attention
    /// (the digest lists it): money the file and the edge disagree on.
    ///
    /// ```
    /// use vale_shared::settlement::Category;
    /// assert!(Category::AmountMismatch.needs_attention());
    /// assert!(!Category::Matched.needs_attention());
    /// ```
    pub const fn needs_attention(self) -> bool {
        matches!(
            self,
            Category::AmountMismatch | Category::UnknownReference | Category::NotifiedNotSettled
        )
    }
}

impl std::str::FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(UnknownCategory)
    }
}

/// A name that is not a settlement category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a settlement category")]
pub struct UnknownCategory;

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for c in Category::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), c);
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
        assert_eq!("paid".parse::<Category>(), Err(UnknownCategory));
    }

    /// Moved from the edge (issue #20): the digest's "needs attention" was a list of
    /// three names in `api/settlement_reports.rs`.
    #[test]
    fn three_categories_need_attention_and_none_lists_a_payment() {
        let attention: Vec<&str> = Category::ALL
            .into_iter()
            .filter(|c| c.needs_attention())
            .map(Category::as_str)
            .collect();
        assert_eq!(
            attention,
            [
                "amount_mismatch",
                "unknown_reference",
                "notified_not_settled"
            ]
        );
        assert!(
            Category::ALL
                .into_iter()
                .all(|c| !(c.needs_attention() && c.lists_a_payment()))
        );
    }

    #[test]
    fn the_first_versions_names_are_kept() {
        let first: Vec<&str> = Category::ALL.iter().take(6).map(|c| c.as_str()).collect();
        assert_eq!(
            first,
            [
                "matched",
                "paid_without_notification",
                "amount_mismatch",
                "unknown_reference",
                "duplicate",
                "notified_not_settled"
            ]
        );
    }
}
