//! [`PaymentCode`]: the code a shopper gives at the counter (an Efecty reference, a
//! PagoEfectivo CIP), as a type. Built only by a network's generator
//! ([`Network::payment_code`]) or checked against a network's form
//! ([`PaymentCode::parse`]); shown and serialised as the same text it always was.

use super::Network;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A payment code of a network's form: 12 digits with a Luhn check digit (Efecty), 5 to
/// 20 digits with no leading zero (PagoEfectivo's CIP).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PaymentCode(String);

/// Text that is no network's payment code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a payment code of {network:?}'s form")]
pub struct InvalidPaymentCode {
    /// The network whose form was asked for (the first tried, when any would do).
    pub network: Network,
}

impl PaymentCode {
    /// A code the network's own generator made (its form holds by construction).
    pub(crate) const fn issued(code: String) -> PaymentCode {
        PaymentCode(code)
    }

    /// `text` as a payment code of `network`.
    ///
    /// ```
    /// use vale_shared::{Network, networks::PaymentCode};
    /// let code = PaymentCode::parse(Network::Efecty, "100000000420")?;
    /// assert_eq!(code.to_string(), "100000000420");
    /// assert!(PaymentCode::parse(Network::Efecty, "100000000421").is_err());
    /// assert!(PaymentCode::parse(Network::Pagoefectivo, "0592254").is_err());
    /// # Ok::<(), vale_shared::networks::InvalidPaymentCode>(())
    /// ```
    pub fn parse(network: Network, text: &str) -> Result<PaymentCode, InvalidPaymentCode> {
        if network.is_payment_code(text) {
            Ok(PaymentCode(text.to_owned()))
        } else {
            Err(InvalidPaymentCode { network })
        }
    }

    /// The code's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code's text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PaymentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PaymentCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<PaymentCode> for String {
    fn from(code: PaymentCode) -> String {
        code.0
    }
}

/// Read back from the wire or storage, where the network is not beside it: text of any
/// network's form.
impl TryFrom<String> for PaymentCode {
    type Error = InvalidPaymentCode;

    fn try_from(text: String) -> Result<PaymentCode, InvalidPaymentCode> {
        if Network::ALL.iter().any(|n| n.is_payment_code(&text)) {
            Ok(PaymentCode(text))
        } else {
            Err(InvalidPaymentCode {
                network: Network::Efecty,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn serialises_as_the_bare_text() {
        let code = Network::Efecty.payment_code(42u64.to_le_bytes());
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"100000000420\"");
        assert_eq!(
            serde_json::from_str::<PaymentCode>("\"100000000420\"").unwrap(),
            code
        );
        for bad in ["\"\"", "\"0123456\"", "\"12 34\"", "\"1234\"", "12345"] {
            assert!(serde_json::from_str::<PaymentCode>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_code_is_checked_against_its_own_network() {
        // A CIP of 10 digits is no Efecty reference; a reference is CIP-shaped.
        assert!(PaymentCode::parse(Network::Efecty, "1000000000").is_err());
        assert!(PaymentCode::parse(Network::Pagoefectivo, "1000000000").is_ok());
        assert!(PaymentCode::parse(Network::Pagoefectivo, "100000000420").is_ok());
        assert!(PaymentCode::parse(Network::Pagoefectivo, "1234").is_err());
        assert!(PaymentCode::parse(Network::Pagoefectivo, &"9".repeat(21)).is_err());
        assert!(PaymentCode::parse(Network::Pagoefectivo, &"9".repeat(20)).is_ok());
    }

    proptest! {
        /// Round trip: text, `Display`, JSON and back, for CIPs of every allowed length.
        #[test]
        fn cips_of_every_length_round_trip(cip in "[1-9][0-9]{4,19}") {
            let code = PaymentCode::parse(Network::Pagoefectivo, &cip).unwrap();
            prop_assert_eq!(code.to_string(), cip.clone());
            let json = serde_json::to_string(&code).unwrap();
            prop_assert_eq!(&json, &format!("\"{cip}\""));
            prop_assert_eq!(serde_json::from_str::<PaymentCode>(&json).unwrap(), code);
        }

        #[test]
        fn references_round_trip(random in any::<[u8; 8]>()) {
            let code = Network::Efecty.payment_code(random);
            let shown = format!("{code}");
            prop_assert_eq!(PaymentCode::parse(Network::Efecty, &shown), Ok(code.clone()));
            prop_assert_eq!(String::from(code.clone()), code.as_str().to_owned());
        }
    }
}
