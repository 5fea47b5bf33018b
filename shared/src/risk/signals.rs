//! The `risk` object of a create (`ip_address`, `device_id`, `user_agent`,
//! `shipping_address`, `account_created_at`, `ip_country`), checked field by field, and
//! the counted signal values of a create in one canonical form each, so that `Ana@X.co`
//! and `ana@x.co` are one e-mail and `+57 300 123 4567` and `573001234567` one phone.
//!
//! Creates come from the store's server: `ip_address` and `ip_country` are the shopper's
//! as the store saw them, never the address the request came from.

use super::signal::{Country, Signal};
use crate::voucher::{Customer, InvalidParam};
use serde_json::{Map, Value};
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Longest `risk.device_id`, `risk.user_agent` and `risk.shipping_address`, in characters.
pub const MAX_RISK_FIELD: usize = 500;

/// The shopper signals a merchant's backend may send on create. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskSignals {
    /// The shopper's IP address, canonical.
    pub ip_address: Option<IpAddr>,
    /// The store's device fingerprint.
    pub device_id: Option<String>,
    /// The shopper's browser, as sent.
    pub user_agent: Option<String>,
    /// Where the order ships, as one line.
    pub shipping_address: Option<String>,
    /// When the shopper's account at the store was opened.
    pub account_created_at: Option<OffsetDateTime>,
    /// The country of the shopper's IP, as the store's CDN reports it.
    pub ip_country: Option<Country>,
}

fn invalid(param: &str, code: &'static str, message: String) -> InvalidParam {
    InvalidParam {
        param: param.to_owned(),
        code,
        message,
    }
}

impl RiskSignals {
    /// Checks a create's `risk` value (absent or `null`: no signals).
    ///
    /// ```
    /// use vale_shared::risk::RiskSignals;
    /// let json = serde_json::json!({"ip_address": "203.0.113.9", "ip_country": "co"});
    /// let risk = RiskSignals::parse(Some(&json)).unwrap();
    /// assert_eq!(risk.ip_country.unwrap().as_str(), "CO");
    /// let bad = serde_json::json!({"ip_address": "300.1.1.1"});
    /// assert_eq!(RiskSignals::parse(Some(&bad)).unwrap_err().param, "risk.ip_address");
    /// ```
    pub fn parse(value: Option<&Value>) -> Result<RiskSignals, InvalidParam> {
        let fields: &Map<String, Value> = match value {
            None | Some(Value::Null) => return Ok(RiskSignals::default()),
            Some(Value::Object(fields)) => fields,
            Some(_) => {
                return Err(invalid(
                    "risk",
                    "parameter_invalid",
                    "risk must be an object.".into(),
                ));
            }
        };
        const KNOWN: [&str; 6] = [
            "ip_address",
            "device_id",
            "user_agent",
            "shipping_address",
            "account_created_at",
            "ip_country",
        ];
        if let Some(unknown) = fields.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(invalid(
                &format!("risk.{unknown}"),
                "parameter_unknown",
                "This parameter is not known.".into(),
            ));
        }
        let text = |name: &str| -> Result<Option<&str>, InvalidParam> {
            let param = format!("risk.{name}");
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s))
                    if !s.trim().is_empty() && s.chars().count() <= MAX_RISK_FIELD =>
                {
                    Ok(Some(s.as_str()))
                }
                Some(_) => Err(invalid(
                    &param,
                    "parameter_invalid",
                    format!(
                        "{param} must be a non-empty string of at most {MAX_RISK_FIELD} characters."
                    ),
                )),
            }
        };
        let ip_address = text("ip_address")?
            .map(|s| s.trim().parse::<IpAddr>())
            .transpose()
            .map_err(|_| {
                invalid(
                    "risk.ip_address",
                    "ip_address_invalid",
                    "risk.ip_address must be an IPv4 or IPv6 address.".into(),
                )
            })?;
        let account_created_at = text("account_created_at")?
            .map(|s| OffsetDateTime::parse(s, &Rfc3339))
            .transpose()
            .map_err(|_| {
                invalid(
                    "risk.account_created_at",
                    "parameter_invalid",
                    "risk.account_created_at must be an RFC 3339 time stamp.".into(),
                )
            })?;
        let ip_country = text("ip_country")?
            .map(Country::parse)
            .transpose()
            .map_err(|e| {
                invalid(
                    "risk.ip_country",
                    "ip_country_invalid",
                    format!("risk.ip_country: {e}."),
                )
            })?;
        Ok(RiskSignals {
            ip_address,
            device_id: text("device_id")?.map(str::to_owned),
            user_agent: text("user_agent")?.map(str::to_owned),
            shipping_address: text("shipping_address")?.map(str::to_owned),
            account_created_at,
            ip_country,
        })
    }

    /// The counted signals of a create, each value in canonical form; a signal the
    /// request lacks (or whose value is empty once canonical) is not there.
    ///
    /// ```
    /// use vale_shared::risk::{RiskSignals, Signal};
    /// use vale_shared::voucher::Customer;
    /// let customer = Customer { email: Some(" Ana@Example.CO ".into()),
    ///     document_type: Some("cc".into()), document_number: Some("1.020.304.050".into()),
    ///     ..Customer::default() };
    /// assert_eq!(RiskSignals::default().counted(&customer), vec![
    ///     (Signal::Email, "ana@example.co".to_owned()),
    ///     (Signal::Document, "CC:1020304050".to_owned()),
    /// ]);
    /// ```
    pub fn counted(&self, customer: &Customer) -> Vec<(Signal, String)> {
        let email = customer.email.as_deref().map(|e| e.trim().to_lowercase());
        let phone = customer
            .phone
            .as_deref()
            .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>());
        let document = match (&customer.document_type, &customer.document_number) {
            (Some(kind), Some(number)) => {
                let number: String = number
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_uppercase();
                Some(format!("{}:{number}", kind.trim().to_ascii_uppercase()))
                    .filter(|_| !number.is_empty())
            }
            _ => None,
        };
        let ip = self.ip_address.map(|ip| ip.to_canonical().to_string());
        let device = self.device_id.as_deref().map(|d| d.trim().to_owned());
        [
            (Signal::Email, email),
            (Signal::Phone, phone),
            (Signal::Document, document),
            (Signal::Ip, ip),
            (Signal::Device, device),
        ]
        .into_iter()
        .filter_map(|(signal, value)| value.filter(|v| !v.is_empty()).map(|v| (signal, v)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn param(value: Value) -> String {
        RiskSignals::parse(Some(&value)).unwrap_err().param
    }

    #[test]
    fn every_field_parses_and_bad_ones_are_named() {
        let all = json!({"ip_address": "2001:db8::1", "device_id": "dev-1", "user_agent": "UA",
            "shipping_address": "Cra 7 # 1-2, Bogotá", "account_created_at": "2026-12-01T10:00:00-05:00",
            "ip_country": "PE"});
        let risk = RiskSignals::parse(Some(&all)).unwrap();
        assert_eq!(risk.ip_address.unwrap().to_string(), "2001:db8::1");
        assert_eq!(
            risk.account_created_at.unwrap().unix_timestamp(),
            1_796_137_200
        );
        assert_eq!(RiskSignals::parse(None), Ok(RiskSignals::default()));
        assert_eq!(
            RiskSignals::parse(Some(&Value::Null)),
            Ok(RiskSignals::default())
        );
        assert_eq!(param(json!("1.2.3.4")), "risk");
        assert_eq!(param(json!({"ip": "1.2.3.4"})), "risk.ip");
        assert_eq!(param(json!({"ip_address": "localhost"})), "risk.ip_address");
        assert_eq!(param(json!({"ip_address": 7})), "risk.ip_address");
        assert_eq!(param(json!({"device_id": ""})), "risk.device_id");
        assert_eq!(
            param(json!({"user_agent": "x".repeat(501)})),
            "risk.user_agent"
        );
        assert_eq!(
            param(json!({"account_created_at": "yesterday"})),
            "risk.account_created_at"
        );
        assert_eq!(param(json!({"ip_country": "Colombia"})), "risk.ip_country");
    }

    #[test]
    fn counted_values_are_canonical_and_absent_ones_are_left_out() {
        let customer = Customer {
            phone: Some("+57 300 123-4567".into()),
            document_type: Some("CC".into()),
            document_number: Some(" - ".into()),
            ..Customer::default()
        };
        let risk = RiskSignals::parse(Some(
            &json!({"ip_address": "::ffff:203.0.113.9", "device_id": " d1 "}),
        ))
        .unwrap();
        assert_eq!(
            risk.counted(&customer),
            vec![
                (Signal::Phone, "573001234567".to_owned()),
                (Signal::Ip, "203.0.113.9".to_owned()),
                (Signal::Device, "d1".to_owned()),
            ]
        );
        assert!(
            RiskSignals::default()
                .counted(&Customer::default())
                .is_empty()
        );
    }
}
