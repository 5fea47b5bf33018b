//! The refund's display view (`GET /v1/refunds/{id}` with its client secret) as the page
//! reads it: picked by hand from the JSON, every field checked, so an answer that does not
//! read is refused whole rather than half shown.

use crate::api::rfc3339;
use serde_json::Value;
use time::OffsetDateTime;
use vale_shared::refund::destination::Country;
use vale_shared::refund::{FailureReason, Reason, RefundStatus};
use vale_shared::{Currency, Money, Network};

/// A cash pickup's withdrawal: what the shopper says at an Efecty point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// The 10-digit code.
    pub code: String,
    /// The last moment it can be collected.
    pub collectable_until: OffsetDateTime,
}

/// The refund as the shopper's page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundView {
    /// `re_…`.
    pub id: String,
    /// What comes back.
    pub amount: Money,
    /// Why the store refunds.
    pub reason: Reason,
    /// Where it is.
    pub status: RefundStatus,
    /// The chosen destination, masked (`None` before the shopper chose).
    pub destination: Option<Value>,
    /// Until when the shopper can choose.
    pub expires_at: OffsetDateTime,
    /// When it was paid out (or collected).
    pub succeeded_at: Option<OffsetDateTime>,
    /// Why the payout failed.
    pub failure_reason: Option<FailureReason>,
    /// A cash pickup's code, once prepared.
    pub withdrawal: Option<Withdrawal>,
    /// The voucher's network (Efecty: Colombia, PagoEfectivo: Peru).
    pub network: Network,
    /// The store's order reference.
    pub reference: String,
    /// The destination types the voucher's country offers.
    pub destination_types: Vec<String>,
}

impl RefundView {
    /// Whose rules the destination follows.
    pub const fn country(&self) -> Country {
        self.network.country()
    }

    /// Reads a parsed body; `None` if anything the page needs is missing or wrong.
    pub fn read(json: &Value) -> Option<RefundView> {
        let text = |name: &str| json.get(name)?.as_str();
        let time = |name: &str| rfc3339(text(name)?);
        let currency: Currency = text("currency")?.parse().ok()?;
        let withdrawal = match json.get("withdrawal") {
            Some(Value::Object(w)) => Some(Withdrawal {
                code: w.get("code")?.as_str()?.to_owned(),
                collectable_until: rfc3339(w.get("collectable_until")?.as_str()?)?,
            }),
            _ => None,
        };
        Some(RefundView {
            id: text("id")?.to_owned(),
            amount: Money::new(json.get("amount")?.as_i64()?, currency).ok()?,
            reason: text("reason")?.parse().ok()?,
            status: text("status")?.parse().ok()?,
            destination: json.get("destination").filter(|d| d.is_object()).cloned(),
            expires_at: time("expires_at")?,
            succeeded_at: time("succeeded_at"),
            failure_reason: text("failure_reason").and_then(|r| r.parse().ok()),
            withdrawal,
            network: text("network")?.parse().ok()?,
            reference: text("reference").unwrap_or_default().to_owned(),
            destination_types: json
                .get("destination_types")?
                .as_array()?
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn body(status: &str) -> Value {
        json!({"id": "re_abc_1", "object": "refund", "livemode": false, "voucher": "vch_abc",
            "amount": 2_000_000, "currency": "COP", "reason": "requested_by_customer",
            "status": status, "destination": null, "expires_at": "2026-12-01T23:59:59-05:00",
            "created_at": "2026-10-17T10:00:00-05:00", "succeeded_at": null,
            "failure_reason": null, "withdrawal": null, "network": "efecty",
            "reference": "order-1001", "destination_types": ["cash_pickup", "bank_account", "wallet"]})
    }

    #[test]
    fn the_contract_s_display_view_reads() {
        let v = RefundView::read(&body("requires_action")).unwrap();
        assert_eq!(v.amount.to_string(), "$\u{a0}20.000");
        assert_eq!(v.status, RefundStatus::RequiresAction);
        assert_eq!(v.country(), Country::Colombia);
        assert_eq!(v.destination_types.len(), 3);
        assert!(v.withdrawal.is_none() && v.destination.is_none());
        let mut b = body("processing");
        b["withdrawal"] =
            json!({"code": "1234567890", "collectable_until": "2026-11-16T10:00:00-05:00"});
        assert_eq!(
            RefundView::read(&b).unwrap().withdrawal.unwrap().code,
            "1234567890"
        );
    }

    #[test]
    fn an_answer_missing_what_the_page_needs_is_refused() {
        for field in ["amount", "currency", "status", "network", "expires_at"] {
            let mut b = body("requires_action");
            b[field] = json!(null);
            assert!(RefundView::read(&b).is_none(), "{field}");
        }
        assert!(RefundView::read(&body("no_such_status")).is_none());
    }
}
