//! The voucher as the API speaks it: the whole voucher object and the display view a
//! storefront page may read; the merchant's create request, checked field by field
//! (`create.rs`) and its later update (`update.rs`); and how a payment code reads aloud (`code.rs`).
//!
//! One model for both sides: the edge serialises these types and the widget reads them.

mod code;
pub(crate) mod create;
mod created_range;
mod life;
mod update;

pub use code::{code_groups, group_for_reading};
pub use create::{
    InvalidParam, MAX_DESCRIPTION, MAX_METADATA_KEYS, MAX_REFERENCE, MAX_RETURN_URL, NewVoucher,
    is_valid_reference,
};
pub use created_range::{Bound, created_bound};
pub use life::{
    DeadlineError, Decision, Life, NotificationOutcome, Payment, PaymentOutcome, Report,
    UnknownOutcome,
};
pub use update::VoucherUpdate;

use crate::barcode::Barcode;
use crate::id::{ClientSecret, VoucherId};
use crate::money::Money;
use crate::network::Network;
use crate::state::{Anomaly, VoucherStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The `object` field of a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Object {
    /// `"voucher"`.
    #[default]
    Voucher,
}

/// Who pays, as far as the merchant tells; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Identity document kind, such as `CC` (Colombia) or `DNI` (Peru).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// Identity document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
}

/// A payment the voucher could not take (see [`Anomaly`]), kept so it is never lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnexpectedPayment {
    /// Why the voucher could not take it.
    pub reason: Anomaly,
    /// What was paid.
    #[serde(flatten)]
    pub amount: Money,
    /// When the network says it was paid.
    #[serde(with = "time::serde::rfc3339")]
    pub paid_at: OffsetDateTime,
    /// The id of the message that reported it (the network's message id when it sends
    /// one, else Vale's `ntf_` id of the notification in the audit trail).
    pub notification_id: String,
}

/// The voucher object of the API, as the merchant's backend sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// `vch_…`.
    pub id: VoucherId,
    /// Always `"voucher"`.
    #[serde(default)]
    pub object: Object,
    /// Whether it was made with a live key.
    pub livemode: bool,
    /// The cash network.
    pub network: Network,
    /// Where it is in its life.
    pub status: VoucherStatus,
    /// What the shopper pays.
    #[serde(flatten)]
    pub amount: Money,
    /// The merchant's order id.
    pub reference: String,
    /// Shown on the voucher.
    pub description: Option<String>,
    /// What the shopper reads out or types: the CIP or the Efecty reference.
    pub payment_code: String,
    /// What the cashier scans.
    pub barcode: Barcode,
    /// The deadline, in the network's offset.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The network's zone, such as `America/Bogota`.
    pub time_zone: String,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the network says it was paid.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
    /// When it expired (the end of its confirmation window, or the network's expiry).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expired_at: Option<OffsetDateTime>,
    /// When the merchant cancelled it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// What refunds that succeeded gave back (paid vouchers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<i64>,
    /// What may still be refunded (paid vouchers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refundable: Option<i64>,
    /// The bearer token for the display view.
    pub client_secret: ClientSecret,
    /// The hosted, printable page (with the client secret: this object is the merchant's).
    pub hosted_url: String,
    /// The network's own page for the code, when it has one (PagoEfectivo's `cipUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_url: Option<String>,
    /// Where the voucher's "back to the store" button leads.
    #[serde(default)]
    pub return_url: Option<String>,
    /// Who pays.
    #[serde(default)]
    pub customer: Customer,
    /// The merchant's own keys and values.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Payments that arrived when the voucher could no longer take them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unexpected_payments: Vec<UnexpectedPayment>,
}

/// What a storefront page may read with the client secret: no customer, no metadata, no
/// client secret, plus the server's clock so the countdown can correct the device's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayVoucher {
    /// `vch_…`.
    pub id: VoucherId,
    /// Always `"voucher"`.
    #[serde(default)]
    pub object: Object,
    /// Whether it was made with a live key.
    pub livemode: bool,
    /// The cash network.
    pub network: Network,
    /// Where it is in its life.
    pub status: VoucherStatus,
    /// What the shopper pays.
    #[serde(flatten)]
    pub amount: Money,
    /// The merchant's order id.
    pub reference: String,
    /// Shown on the voucher.
    pub description: Option<String>,
    /// What the shopper reads out or types.
    pub payment_code: String,
    /// What the cashier scans.
    pub barcode: Barcode,
    /// The deadline.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The network's zone.
    pub time_zone: String,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was paid.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
    /// The hosted, printable page.
    pub hosted_url: String,
    /// The server's clock when it answered.
    #[serde(with = "time::serde::rfc3339")]
    pub server_time: OffsetDateTime,
}

impl Voucher {
    /// The display view, stamped with the server's clock: no customer, no metadata, no
    /// client secret, and `hosted_url` without its `?cs=` (the page already holds it).
    ///
    /// ```
    /// use time::macros::datetime;
    /// use vale_shared::voucher::Voucher;
    /// let voucher: Voucher = serde_json::from_str(r#"{
    ///   "id": "vch_0123456789abcdefghjkmnpq", "livemode": false, "network": "pagoefectivo",
    ///   "status": "pending", "amount": 2550, "currency": "PEN", "reference": "r-1",
    ///   "description": null, "payment_code": "1234567890",
    ///   "barcode": {"symbology": "qr", "data": "1234567890", "text": "CIP 1234567890"},
    ///   "expires_at": "2026-11-23T07:00:00-05:00", "time_zone": "America/Lima",
    ///   "created_at": "2026-11-22T07:00:00-05:00", "paid_at": null,
    ///   "client_secret": "vch_0123456789abcdefghjkmnpq_secret_0123456789abcdefghjkmnpq",
    ///   "hosted_url": "http://127.0.0.1:8787/v/vch_0123456789abcdefghjkmnpq?cs=vch_0123456789abcdefghjkmnpq_secret_0123456789abcdefghjkmnpq",
    ///   "customer": {"email": "ana@example.pe"}, "metadata": {"cart": "42"}
    /// }"#)?;
    /// let view = serde_json::to_value(voucher.display(datetime!(2026-11-22 12:00 UTC)))?;
    /// assert!(view.get("customer").is_none() && view.get("client_secret").is_none());
    /// assert!(!view.to_string().contains("_secret_"), "no secret anywhere, hosted_url included");
    /// assert_eq!(view["hosted_url"], "http://127.0.0.1:8787/v/vch_0123456789abcdefghjkmnpq");
    /// assert_eq!(view["server_time"], "2026-11-22T12:00:00Z");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn display(&self, server_time: OffsetDateTime) -> DisplayVoucher {
        DisplayVoucher {
            id: self.id.clone(),
            object: Object::Voucher,
            livemode: self.livemode,
            network: self.network,
            status: self.status,
            amount: self.amount,
            reference: self.reference.clone(),
            description: self.description.clone(),
            payment_code: self.payment_code.clone(),
            barcode: self.barcode.clone(),
            expires_at: self.expires_at,
            time_zone: self.time_zone.clone(),
            created_at: self.created_at,
            paid_at: self.paid_at,
            hosted_url: self
                .hosted_url
                .split_once("?cs=")
                .map_or(self.hosted_url.as_str(), |(url, _)| url)
                .to_owned(),
            server_time,
        }
    }
}
