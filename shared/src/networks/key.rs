//! [`NetworkKey`]: the key a voucher stores what a network reported under (a payment, an
//! expiry, a settlement line's row), as a type whose `Display` is the exact text stored
//! and compared since the first notification (`efecty:<authorization>`,
//! `pagoefectivo:cip.paid:<operationNumber>`, …). One payment is one key whichever road
//! reported it ([`crate::payment`]).

use crate::payment::{
    EFECTY_PREFIX, PAGOEFECTIVO_EXPIRED, PAGOEFECTIVO_PREFIX, PaymentIdentity, SEARCH_EXPIRED,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const SETTLEMENT_LINE: &str = "settlement:";

/// What a network reported, as the key a voucher stores it under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NetworkKey {
    /// A payment, by its identity: `efecty:<authorization>`,
    /// `pagoefectivo:cip.paid:<operationNumber>`.
    Payment(PaymentIdentity),
    /// A PagoEfectivo `cip.expired` notification: `pagoefectivo:cip.expired:<operationNumber>`.
    Expired(String),
    /// An expiry PagoEfectivo's own record reported for a code:
    /// `pagoefectivo:search.expired:<code>`.
    SearchedExpiry(String),
    /// The row of a payment a settlement line recorded (names no payment):
    /// `settlement:<settlement id>:<line>`.
    SettlementLine {
        /// The settlement's id.
        settlement: String,
        /// The line's number in its file.
        line: usize,
    },
}

/// Text that is no network key, or not in the form one is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a network key")]
pub struct InvalidNetworkKey;

impl NetworkKey {
    /// An Efecty payment's key, from its `authorization`.
    ///
    /// ```
    /// use vale_shared::networks::NetworkKey;
    /// assert_eq!(NetworkKey::efecty("A123456").to_string(), "efecty:A123456");
    /// ```
    pub fn efecty(authorization: impl Into<String>) -> NetworkKey {
        NetworkKey::Payment(PaymentIdentity::Efecty(authorization.into()))
    }

    /// A PagoEfectivo payment's key, from a `cip.paid`'s `operationNumber`.
    ///
    /// ```
    /// use vale_shared::networks::NetworkKey;
    /// assert_eq!(NetworkKey::pagoefectivo_paid("88").to_string(), "pagoefectivo:cip.paid:88");
    /// ```
    pub fn pagoefectivo_paid(operation_number: impl Into<String>) -> NetworkKey {
        NetworkKey::Payment(PaymentIdentity::Pagoefectivo(operation_number.into()))
    }

    /// The payment it names, if it names one.
    pub const fn payment(&self) -> Option<&PaymentIdentity> {
        match self {
            NetworkKey::Payment(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for NetworkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkKey::Payment(PaymentIdentity::Efecty(id)) => write!(f, "{EFECTY_PREFIX}{id}"),
            NetworkKey::Payment(PaymentIdentity::Pagoefectivo(id)) => {
                write!(f, "{PAGOEFECTIVO_PREFIX}{id}")
            }
            NetworkKey::Expired(op) => write!(f, "{PAGOEFECTIVO_EXPIRED}{op}"),
            NetworkKey::SearchedExpiry(code) => write!(f, "{SEARCH_EXPIRED}{code}"),
            NetworkKey::SettlementLine { settlement, line } => {
                write!(f, "{SETTLEMENT_LINE}{settlement}:{line}")
            }
        }
    }
}

impl FromStr for NetworkKey {
    type Err = InvalidNetworkKey;

    /// Reads a key back; only the text [`Display`](fmt::Display) writes is accepted.
    fn from_str(text: &str) -> Result<NetworkKey, InvalidNetworkKey> {
        let nonempty = |rest: &str| (!rest.is_empty()).then(|| rest.to_owned());
        let key = if let Some(id) = PaymentIdentity::parse_key(text) {
            NetworkKey::Payment(id)
        } else if let Some(op) = text.strip_prefix(PAGOEFECTIVO_EXPIRED).and_then(nonempty) {
            NetworkKey::Expired(op)
        } else if let Some(code) = text.strip_prefix(SEARCH_EXPIRED).and_then(nonempty) {
            NetworkKey::SearchedExpiry(code)
        } else {
            let (settlement, line) = text
                .strip_prefix(SETTLEMENT_LINE)
                .and_then(|rest| rest.rsplit_once(':'))
                .filter(|(settlement, _)| !settlement.is_empty())
                .ok_or(InvalidNetworkKey)?;
            NetworkKey::SettlementLine {
                settlement: settlement.to_owned(),
                line: line.parse().map_err(|_| InvalidNetworkKey)?,
            }
        };
        // "settlement:s:+3" and "settlement:s:03" name line 3 but are not its key.
        if key.to_string() == text {
            Ok(key)
        } else {
            Err(InvalidNetworkKey)
        }
    }
}

impl From<NetworkKey> for String {
    fn from(key: NetworkKey) -> String {
        key.to_string()
    }
}

impl TryFrom<String> for NetworkKey {
    type Error = InvalidNetworkKey;

    fn try_from(text: String) -> Result<NetworkKey, InvalidNetworkKey> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::{expiry_key, searched_expiry_key};
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The strings are the ones stored in every voucher since the first notification.
    #[test]
    fn keys_are_the_texts_stored_before_the_type() {
        let cases = [
            (NetworkKey::efecty("A1"), "efecty:A1"),
            (
                NetworkKey::pagoefectivo_paid("8891234"),
                "pagoefectivo:cip.paid:8891234",
            ),
            (
                NetworkKey::Expired("e1".into()),
                "pagoefectivo:cip.expired:e1",
            ),
            (
                NetworkKey::SearchedExpiry("123".into()),
                "pagoefectivo:search.expired:123",
            ),
            (
                NetworkKey::SettlementLine {
                    settlement: "stl_x".into(),
                    line: 3,
                },
                "settlement:stl_x:3",
            ),
        ];
        for (key, text) in cases {
            assert_eq!(key.to_string(), text);
            assert_eq!(text.parse::<NetworkKey>(), Ok(key.clone()));
            assert_eq!(serde_json::to_string(&key).unwrap(), format!("\"{text}\""));
        }
        assert_eq!(
            expiry_key("e1"),
            NetworkKey::Expired("e1".into()).to_string()
        );
        assert_eq!(
            searched_expiry_key("123"),
            NetworkKey::SearchedExpiry("123".into()).to_string()
        );
        assert_eq!(
            PaymentIdentity::Efecty("A1".into()).key(),
            NetworkKey::efecty("A1").to_string()
        );
    }

    #[test]
    fn text_in_no_key_form_is_refused() {
        for bad in [
            "",
            "efecty:",
            "pagoefectivo:cip.paid:",
            "pagoefectivo:cip.expired:",
            "pagoefectivo:search.expired:",
            "pagoefectivo:other:1",
            "settlement:",
            "settlement::3",
            "settlement:stl_x",
            "settlement:stl_x:",
            "settlement:stl_x:+3",
            "settlement:stl_x:03",
            "settlement:stl_x:-1",
            "Efecty:A1",
        ] {
            assert_eq!(bad.parse::<NetworkKey>(), Err(InvalidNetworkKey), "{bad}");
        }
    }

    fn any_key() -> impl Strategy<Value = NetworkKey> {
        let id = "[!-~]{1,64}";
        prop_oneof![
            id.prop_map(NetworkKey::efecty),
            id.prop_map(NetworkKey::pagoefectivo_paid),
            id.prop_map(NetworkKey::Expired),
            id.prop_map(NetworkKey::SearchedExpiry),
            (id, any::<usize>())
                .prop_map(|(settlement, line)| NetworkKey::SettlementLine { settlement, line }),
        ]
    }

    proptest! {
        /// Round trip: every key, of identities of every length, reads back as itself
        /// from its text and from JSON.
        #[test]
        fn every_key_round_trips(key in any_key()) {
            let text = key.to_string();
            prop_assert_eq!(text.parse::<NetworkKey>(), Ok(key.clone()));
            let json = serde_json::to_string(&key).unwrap();
            prop_assert_eq!(serde_json::from_str::<NetworkKey>(&json).unwrap(), key);
        }
    }
}
