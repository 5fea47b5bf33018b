//! How long an event keeps the shopper's personal data (review L7). A voucher event's
//! `data` is the whole voucher, `customer` included (name, e-mail, phone, document):
//! [`CUSTOMER_RETENTION`] after the event was made, that `customer` becomes `{}` and
//! nothing else of the event changes. The events themselves are kept (the contract keeps
//! them at least 30 days); only the personal data goes.
//!
//! Pure, so the decision is tested without a runtime: [`redact_at`] says when an event's
//! data is due (never, when it carries no customer), [`without_customer`] what it becomes,
//! byte for byte the same but for the customer (its keys keep their order).

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// How long an event keeps a voucher's `customer`: 30 days.
pub const CUSTOMER_RETENTION_MS: i64 = 30 * 86_400_000;

/// A JSON object's members in their order, each value as written.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// Whether a raw JSON value is an object with at least one member.
fn is_filled_object(raw: &RawValue) -> bool {
    serde_json::from_str::<Members>(raw.get()).is_ok_and(|m| !m.0.is_empty())
}

/// `data` (an event's object) with its `customer` emptied, every other member as it was
/// and where it was; `None` when there is no customer to remove (none, or `{}` already,
/// or `data` is not an object).
///
/// ```text
/// let data = r#"{"id":"vch_1","customer":{"email":"ana@example.co"},"metadata":{}}"#;
/// assert_eq!(without_customer(data).unwrap(), r#"{"id":"vch_1","customer":{},"metadata":{}}"#);
/// ```
pub fn without_customer(data: &str) -> Option<String> {
    let Members(members) = serde_json::from_str(data).ok()?;
    if !members
        .iter()
        .any(|(key, value)| key == "customer" && is_filled_object(value))
    {
        return None;
    }
    let mut out = String::with_capacity(data.len());
    out.push('{');
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).ok()?);
        out.push(':');
        out.push_str(if key == "customer" { "{}" } else { value.get() });
    }
    out.push('}');
    Some(out)
}

/// When an event made at `created_ms` with `data` must lose its customer: `retention_ms`
/// later, or never when it carries none.
pub fn redact_at(created_ms: i64, data: &str, retention_ms: i64) -> Option<i64> {
    without_customer(data).map(|_| created_ms.saturating_add(retention_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VOUCHER: &str = r#"{"id":"vch_1","object":"voucher","customer":{"name":"Ana Pérez","email":"ana@example.co","phone":"+573001234567","document_type":"CC","document_number":"1020304050"},"metadata":{"order":"1001"},"unexpected_payments":[]}"#;

    /// Regression (review L7): voucher events kept the shopper's document, phone and
    /// e-mail for ever.
    #[test]
    fn a_voucher_events_customer_is_emptied_and_nothing_else_changes() {
        let redacted = without_customer(VOUCHER).unwrap();
        assert_eq!(
            redacted,
            r#"{"id":"vch_1","object":"voucher","customer":{},"metadata":{"order":"1001"},"unexpected_payments":[]}"#
        );
        for pii in ["Ana", "ana@example.co", "3001234567", "1020304050"] {
            assert!(!redacted.contains(pii), "{pii}");
        }
        assert_eq!(without_customer(&redacted), None, "once is enough");
        assert_eq!(
            redact_at(1_000, VOUCHER, CUSTOMER_RETENTION_MS),
            Some(1_000 + CUSTOMER_RETENTION_MS)
        );
    }

    #[test]
    fn data_without_a_customer_is_never_due() {
        for data in [
            r#"{"id":"vch_1","customer":{},"metadata":{}}"#,
            r#"{"id":"re_1","object":"refund","amount":100}"#,
            r#"{"id":"stl_1","object":"settlement","counts":{"matched":1}}"#,
            r#"{"customer":null}"#,
            "[]",
            "not json",
        ] {
            assert_eq!(redact_at(0, data, CUSTOMER_RETENTION_MS), None, "{data}");
        }
        // A nested `customer` (not the object's own) is not a voucher's.
        assert_eq!(without_customer(r#"{"data":{"customer":{"a":"b"}}}"#), None);
    }

    #[test]
    fn the_due_time_never_overflows() {
        assert_eq!(
            redact_at(i64::MAX - 5, VOUCHER, CUSTOMER_RETENTION_MS),
            Some(i64::MAX)
        );
    }

    proptest! {
        /// Whatever the customer holds, the redacted data parses, has an empty customer,
        /// and keeps every other member as it was.
        #[test]
        fn redaction_keeps_everything_but_the_customer(
            name in "[\\PC]{0,40}", email in "[a-z0-9.@+-]{0,40}", extra in "x_[a-z]{1,8}"
        ) {
            let data = serde_json::json!({
                "id": "vch_1", "customer": {"name": name, "email": email}, extra.clone(): 7
            })
            .to_string();
            let redacted = without_customer(&data).unwrap();
            let before: serde_json::Value = serde_json::from_str(&data).unwrap();
            let mut after: serde_json::Value = serde_json::from_str(&redacted).unwrap();
            prop_assert_eq!(&after["customer"], &serde_json::json!({}));
            after["customer"] = before["customer"].clone();
            prop_assert_eq!(after, before);
        }
    }
}
