//! A voucher's payments as stored: one row per payment with its identities, and the
//! payments as reconciliation sees them.

use super::store::*;
use crate::http::error::{ApiError, ApiResult};
use crate::runtime::storage::{int, text};
use serde::Deserialize;
use vale_shared::payment::{Listed, PaymentIdentity};
use vale_shared::settlement::reconcile::Held;
use vale_shared::voucher::PaymentOutcome;
use vale_shared::{Currency, Money, Network};
use worker::SqlStorage;

/// A payment as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentRow {
    /// The amount in minor units.
    pub amount: i64,
    /// Its currency code.
    pub currency: String,
    /// Unix seconds.
    pub paid_at: i64,
    /// The anomaly of an unexpected payment.
    pub reason: Option<String>,
    /// The message that reported it.
    pub notification_id: String,
}

impl PaymentRow {
    /// Every payment of this voucher, oldest first.
    pub fn load_all(sql: &SqlStorage) -> ApiResult<Vec<PaymentRow>> {
        Ok(sql
            .exec(
                "SELECT amount, currency, paid_at, reason, notification_id FROM payment ORDER BY seq",
                None,
            )?
            .to_array()?)
    }

    /// Records a decided payment under its row key `network_key`, with its whole
    /// `identity` when a notification or search named it; answers its `seq`.
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        sql: &SqlStorage,
        network_key: &str,
        identity: Option<&str>,
        paid_under: &str,
        payment: &vale_shared::voucher::Payment,
        notification_id: &str,
        source: &str,
    ) -> ApiResult<i64> {
        #[derive(Deserialize)]
        struct Seq {
            seq: i64,
        }
        let (outcome, reason) = match payment.outcome {
            PaymentOutcome::Applied => ("applied", None),
            PaymentOutcome::Unexpected(anomaly) => (
                "unexpected",
                serde_json::to_value(anomaly)?.as_str().map(str::to_owned),
            ),
        };
        sql.exec(
            "INSERT INTO payment (network_key, identity, paid_under, amount, currency, paid_at, source, outcome, reason, notification_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            vec![
                text(network_key),
                crate::runtime::storage::opt_text(identity),
                text(paid_under),
                int(payment.amount.minor()),
                text(payment.amount.currency().code()),
                int(payment.paid_at.unix_timestamp()),
                text(source),
                text(outcome),
                crate::runtime::storage::opt_text(reason.as_deref()),
                text(notification_id),
            ],
        )?
        .to_array::<Seq>()?
        .first()
        .map(|s| s.seq)
        .ok_or_else(|| ApiError::internal("a payment row was not written"))
    }
}

/// A stored payment as reconciliation sees it (`vale_shared::settlement::reconcile`),
/// with its row number.
#[derive(Debug, Clone)]
pub struct HeldRow {
    /// `payment.seq`.
    pub seq: i64,
    /// The payment.
    pub held: Held,
}

/// Every payment of this voucher with its identities and whether a settlement line
/// listed it, oldest first.
pub fn held(sql: &SqlStorage, network: Network) -> ApiResult<Vec<HeldRow>> {
    #[derive(Deserialize)]
    struct Row {
        seq: i64,
        paid_under: String,
        amount: i64,
        currency: String,
        paid_at: i64,
        outcome: String,
        reason: Option<String>,
        identity: Option<String>,
    }
    #[derive(Deserialize)]
    struct Listing {
        payment_seq: i64,
        listed_as: Option<String>,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT seq, paid_under, amount, currency, paid_at, outcome, reason, identity FROM payment ORDER BY seq",
            None,
        )?
        .to_array()?;
    let listings: Vec<Listing> = sql
        .exec(
            "SELECT payment_seq, listed_as FROM listing WHERE payment_seq IS NOT NULL ORDER BY settlement, line",
            None,
        )?
        .to_array()?;
    let mut held = Vec::with_capacity(rows.len());
    for r in rows {
        let currency: Currency = r.currency.parse().map_err(|_| corrupt("currency"))?;
        let outcome = match (r.outcome.as_str(), r.reason) {
            ("applied", _) => PaymentOutcome::Applied,
            (_, Some(reason)) => PaymentOutcome::Unexpected(
                serde_json::from_value(serde_json::Value::String(reason))
                    .map_err(|_| corrupt("payment reason"))?,
            ),
            _ => return Err(corrupt("payment outcome")),
        };
        let mut aliases: Vec<Listed> = Vec::new();
        let mut listed = false;
        for l in listings.iter().filter(|l| l.payment_seq == r.seq) {
            listed = true;
            if let Some(alias) = Listed::of_line(network, l.listed_as.as_deref())
                && !aliases.contains(&alias)
            {
                aliases.push(alias);
            }
        }
        held.push(HeldRow {
            seq: r.seq,
            held: Held {
                code: r.paid_under,
                identity: r.identity.as_deref().and_then(PaymentIdentity::parse_key),
                aliases,
                listed,
                amount: Money::new(r.amount, currency).map_err(|_| corrupt("amount"))?,
                paid_at: at(r.paid_at)?,
                outcome,
            },
        });
    }
    Ok(held)
}
