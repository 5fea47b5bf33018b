//! The record of a risk decision a merchant can see: a review (`rev_…`, one per voucher
//! id: `rev_` and the voucher id's random part). A `review` rule opens one (`open`): the
//! voucher is created pending but shows no payment code until a restricted key approves
//! (`approved`: the code is shown) or rejects it (`rejected`: the voucher is cancelled). A
//! blocked create is a review closed at once with status `blocked` and no voucher. Its
//! `reason` is the rule that decided, shown to the merchant's keys only, never to the
//! caller of a blocked create. Reviews are listed from the merchant's ledger (no PII: ids,
//! reference, amount, the rule's name), newest first; an open review's voucher holds it.

use crate::error::ApiResult;
use crate::ledger::{self, Done, LedgerClient};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vale_shared::voucher::NewVoucher;
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
}

impl ReviewStatus {
    const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Open,
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
        ReviewStatus::Blocked,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Blocked => "blocked",
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
            created_ms: crate::clock::millis(review.created_at),
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
            created_ms: crate::clock::millis(now),
            body: serde_json::to_string(&review)?,
        })
        .await?;
    Ok(())
}
