//! The body of `POST /v1/refunds`, read strictly: each refusal names its field.

use crate::http::error::{ApiError, ApiResult};
use serde_json::{Map, Value};
use vale_shared::refund::Reason;

pub(super) fn invalid(param: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(param, code, message)
}

/// The create body: `voucher` (checked by the Worker), `amount?`, `reason`, `metadata?`,
/// `unexpected_payment?`.
pub(super) struct Create {
    pub(super) amount: Option<i64>,
    pub(super) reason: Reason,
    pub(super) metadata: String,
    pub(super) unexpected_payment: Option<u32>,
}

pub(super) fn parse_create(body: Option<&str>) -> ApiResult<Create> {
    let fields: Map<String, Value> = body
        .and_then(|b| serde_json::from_str(b).ok())
        .ok_or_else(|| invalid("body", "body_invalid", "The body must be a JSON object."))?;
    if let Some(unknown) = fields.keys().find(|k| {
        ![
            "voucher",
            "amount",
            "reason",
            "metadata",
            "unexpected_payment",
        ]
        .contains(&k.as_str())
    }) {
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
        None | Some(Value::Null) => "{}".to_owned(),
        Some(Value::Object(m))
            if m.len() <= 20
                && m.iter().all(|(k, v)| {
                    k.chars().count() <= 40 && v.as_str().is_some_and(|s| s.chars().count() <= 500)
                }) =>
        {
            Value::Object(m.clone()).to_string()
        }
        Some(_) => {
            return Err(invalid(
                "metadata",
                "metadata_invalid",
                "metadata must be at most 20 keys (≤ 40 characters) with string values (≤ 500).",
            ));
        }
    };
    let unexpected_payment = match fields.get("unexpected_payment") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| {
                    invalid(
                        "unexpected_payment",
                        "parameter_invalid",
                        "unexpected_payment is a 0-based index.",
                    )
                })?,
        ),
    };
    Ok(Create {
        amount,
        reason,
        metadata,
        unexpected_payment,
    })
}
