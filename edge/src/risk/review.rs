//! The record of a risk decision a merchant can see: a review (`rev_…`). A blocked create
//! is a review closed at once with status `blocked` and no voucher; its `reason` is the
//! rule that decided, shown to the merchant's keys only, never to the caller of the
//! create. Reviews are kept in the merchant's ledger (no PII: ids, reference, amount, the
//! rule's name) and listed newest first.

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
    /// The create was refused (`402 risk_blocked`); no voucher exists.
    Blocked,
}

impl ReviewStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Blocked => "blocked",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<ReviewStatus> {
        [ReviewStatus::Blocked]
            .into_iter()
            .find(|s| s.as_str() == text)
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
