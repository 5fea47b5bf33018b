//! The record of a risk decision a merchant can see: a review (`rev_…`, one per voucher
//! id: `rev_` and the voucher id's random part). A `review` rule opens one (`open`): the
//! voucher is created pending but shows no payment code until a restricted key approves
//! (`approved`: the code is shown) or rejects it (`rejected`: the voucher is cancelled). A
//! blocked create is a review closed at once with status `blocked` and no voucher. Its
//! `reason` is the rule that decided, shown to the merchant's keys only, never to the
//! caller of a blocked create. Reviews are listed from the merchant's ledger (no PII: ids,
//! reference, amount, the rule's name), newest first; an open review's voucher holds it.

use crate::http::error::ApiResult;
use crate::objects::ledger::{self, Done, LedgerClient};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vale_shared::VoucherStatus;
use vale_shared::voucher::{Life, NewVoucher};
use vale_shared::{Currency, MerchantId, Network, VoucherId};
use worker::Env;

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Waits for a restricted key; the voucher shows no payment code.
    Open,
    /// Approved: the voucher shows its payment code.
    Approved,
    /// Rejected: the voucher is cancelled.
    Rejected,
    /// The create was refused (`402 risk_blocked`); no voucher exists.
    Blocked,
    /// The voucher stopped being pending before anyone decided (a secret key cancelled
    /// it, it expired, or a payment arrived anyway): there is nothing left to decide.
    Voided,
}

impl ReviewStatus {
    const ALL: [ReviewStatus; 5] = [
        ReviewStatus::Open,
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
        ReviewStatus::Blocked,
        ReviewStatus::Voided,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Blocked => "blocked",
            ReviewStatus::Voided => "voided",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A voucher's review, as its object keeps it (in `issued`) and shows it (`review`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VoucherReview {
    /// `rev_…`.
    pub id: String,
    /// The rule that opened it.
    pub reason: String,
    /// Open, approved or rejected.
    pub status: ReviewStatus,
    /// When it was closed (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
}

impl VoucherReview {
    /// Whether the voucher may show its payment code: only once approved.
    pub fn shows_code(&self) -> bool {
        self.status == ReviewStatus::Approved
    }

    /// Closes an open review as `voided` when its voucher has left `pending` by another
    /// way than the review's own reject (`life` is the voucher after the move), at the
    /// time of that move. Whether it changed: the caller then saves it and writes
    /// `review.closed`.
    pub fn void_if_ended(&mut self, life: &Life) -> bool {
        if self.status != ReviewStatus::Open || life.status == VoucherStatus::Pending {
            return false;
        }
        self.status = ReviewStatus::Voided;
        self.closed_at = [life.cancelled_at, life.expired_at, life.paid_at]
            .into_iter()
            .flatten()
            .max()
            .map(OffsetDateTime::unix_timestamp);
        true
    }
}

/// Adds `review: {id, reason, status}` to a rendered voucher (whole or display view) and,
/// unless it was approved, takes its payment code, barcode and network page out.
pub fn patch(voucher: &mut serde_json::Value, review: Option<&VoucherReview>) {
    let (Some(review), Some(fields)) = (review, voucher.as_object_mut()) else {
        return;
    };
    fields.insert(
        "review".to_owned(),
        serde_json::json!({"id": review.id, "reason": review.reason, "status": review.status}),
    );
    if !review.shows_code() {
        fields.insert("payment_code".to_owned(), serde_json::Value::Null);
        fields.insert("barcode".to_owned(), serde_json::Value::Null);
        fields.remove("network_url");
    }
}

/// A review as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    /// `rev_…`.
    pub id: String,
    /// `"review"`.
    pub object: String,
    /// Test or live.
    pub livemode: bool,
    /// Where it stands.
    pub status: ReviewStatus,
    /// The rule that decided (its name).
    pub reason: String,
    /// The voucher it is about (`null` when blocked).
    pub voucher: Option<String>,
    /// The merchant's order id.
    pub reference: String,
    /// The network asked for.
    pub network: Network,
    /// Minor units.
    pub amount: i64,
    /// Its currency.
    pub currency: Currency,
    /// When it was opened, in the network's offset.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was closed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

/// The review id of a create (one per voucher id): `rev_` and the voucher id's random part.
pub fn review_id(voucher: &VoucherId) -> String {
    let raw = voucher.as_str();
    format!("rev_{}", raw.strip_prefix("vch_").unwrap_or(raw))
}

/// The review object of a voucher's review.
#[allow(clippy::too_many_arguments)]
pub fn of_voucher(
    review: &VoucherReview,
    livemode: bool,
    voucher: &VoucherId,
    reference: &str,
    network: Network,
    amount: vale_shared::Money,
    created_at: OffsetDateTime,
) -> Review {
    let local = |t: OffsetDateTime| t.to_offset(network.utc_offset());
    Review {
        id: review.id.clone(),
        object: "review".to_owned(),
        livemode,
        status: review.status,
        reason: review.reason.clone(),
        voucher: Some(voucher.as_str().to_owned()),
        reference: reference.to_owned(),
        network,
        amount: amount.minor(),
        currency: amount.currency(),
        created_at: local(created_at),
        closed_at: review
            .closed_at
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(local),
    }
}

/// Writes a voucher's review into the merchant's ledger (its listing).
pub async fn put(env: &Env, merchant: &MerchantId, review: &Review) -> ApiResult<()> {
    LedgerClient::of(env, merchant)?
        .call::<Done>(&ledger::Command::PutReview {
            livemode: review.livemode,
            id: review.id.clone(),
            status: review.status.as_str().to_owned(),
            created_ms: crate::runtime::clock::millis(review.created_at),
            body: serde_json::to_string(review)?,
        })
        .await?;
    Ok(())
}

/// Records a blocked create.
pub async fn record_block(
    env: &Env,
    merchant: &MerchantId,
    livemode: bool,
    voucher: &VoucherId,
    new: &NewVoucher,
    rule: &str,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let at = now.to_offset(new.network.utc_offset());
    let at = at.replace_nanosecond(0).unwrap_or(at);
    let review = Review {
        id: review_id(voucher),
        object: "review".to_owned(),
        livemode,
        status: ReviewStatus::Blocked,
        reason: rule.to_owned(),
        voucher: None,
        reference: new.reference.clone(),
        network: new.network,
        amount: new.amount.minor(),
        currency: new.amount.currency(),
        created_at: at,
        closed_at: Some(at),
    };
    LedgerClient::of(env, merchant)?
        .call::<Done>(&ledger::Command::PutReview {
            livemode,
            id: review.id.clone(),
            status: review.status.as_str().to_owned(),
            created_ms: crate::runtime::clock::millis(now),
            body: serde_json::to_string(&review)?,
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn open() -> VoucherReview {
        VoucherReview {
            id: "rev_1".to_owned(),
            reason: "ip_created_1h".to_owned(),
            status: ReviewStatus::Open,
            closed_at: None,
        }
    }

    fn life(status: VoucherStatus) -> Life {
        let at = datetime!(2026-12-05 10:00 UTC);
        Life {
            status,
            expires_at: at,
            window: time::Duration::hours(1),
            paid_at: (status == VoucherStatus::Paid).then_some(at),
            expired_at: (status == VoucherStatus::Expired).then_some(at),
            cancelled_at: (status == VoucherStatus::Cancelled).then_some(at),
        }
    }

    #[test]
    fn an_open_review_is_voided_when_its_voucher_leaves_pending_at_that_time() {
        for status in [
            VoucherStatus::Cancelled,
            VoucherStatus::Expired,
            VoucherStatus::Paid,
        ] {
            let mut review = open();
            assert!(review.void_if_ended(&life(status)), "{status:?}");
            assert_eq!(review.status, ReviewStatus::Voided);
            assert_eq!(
                review.closed_at,
                Some(datetime!(2026-12-05 10:00 UTC).unix_timestamp())
            );
            assert!(!review.shows_code());
        }
    }

    #[test]
    fn a_pending_voucher_or_a_closed_review_is_left_as_it_is() {
        let mut review = open();
        assert!(!review.void_if_ended(&life(VoucherStatus::Pending)));
        assert_eq!(review, open());
        for status in [ReviewStatus::Approved, ReviewStatus::Rejected] {
            let mut closed = VoucherReview {
                status,
                closed_at: Some(1),
                ..open()
            };
            let before = closed.clone();
            assert!(!closed.void_if_ended(&life(VoucherStatus::Cancelled)));
            assert_eq!(closed, before);
        }
    }

    #[test]
    fn every_status_parses_from_its_wire_name() {
        for status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReviewStatus::parse("closed"), None);
    }
}
