//! The merchant's `POST /v1/refunds` body, read strictly like [`crate::voucher::NewVoucher`]:
//! each refusal names its field. What the refund may be (its amount against what was paid,
//! the window) is [`super::open`]; which voucher it names is the edge's to look up.

use super::Reason;
use crate::voucher::InvalidParam;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Most `metadata` keys.
pub const MAX_METADATA_KEYS: usize = 20;
/// Longest `metadata` key, in characters.
pub const MAX_METADATA_KEY: usize = 40;
/// Longest `metadata` value, in characters.
pub const MAX_METADATA_VALUE: usize = 500;

/// The fields a refund create takes.
const KNOWN: [&str; 5] = [
    "voucher",
    "amount",
    "reason",
    "metadata",
    "unexpected_payment",
];

/// A refund request that passed every check of its own body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// Minor units; `None`: whatever of the payment is still refundable.
    pub amount: Option<i64>,
    /// Why.
    pub reason: Reason,
    /// The merchant's own keys and values.
    pub metadata: BTreeMap<String, String>,
    /// Which of the voucher's unexpected payments it returns (0-based); `None`: the
    /// voucher's own payment.
    pub unexpected_payment: Option<u32>,
}

fn invalid(param: &str, code: &'static str, message: impl Into<String>) -> InvalidParam {
    InvalidParam {
        param: param.to_owned(),
        code,
        message: message.into(),
    }
}

impl NewRefund {
    /// Checks a `POST /v1/refunds` body: `voucher` (the edge's to check), `amount?`,
    /// `reason`, `metadata?`, `unexpected_payment?`, and nothing else.
    ///
    /// ```
    /// use vale_shared::refund::{NewRefund, Reason};
    /// let refund = NewRefund::from_json(br#"{"voucher": "vch_1", "amount": 5000, "reason": "duplicate"}"#)?;
    /// assert_eq!((refund.amount, refund.reason), (Some(5000), Reason::Duplicate));
    /// assert_eq!(NewRefund::from_json(br#"{"reason": "duplicate", "amount": 0}"#).unwrap_err().param, "amount");
    /// # Ok::<(), vale_shared::voucher::InvalidParam>(())
    /// ```
    pub fn from_json(body: &[u8]) -> Result<NewRefund, InvalidParam> {
        let fields: Map<String, Value> = serde_json::from_slice(body)
            .map_err(|_| invalid("body", "body_invalid", "The body must be a JSON object."))?;
        if let Some(unknown) = fields.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(invalid(
                unknown,
                "parameter_unknown",
                "This parameter is not known.",
            ));
        }
        let amount = match fields.get("amount") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().filter(|a| *a > 0).ok_or_else(|| {
                invalid(
                    "amount",
                    "amount_invalid",
                    "amount must be a positive whole number of minor units.",
                )
            })?),
        };
        let reason = fields
            .get("reason")
            .and_then(Value::as_str)
            .and_then(|r| r.parse::<Reason>().ok())
            .ok_or_else(|| {
                invalid(
                    "reason",
                    "reason_invalid",
                    "reason is required: requested_by_customer, order_cancelled, product_not_received, duplicate, fraudulent, paid_after_expiry or overpayment.",
                )
            })?;
        let metadata = match fields.get("metadata") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(m)) if m.len() <= MAX_METADATA_KEYS => m
                .iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s)
                        if k.chars().count() <= MAX_METADATA_KEY
                            && s.chars().count() <= MAX_METADATA_VALUE =>
                    {
                        Some((k.clone(), s.to_owned()))
                    }
                    _ => None,
                })
                .collect::<Option<BTreeMap<_, _>>>()
                .ok_or_else(metadata_invalid)?,
            Some(_) => return Err(metadata_invalid()),
        };
        let unexpected_payment =
            match fields.get("unexpected_payment") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|i| u32::try_from(i).ok()).ok_or_else(
                    || {
                        invalid(
                            "unexpected_payment",
                            "parameter_invalid",
                            "unexpected_payment is a 0-based index.",
                        )
                    },
                )?),
            };
        Ok(NewRefund {
            amount,
            reason,
            metadata,
            unexpected_payment,
        })
    }

    /// The metadata as the JSON object the refund stores and answers (keys in order).
    pub fn metadata_json(&self) -> String {
        serde_json::to_string(&self.metadata).unwrap_or_else(|_| "{}".to_owned())
    }
}

fn metadata_invalid() -> InvalidParam {
    invalid(
        "metadata",
        "metadata_invalid",
        "metadata must be at most 20 keys (≤ 40 characters) with string values (≤ 500).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn refused(body: &str) -> (String, &'static str) {
        match NewRefund::from_json(body.as_bytes()) {
            Err(e) => (e.param, e.code),
            Ok(r) => (format!("accepted {r:?}"), ""),
        }
    }

    /// Moved from the edge (issue #20): the body is read in `shared`, with the same
    /// refusals, each naming its field.
    #[test]
    fn each_refusal_names_its_field() {
        assert_eq!(refused(""), ("body".to_owned(), "body_invalid"));
        assert_eq!(refused("[]"), ("body".to_owned(), "body_invalid"));
        assert_eq!(
            refused(r#"{"reason":"duplicate","colour":"red"}"#),
            ("colour".to_owned(), "parameter_unknown")
        );
        assert_eq!(
            refused(r#"{"voucher":"vch_1"}"#),
            ("reason".to_owned(), "reason_invalid")
        );
        assert_eq!(
            refused(r#"{"reason":"because"}"#),
            ("reason".to_owned(), "reason_invalid")
        );
        for amount in ["0", "-5", "1.5", "\"100\"", "true"] {
            assert_eq!(
                refused(&format!(r#"{{"reason":"duplicate","amount":{amount}}}"#)),
                ("amount".to_owned(), "amount_invalid"),
                "{amount}"
            );
        }
        for metadata in [
            r#"{"k":1}"#,
            "[]",
            "\"x\"",
            &format!(r#"{{"{}":"v"}}"#, "k".repeat(41)),
        ] {
            assert_eq!(
                refused(&format!(
                    r#"{{"reason":"duplicate","metadata":{metadata}}}"#
                )),
                ("metadata".to_owned(), "metadata_invalid"),
                "{metadata}"
            );
        }
        for index in ["-1", "1.5", "4294967296", "\"0\""] {
            assert_eq!(
                refused(&format!(
                    r#"{{"reason":"duplicate","unexpected_payment":{index}}}"#
                )),
                ("unexpected_payment".to_owned(), "parameter_invalid"),
                "{index}"
            );
        }
    }

    #[test]
    fn nulls_are_absent_and_metadata_is_stored_in_key_order() {
        let refund = NewRefund::from_json(
            br#"{"voucher":"vch_1","reason":"overpayment","amount":null,"metadata":{"b":"2","a":"1"},"unexpected_payment":0}"#,
        );
        let refund = refund.map_err(|e| e.to_string());
        assert_eq!(
            refund
                .as_ref()
                .map(|r| (r.amount, r.reason, r.unexpected_payment)),
            Ok((None, Reason::Overpayment, Some(0)))
        );
        assert_eq!(
            refund.map(|r| r.metadata_json()),
            Ok(r#"{"a":"1","b":"2"}"#.to_owned())
        );
        let plain = NewRefund::from_json(br#"{"reason":"duplicate","metadata":null}"#);
        assert_eq!(plain.map(|r| r.metadata_json()).ok().as_deref(), Some("{}"));
    }

    proptest! {
        /// Any positive amount and any index a `u32` holds come back as sent; the
        /// metadata's limits are exact (20 keys of 40 characters, values of 500).
        #[test]
        fn what_fits_is_kept_as_sent(
            amount in 1..=i64::MAX,
            index in any::<u32>(),
            keys in 0..=MAX_METADATA_KEYS,
            key_len in 1..=MAX_METADATA_KEY,
            value_len in 0..=MAX_METADATA_VALUE,
        ) {
            let metadata: BTreeMap<String, String> = (0..keys)
                .map(|i| (format!("{i:0>key_len$}"), "é".repeat(value_len)))
                .collect();
            let body = serde_json::json!({
                "voucher": "vch_1",
                "reason": "fraudulent",
                "amount": amount,
                "unexpected_payment": index,
                "metadata": metadata,
            });
            let refund = NewRefund::from_json(body.to_string().as_bytes());
            prop_assert_eq!(
                refund.map_err(|e| e.to_string()),
                Ok(NewRefund { amount: Some(amount), reason: Reason::Fraudulent, metadata, unexpected_payment: Some(index) })
            );
        }

        /// One key too many, or one character too long, is refused naming `metadata`.
        #[test]
        fn past_a_limit_metadata_is_refused(over in 0..3usize, len in 0..600usize) {
            let metadata: BTreeMap<String, String> = match over {
                0 => (0..=MAX_METADATA_KEYS).map(|i| (format!("k{i}"), String::new())).collect(),
                1 => [("k".repeat(MAX_METADATA_KEY + 1 + len % 10), String::new())].into(),
                _ => [("k".to_owned(), "v".repeat(MAX_METADATA_VALUE + 1 + len))].into(),
            };
            let body = serde_json::json!({"reason": "duplicate", "metadata": metadata});
            let refused = NewRefund::from_json(body.to_string().as_bytes()).map_err(|e| (e.param, e.code));
            prop_assert_eq!(refused, Err(("metadata".to_owned(), "metadata_invalid")));
        }
    }
}
