//! The merchant's `POST /v1/vouchers` body, checked field by field so that a `400` names
//! the parameter, and the pending voucher issued from it.

use super::Customer;
use crate::expiry::{self, ExpiryError};
use crate::money::{Currency, Money};
use crate::network::{Limits, Network};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Longest `reference`, in characters.
pub const MAX_REFERENCE: usize = 64;
/// Longest `description`, in characters.
pub const MAX_DESCRIPTION: usize = 120;
/// Longest `return_url`, in bytes.
pub const MAX_RETURN_URL: usize = 2048;
/// Most `metadata` keys.
pub const MAX_METADATA_KEYS: usize = 20;
const MAX_METADATA_KEY: usize = 40;
const MAX_METADATA_VALUE: usize = 500;
const MAX_CUSTOMER_FIELD: usize = 200;

/// A create request that passed every check; what remains is to give it an id and codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVoucher {
    /// The cash network.
    pub network: Network,
    /// What the shopper pays, within limits and cash-exact.
    pub amount: Money,
    /// The merchant's order id.
    pub reference: String,
    /// Shown on the voucher.
    pub description: Option<String>,
    /// The deadline, in the network's offset.
    pub expires_at: OffsetDateTime,
    /// Who pays.
    pub customer: Customer,
    /// The merchant's own keys and values.
    pub metadata: BTreeMap<String, String>,
    /// Where the voucher's "back to the store" button leads.
    pub return_url: Option<String>,
    /// The shopper signals for risk rules (`risk`), never stored with the voucher.
    pub risk: crate::risk::RiskSignals,
}

/// A request field that was refused: the API answers `400` naming `param`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {message}")]
pub struct InvalidParam {
    /// The offending field, dotted for nested ones (`customer.email`, `metadata.k`).
    pub param: String,
    /// A snake_case code, such as `parameter_missing` or `amount_too_small`.
    pub code: &'static str,
    /// A sentence a developer can act on.
    pub message: String,
}

fn invalid(param: &str, code: &'static str, message: impl Into<String>) -> InvalidParam {
    InvalidParam {
        param: param.to_owned(),
        code,
        message: message.into(),
    }
}

impl NewVoucher {
    /// Checks a `POST /v1/vouchers` body field by field. `livemode` is the key's mode
    /// (live vouchers need an `https://` return URL); `limits` gives the merchant's amount
    /// limits for a network and currency (`None` when it takes none).
    ///
    /// ```
    /// use time::macros::datetime;
    /// use vale_shared::{Network, voucher::NewVoucher};
    /// let body = br#"{"network": "efecty", "amount": 5000000, "currency": "COP", "reference": "order-1001"}"#;
    /// let now = datetime!(2026-11-22 12:00 UTC);
    /// let limits = |n: Network, c| n.default_limits(c).map(|(min, max)| vale_shared::network::Limits { min, max });
    /// let voucher = NewVoucher::from_json(body, now, false, limits)?;
    /// assert_eq!(voucher.amount.minor(), 5_000_000);
    ///
    /// let bad = br#"{"network": "efecty", "amount": 5000050, "currency": "COP", "reference": "order-1001"}"#;
    /// assert_eq!(NewVoucher::from_json(bad, now, false, limits).unwrap_err().param, "amount");
    /// # Ok::<(), vale_shared::voucher::InvalidParam>(())
    /// ```
    pub fn from_json(
        body: &[u8],
        now: OffsetDateTime,
        livemode: bool,
        limits: impl Fn(Network, Currency) -> Option<Limits>,
    ) -> Result<NewVoucher, InvalidParam> {
        Self::from_json_at_least(body, now, livemode, expiry::MIN_LIFETIME, limits)
    }

    /// [`NewVoucher::from_json`] with another shortest lifetime for `expires_at` (an edge's
    /// test setting; the contract's is [`expiry::MIN_LIFETIME`]).
    pub fn from_json_at_least(
        body: &[u8],
        now: OffsetDateTime,
        livemode: bool,
        min_lifetime: time::Duration,
        limits: impl Fn(Network, Currency) -> Option<Limits>,
    ) -> Result<NewVoucher, InvalidParam> {
        const KNOWN: [&str; 10] = [
            "network",
            "amount",
            "currency",
            "reference",
            "description",
            "expires_at",
            "customer",
            "metadata",
            "return_url",
            "risk",
        ];
        let fields = fields(body, &KNOWN)?;

        let network: Network = required_str(&fields, "network")?.parse().map_err(|_| {
            invalid(
                "network",
                "network_invalid",
                "network must be `efecty` or `pagoefectivo`.",
            )
        })?;
        let currency: Currency = required_str(&fields, "currency")?.parse().map_err(|_| {
            invalid(
                "currency",
                "currency_invalid",
                "currency must be COP, PEN or USD.",
            )
        })?;
        if !network.accepts(currency) {
            return Err(invalid(
                "currency",
                "currency_not_accepted",
                format!("{} does not take {}.", network.brand(), currency.code()),
            ));
        }
        let amount = parse_amount(fields.get("amount"), network, currency, &limits)?;

        let reference = required_str(&fields, "reference")?;
        if !is_valid_reference(reference) {
            return Err(invalid(
                "reference",
                "reference_invalid",
                "reference must be 1 to 64 of A-Z, a-z, 0-9, `_` and `-`.",
            ));
        }

        let description = optional_str(&fields, "description")?;
        if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
            return Err(invalid(
                "description",
                "description_too_long",
                "description must be at most 120 characters.",
            ));
        }

        let expires_at = expires_at(
            optional_str(&fields, "expires_at")?,
            network,
            now,
            min_lifetime,
        )?;

        let customer = parse_customer(fields.get("customer"))?;
        let metadata = parse_metadata(fields.get("metadata"))?;
        let risk = crate::risk::RiskSignals::parse(fields.get("risk"))?;
        let return_url = optional_str(&fields, "return_url")?;
        if let Some(url) = return_url {
            check_return_url(url, livemode)?;
        }
        Ok(NewVoucher {
            network,
            amount,
            reference: reference.to_owned(),
            description: description.map(str::to_owned),
            expires_at,
            customer,
            metadata,
            return_url: return_url.map(str::to_owned),
            risk,
        })
    }
}

/// A JSON object body whose keys are all `known` (else `400` naming the first unknown).
pub(crate) fn fields(body: &[u8], known: &[&str]) -> Result<Map<String, Value>, InvalidParam> {
    let fields: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|_| invalid("body", "body_invalid", "The body must be a JSON object."))?;
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(
            unknown,
            "parameter_unknown",
            "This parameter is not known.",
        ));
    }
    Ok(fields)
}

/// The deadline of a voucher of `network` asked for at `now` (`requested`, RFC 3339, or
/// the network's default when `None`): 15 minutes (or `min_lifetime`) to 30 days ahead,
/// moved to the end of its Bogotá day on Efecty. A refusal names `expires_at`.
pub(super) fn expires_at(
    requested: Option<&str>,
    network: Network,
    now: OffsetDateTime,
    min_lifetime: time::Duration,
) -> Result<OffsetDateTime, InvalidParam> {
    let requested = requested
        .map(|text| {
            OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(
                |_| {
                    invalid(
                        "expires_at",
                        "expires_at_invalid",
                        "expires_at must be RFC 3339.",
                    )
                },
            )
        })
        .transpose()?;
    expiry::deadline_at_least(network, requested, now, min_lifetime).map_err(|e| {
        let code = match e {
            ExpiryError::TooSoon => "expires_at_too_soon",
            ExpiryError::TooLate => "expires_at_too_late",
        };
        invalid("expires_at", code, e.to_string())
    })
}

/// A return URL is an absolute `https://` URL (`http://` too in test mode) with a host,
/// at most 2,048 bytes, with no spaces or control characters.
fn check_return_url(url: &str, livemode: bool) -> Result<(), InvalidParam> {
    let bad = |message: &str| Err(invalid("return_url", "return_url_invalid", message));
    if url.len() > MAX_RETURN_URL {
        return bad("return_url must be at most 2,048 characters.");
    }
    let rest = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if !livemode => rest,
        (None, Some(_)) => return bad("return_url must be https:// in live mode."),
        (None, None) => return bad("return_url must be an absolute http(s):// URL."),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("return_url must be an absolute URL with a host and no spaces.");
    }
    Ok(())
}

/// Whether `reference` is a merchant order id the API takes: 1 to 64 of `[A-Za-z0-9_-]`.
///
/// ```
/// use vale_shared::voucher::is_valid_reference;
/// assert!(is_valid_reference("order-1001_b"));
/// assert!(!is_valid_reference("order 1001"));
/// assert!(!is_valid_reference(""));
/// ```
pub fn is_valid_reference(reference: &str) -> bool {
    !reference.is_empty()
        && reference.len() <= MAX_REFERENCE
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) fn required_str<'a>(
    fields: &'a Map<String, Value>,
    param: &str,
) -> Result<&'a str, InvalidParam> {
    optional_str(fields, param)?
        .ok_or_else(|| invalid(param, "parameter_missing", format!("{param} is required.")))
}

pub(crate) fn optional_str<'a>(
    fields: &'a Map<String, Value>,
    param: &str,
) -> Result<Option<&'a str>, InvalidParam> {
    match fields.get(param) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(
            param,
            "parameter_invalid",
            format!("{param} must be a string."),
        )),
    }
}

fn parse_amount(
    value: Option<&Value>,
    network: Network,
    currency: Currency,
    limits: &impl Fn(Network, Currency) -> Option<Limits>,
) -> Result<Money, InvalidParam> {
    let minor = match value {
        None | Some(Value::Null) => {
            return Err(invalid(
                "amount",
                "parameter_missing",
                "amount is required.",
            ));
        }
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    let amount = minor
        .and_then(|m| Money::new(m, currency).ok())
        .ok_or_else(|| {
            invalid(
                "amount",
                "amount_invalid",
                "amount must be a whole number of minor units, ≥ 0.",
            )
        })?;
    if !amount.is_cash_exact() {
        return Err(invalid(
            "amount",
            "amount_not_cash_exact",
            "COP amounts must be whole pesos (a multiple of 100): cash takes no centavos.",
        ));
    }
    let limits = limits(network, currency).ok_or_else(|| {
        invalid(
            "currency",
            "currency_not_accepted",
            "This merchant takes no such currency.",
        )
    })?;
    if amount.minor() < limits.min {
        return Err(invalid(
            "amount",
            "amount_too_small",
            format!(
                "amount must be at least {} for {}.",
                limits.min,
                network.brand()
            ),
        ));
    }
    if amount.minor() > limits.max {
        return Err(invalid(
            "amount",
            "amount_too_large",
            format!(
                "amount must be at most {} for {}.",
                limits.max,
                network.brand()
            ),
        ));
    }
    Ok(amount)
}

fn parse_customer(value: Option<&Value>) -> Result<Customer, InvalidParam> {
    let fields = match value {
        None | Some(Value::Null) => return Ok(Customer::default()),
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            return Err(invalid(
                "customer",
                "parameter_invalid",
                "customer must be an object.",
            ));
        }
    };
    const KNOWN: [&str; 5] = ["name", "email", "phone", "document_type", "document_number"];
    if let Some(unknown) = fields.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        let param = format!("customer.{unknown}");
        return Err(invalid(
            &param,
            "parameter_unknown",
            "This parameter is not known.",
        ));
    }
    let field = |name: &str| -> Result<Option<String>, InvalidParam> {
        let param = format!("customer.{name}");
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= MAX_CUSTOMER_FIELD => {
                Ok(Some(s.clone()))
            }
            Some(_) => Err(invalid(
                &param,
                "parameter_invalid",
                format!("{param} must be a string of at most 200 characters."),
            )),
        }
    };
    let customer = Customer {
        name: field("name")?,
        email: field("email")?,
        phone: field("phone")?,
        document_type: field("document_type")?,
        document_number: field("document_number")?,
    };
    if customer.email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(invalid(
            "customer.email",
            "email_invalid",
            "customer.email is not an e-mail.",
        ));
    }
    Ok(customer)
}

pub(crate) fn parse_metadata(
    value: Option<&Value>,
) -> Result<BTreeMap<String, String>, InvalidParam> {
    let fields = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            return Err(invalid(
                "metadata",
                "parameter_invalid",
                "metadata must be an object.",
            ));
        }
    };
    if fields.len() > MAX_METADATA_KEYS {
        return Err(invalid(
            "metadata",
            "metadata_too_many_keys",
            "metadata takes at most 20 keys.",
        ));
    }
    fields
        .iter()
        .map(|(key, value)| match value {
            Value::String(text)
                if !key.is_empty()
                    && key.chars().count() <= MAX_METADATA_KEY
                    && text.chars().count() <= MAX_METADATA_VALUE =>
            {
                Ok((key.clone(), text.clone()))
            }
            _ => Err(invalid(
                &format!("metadata.{key}"),
                "metadata_invalid",
                "metadata keys are 1 to 40 characters and values strings of at most 500.",
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn limits(network: Network, currency: Currency) -> Option<Limits> {
        network
            .default_limits(currency)
            .map(|(min, max)| Limits { min, max })
    }

    fn check(body: &str) -> Result<NewVoucher, InvalidParam> {
        NewVoucher::from_json(body.as_bytes(), NOW, false, limits)
    }

    fn param_of(body: &str) -> (String, &'static str) {
        let e = check(body).unwrap_err();
        (e.param, e.code)
    }

    #[test]
    fn a_risk_object_is_taken_and_its_bad_fields_are_named() {
        let ok = r#""network":"pagoefectivo","amount":2550,"currency":"PEN","reference":"r1""#;
        let v = check(&format!(
            r#"{{{ok},"risk":{{"ip_address":"203.0.113.9","ip_country":"PE"}}}}"#
        ))
        .unwrap();
        assert_eq!(
            v.risk.ip_country.map(|c| c.as_str().to_owned()),
            Some("PE".into())
        );
        assert_eq!(
            param_of(&format!(r#"{{{ok},"risk":{{"ip_country":"PER"}}}}"#)),
            ("risk.ip_country".to_owned(), "ip_country_invalid")
        );
    }

    #[test]
    fn a_full_request_passes() {
        let v = check(
            r#"{"network":"pagoefectivo","amount":2550,"currency":"PEN","reference":"A-1_b",
                "description":"Pedido 1","expires_at":"2026-11-23T12:00:00Z",
                "customer":{"name":"Ana","email":"ana@example.pe","document_type":"DNI"},
                "metadata":{"order":"1"}}"#,
        )
        .unwrap();
        assert_eq!(v.amount, Money::new(2550, Currency::Pen).unwrap());
        assert_eq!(v.expires_at, datetime!(2026-11-23 07:00 -5));
        assert_eq!(v.return_url, None);
        assert_eq!(v.customer.document_type.as_deref(), Some("DNI"));
        assert_eq!(v.metadata.get("order").map(String::as_str), Some("1"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let ok = r#""network":"efecty","currency":"COP","reference":"r1""#;
        let cases = [
            ("not json", "body", "body_invalid"),
            ("[]", "body", "body_invalid"),
            (
                r#"{"currency":"COP","amount":500000,"reference":"r"}"#,
                "network",
                "parameter_missing",
            ),
            (
                r#"{"network":"oxxo","currency":"COP","amount":500000,"reference":"r"}"#,
                "network",
                "network_invalid",
            ),
            (
                r#"{"network":"efecty","currency":"PEN","amount":500000,"reference":"r"}"#,
                "currency",
                "currency_not_accepted",
            ),
            (&format!(r#"{{{ok}}}"#), "amount", "parameter_missing"),
            (
                &format!(r#"{{{ok},"amount":50000.5}}"#),
                "amount",
                "amount_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":"500000"}}"#),
                "amount",
                "amount_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":-500000}}"#),
                "amount",
                "amount_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":500050}}"#),
                "amount",
                "amount_not_cash_exact",
            ),
            (
                &format!(r#"{{{ok},"amount":400000}}"#),
                "amount",
                "amount_too_small",
            ),
            (
                &format!(r#"{{{ok},"amount":400000100}}"#),
                "amount",
                "amount_too_large",
            ),
            (
                r#"{"network":"efecty","currency":"COP","amount":500000,"reference":"a b"}"#,
                "reference",
                "reference_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"expires_at":"tomorrow"}}"#),
                "expires_at",
                "expires_at_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"expires_at":"2026-11-22T12:10:00Z"}}"#),
                "expires_at",
                "expires_at_too_soon",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"expires_at":"2027-01-22T12:10:00Z"}}"#),
                "expires_at",
                "expires_at_too_late",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"customer":{{"email":"nope"}}}}"#),
                "customer.email",
                "email_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"customer":{{"age":3}}}}"#),
                "customer.age",
                "parameter_unknown",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"metadata":{{"k":1}}}}"#),
                "metadata.k",
                "metadata_invalid",
            ),
            (
                &format!(r#"{{{ok},"amount":500000,"extra":1}}"#),
                "extra",
                "parameter_unknown",
            ),
        ];
        for (body, param, code) in cases {
            assert_eq!(param_of(body), (param.to_owned(), code), "{body}");
        }
    }

    #[test]
    fn return_urls_are_absolute_and_https_when_live() {
        let body = |url: &str| {
            format!(
                r#"{{"network":"efecty","amount":5000000,"currency":"COP","reference":"r","return_url":"{url}"}}"#
            )
        };
        let live = |url: &str| NewVoucher::from_json(body(url).as_bytes(), NOW, true, limits);
        let test = |url: &str| NewVoucher::from_json(body(url).as_bytes(), NOW, false, limits);
        assert_eq!(
            live("https://tienda.example/pedido/1")
                .unwrap()
                .return_url
                .as_deref(),
            Some("https://tienda.example/pedido/1")
        );
        assert!(test("http://127.0.0.1:3000/pedido").is_ok());
        for bad in [
            "http://tienda.example/",
            "/pedido",
            "https://",
            "javascript:alert(1)",
            "https://a b",
        ] {
            assert_eq!(live(bad).unwrap_err().param, "return_url", "{bad}");
        }
        assert!(test(&format!("https://t.example/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn voucher_json_carries_amount_and_currency_side_by_side() {
        let v = check(r#"{"network":"efecty","amount":5000000,"currency":"COP","reference":"r"}"#)
            .unwrap();
        let json = serde_json::to_value(v.amount).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"amount": 5000000, "currency": "COP"})
        );
    }

    proptest! {
        #[test]
        fn create_never_panics(body in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = NewVoucher::from_json(&body, NOW, true, limits);
        }
    }
}
