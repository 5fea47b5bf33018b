//! How the API's JSON is rendered from what a voucher object stores: the merchant's
//! voucher, its display view, its unexpected payments and the audit trail. Storage is not
//! the wire: [`super::store`] holds the rows, this file shapes them on the way out.

use super::payments::PaymentRow;
use super::store::*;
use crate::http::error::ApiResult;
use crate::runtime::storage::int;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vale_shared::id::ClientSecret;
use vale_shared::state::Anomaly;
use vale_shared::voucher::{
    DisplayVoucher, NotificationOutcome, Object, UnexpectedPayment, Voucher,
};
use vale_shared::{Currency, Money, Network, VoucherStatus};
use worker::SqlStorage;

impl Stored {
    /// The merchant's voucher object as JSON, with its review (if a risk rule opened
    /// one) and no payment code until that review is approved.
    pub fn render_json(
        &self,
        server_key: &[u8],
        payments: &[PaymentRow],
    ) -> ApiResult<serde_json::Value> {
        let mut value = serde_json::to_value(self.render(server_key, payments))?;
        crate::objects::voucher::review::patch(&mut value, self.issued.review.as_ref());
        super::market::patch_voucher(&mut value, self);
        Ok(value)
    }

    /// The voucher's review object, if a risk rule opened one.
    pub fn review(&self) -> Option<crate::objects::voucher::review::Review> {
        self.issued.review.as_ref().map(|r| {
            crate::objects::voucher::review::of_voucher(
                r,
                self.livemode,
                &self.id,
                &self.issued.reference,
                self.network,
                self.amount,
                self.created_at,
            )
        })
    }

    /// The merchant's voucher object. Every time stamp is written in the network's
    /// offset to the second, as the contract says: a decision made at a millisecond
    /// (an expiry now, a payment the network stamped with a fraction) is shown without
    /// it, as it is stored (PHP's RFC 3339 parser and a strict `strptime` refuse
    /// fractions).
    pub fn render(&self, server_key: &[u8], payments: &[PaymentRow]) -> Voucher {
        let offset = self.network.utc_offset();
        let local = |t: OffsetDateTime| to_the_second(t.to_offset(offset));
        let client_secret = ClientSecret::derive(server_key, &self.id);
        let paid = matches!(
            self.life.status,
            VoucherStatus::Paid | VoucherStatus::PartiallyRefunded | VoucherStatus::Refunded
        );
        Voucher {
            id: self.id.clone(),
            object: Object::Voucher,
            livemode: self.livemode,
            network: self.network,
            status: self.life.status,
            amount: self.amount,
            reference: self.issued.reference.clone(),
            description: self.issued.description.clone(),
            payment_code: self.payment_code.clone(),
            barcode: self.issued.barcode.clone(),
            expires_at: local(self.life.expires_at),
            time_zone: self.network.time_zone().to_owned(),
            created_at: local(self.created_at),
            paid_at: self.life.paid_at.map(local),
            expired_at: self.life.expired_at.map(local),
            cancelled_at: self.life.cancelled_at.map(local),
            amount_refunded: paid.then_some(self.refunds.refunded),
            amount_refundable: paid.then_some((self.amount.minor() - self.refunds.held).max(0)),
            hosted_url: format!(
                "{}/v/{}?cs={}",
                self.issued.origin,
                self.id,
                client_secret.expose()
            ),
            client_secret,
            network_url: self.issued.network_url.clone(),
            return_url: self.issued.return_url.clone(),
            customer: self.issued.customer.clone(),
            metadata: self.issued.metadata.clone(),
            unexpected_payments: payments
                .iter()
                .filter_map(|p| p.unexpected(offset))
                .collect(),
        }
    }
}

impl PaymentRow {
    /// The wire form of an unexpected payment (`None` for the one that paid).
    fn unexpected(&self, offset: time::UtcOffset) -> Option<UnexpectedPayment> {
        let reason: Anomaly =
            serde_json::from_value(serde_json::Value::String(self.reason.clone()?)).ok()?;
        let currency: Currency = self.currency.parse().ok()?;
        Some(UnexpectedPayment {
            reason,
            amount: Money::new(self.amount, currency).ok()?,
            paid_at: at(self.paid_at).ok()?.to_offset(offset),
            notification_id: self.notification_id.clone(),
        })
    }
}

/// The display view with what the contract adds to the shared one: the merchant's
/// display name, the Efecty convenio, the return link and when it ended.
#[derive(Debug, Serialize)]
pub struct DisplayView<'a> {
    /// The shared display view (no customer, metadata or client secret).
    #[serde(flatten)]
    pub voucher: DisplayVoucher,
    /// The merchant's display name.
    pub merchant_name: &'a str,
    /// Efecty's agreement number, when the merchant has one.
    pub convenio: Option<&'a str>,
    /// The "back to the store" link.
    pub return_url: Option<String>,
    /// When it expired.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expired_at: Option<OffsetDateTime>,
    /// When it was cancelled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
}

/// One entry of the audit trail, as the API shows it.
#[derive(Debug, Serialize)]
pub struct AuditEntry {
    /// `ntf_…`.
    pub id: String,
    /// Always `"notification"`.
    pub object: &'static str,
    /// The network that sent it.
    pub network: Network,
    /// When the edge received it.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// What it did.
    pub outcome: NotificationOutcome,
    /// The network's own message id, when it sends one.
    pub message_id: Option<String>,
    /// The raw body as received; `null` once purged (after 180 days).
    pub body: Option<String>,
}

#[derive(Deserialize)]
struct AuditRow {
    id: String,
    message_id: Option<String>,
    received_ms: i64,
    outcome: String,
    body: Option<String>,
}

/// One page of the audit trail, oldest first, after the entry `starting_after`.
pub fn audit_page(
    sql: &SqlStorage,
    network: Network,
    limit: u32,
    starting_after: Option<&str>,
) -> ApiResult<(Vec<AuditEntry>, bool)> {
    let after = match starting_after {
        None => 0,
        Some(id) => crate::runtime::storage::cursor(
            sql,
            "notification",
            id,
            "a notification of this voucher",
        )?,
    };
    let rows: Vec<AuditRow> = sql
        .exec(
            "SELECT id, message_id, received_ms, outcome, body FROM notification
             WHERE seq > ? ORDER BY seq LIMIT ?",
            vec![int(after), int(i64::from(limit) + 1)],
        )?
        .to_array()?;
    let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let offset = network.utc_offset();
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        entries.push(AuditEntry {
            id: row.id,
            object: "notification",
            network,
            received_at: crate::runtime::clock::from_millis(
                u64::try_from(row.received_ms).unwrap_or(0),
            )
            .to_offset(offset)
            .replace_millisecond(0)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            outcome: row.outcome.parse().map_err(|_| corrupt("outcome"))?,
            message_id: row.message_id,
            body: row.body,
        });
    }
    Ok((entries, has_more))
}
