//! A voucher of a marketplace platform's sellers (issue #23): the split taken out of the
//! create body, checked by the platform's seller ledger (which holds the voucher's place
//! under each seller's open-voucher limit), stored with the voucher, shown on it, and
//! the reservation released once the voucher is no longer pending (or its create failed).
//!
//! Decisions are `vale_shared::marketplace::split`'s; this file only carries them.

use crate::config::{Merchant, Mode};
use crate::http::error::{ApiError, ApiResult};
use crate::objects::seller_ledger::book::Facts;
use crate::objects::seller_ledger::reserve::Reservation;
use crate::objects::seller_ledger::{Command, SellerLedgerClient};
use crate::objects::voucher::store::Stored;
use crate::runtime::clock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vale_shared::id::AccountId;
use vale_shared::marketplace::Split;
use vale_shared::marketplace::ledger::{PaidFact, RefundFact};
use vale_shared::marketplace::split::Taken;
use vale_shared::refund::RefundStatus;
use vale_shared::voucher::{Life, NewVoucher, PaymentOutcome};
use vale_shared::{VoucherId, VoucherStatus};
use worker::{Env, SqlStorage};

/// What a voucher keeps of its sellers (in its `issued` column).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sold {
    /// [`Split::to_stored`].
    pub split: serde_json::Value,
    /// The one seller's name, shown as "Pagas a {platform} por {seller}".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_name: Option<String>,
}

impl Sold {
    /// The split, as checked when the voucher was created.
    pub fn split(&self) -> Option<Split> {
        Split::from_stored(&self.split)
    }
}

/// The create body without the marketplace fields, and those fields, for a platform;
/// any other merchant's body is left whole (its `splits` are then `parameter_unknown`).
pub fn take(merchant: &Merchant, body: &[u8]) -> (Vec<u8>, Option<Taken>) {
    if merchant.platform {
        let (rest, taken) = Taken::from_body(body);
        (rest, Some(taken))
    } else {
        (body.to_vec(), None)
    }
}

/// The voucher's split, checked against its sellers and reserved with each of them, or
/// `None` for a voucher of the platform's own (or of a merchant that is no platform).
pub async fn reserve(
    env: &Env,
    merchant: &Merchant,
    livemode: bool,
    voucher: &VoucherId,
    new: &NewVoucher,
    taken: Option<Taken>,
    acting_for: Option<&str>,
) -> ApiResult<Option<Sold>> {
    let Some(taken) = taken else {
        return Ok(None);
    };
    let acting_for = match acting_for {
        Some(id) => Some(id.parse::<AccountId>().map_err(|_| {
            crate::http::error::ApiError::invalid(
                "Vale-Account",
                "account_invalid",
                "No such account for this platform in this mode.",
            )
        })?),
        None => None,
    };
    let Some(split) = taken.split(new.amount, acting_for.as_ref())? else {
        return Ok(None);
    };
    let life = Life::pending(new.expires_at, merchant.confirmation_window(new.network));
    #[derive(Deserialize)]
    struct Reserved {
        sellers: BTreeMap<String, String>,
    }
    let reserved: Reserved = SellerLedgerClient::of(env, &merchant.id, Mode::of(livemode))?
        .call(&Command::Reserve(Reservation {
            voucher: voucher.to_string(),
            network: new.network,
            livemode,
            acting_for: acting_for.is_some(),
            split: split.to_stored(),
            until_ms: clock::millis(life.window_ends_at()),
        }))
        .await?;
    let seller_name = split
        .sole_seller()
        .and_then(|a| reserved.sellers.get(a.as_str()).cloned());
    Ok(Some(Sold {
        split: split.to_stored(),
        seller_name,
    }))
}

/// Gives back a voucher's places with its sellers: `forget` when its create failed (it
/// never existed), else because it is no longer pending. Idempotent.
pub async fn release(
    env: &Env,
    merchant: &vale_shared::MerchantId,
    livemode: bool,
    voucher: &VoucherId,
    forget: bool,
) -> ApiResult<()> {
    SellerLedgerClient::of(env, merchant, Mode::of(livemode))?
        .text(&Command::Release {
            voucher: voucher.to_string(),
            forget,
        })
        .await
        .map(|_| ())
}

/// After a change (with the index sync, so the alarm retries it): a voucher of a
/// platform tells its seller ledger its payments, listings and refunds (booked there
/// once each, however often they are told), and a voucher with sellers that is no longer
/// pending releases its places.
pub async fn sync(env: &Env, sql: &SqlStorage, stored: &Stored) -> ApiResult<()> {
    let platform = crate::config::load(env)?
        .merchant(&stored.merchant)
        .is_some_and(|m| m.platform);
    if !platform {
        return Ok(());
    }
    let facts = facts(sql, stored)?;
    let ledger = SellerLedgerClient::of(env, &stored.merchant, Mode::of(stored.livemode))?;
    if !facts.payments.is_empty() {
        ledger.text(&Command::Feed(facts)).await?;
    }
    if stored.issued.market.is_none() || stored.life.status == VoucherStatus::Pending {
        return Ok(());
    }
    release(env, &stored.merchant, stored.livemode, &stored.id, false).await
}

/// What the voucher knows of its money: its payments (the one that paid it, then the
/// unexpected ones in the order of `unexpected_payments`), whether a settlement file
/// listed each, and its refunds (whether each still gives money back).
pub(super) fn facts(sql: &SqlStorage, stored: &Stored) -> ApiResult<Facts> {
    let held = super::payments::held(sql, stored.network)?;
    let mut payments = Vec::with_capacity(held.len());
    let mut slots: Vec<(i64, Option<u32>)> = Vec::with_capacity(held.len());
    let mut unexpected = 0_u32;
    for h in &held {
        let slot = match h.held.outcome {
            PaymentOutcome::Applied => None,
            PaymentOutcome::Unexpected(_) => {
                unexpected = unexpected.saturating_add(1);
                Some(unexpected - 1)
            }
        };
        slots.push((h.seq, slot));
        payments.push(PaidFact {
            unexpected: slot,
            amount: h.held.amount.minor(),
            currency: h.held.amount.currency(),
            listed: h.held.listed,
        });
    }
    #[derive(Deserialize)]
    struct RefundRow {
        id: String,
        payment_seq: Option<i64>,
        amount: i64,
        status: String,
        splits: Option<String>,
    }
    let rows: Vec<RefundRow> = sql
        .exec(
            "SELECT id, payment_seq, amount, status, splits FROM refund ORDER BY number",
            None,
        )?
        .to_array()?;
    let mut refunds = Vec::with_capacity(rows.len());
    for r in rows {
        let unexpected = match r.payment_seq {
            None => None,
            Some(seq) => slots.iter().find(|(s, _)| *s == seq).and_then(|(_, u)| *u),
        };
        refunds.push(RefundFact {
            id: r
                .id
                .parse()
                .map_err(|_| ApiError::internal("a stored refund id does not read back"))?,
            unexpected,
            amount: r.amount,
            currency: stored.amount.currency(),
            gives_back: r
                .status
                .parse::<RefundStatus>()
                .map_err(|()| ApiError::internal("a stored refund status does not read back"))?
                .holds_money(),
            splits: super::refund::splits::from_stored(r.splits.as_deref()),
        });
    }
    Ok(Facts {
        voucher: stored.id.to_string(),
        split: stored.issued.market.as_ref().map(|s| s.split.clone()),
        payments,
        refunds,
        payment_code: stored.payment_code.clone(),
        network: stored.network,
    })
}

/// Adds `splits` and `application_fee_amount` to the merchant's voucher.
pub fn patch_voucher(value: &mut serde_json::Value, stored: &Stored) {
    let split = stored.issued.market.as_ref().and_then(Sold::split);
    vale_shared::marketplace::split_wire::patch_voucher(value, split.as_ref());
}

/// Adds `seller_name` to the display view.
pub fn patch_display(value: &mut serde_json::Value, stored: &Stored) {
    let name = stored
        .issued
        .market
        .as_ref()
        .and_then(|s| s.seller_name.as_deref());
    vale_shared::marketplace::split_wire::patch_display(value, name);
}
