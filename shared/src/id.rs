//! Prefixed identifiers (`vch_…`, `mer_…`, `evt_…`, `we_…`), each its own type and
//! validated on parse, so that a payment code can never stand where a voucher id is wanted.
//!
//! The random part is 120 bits written as 24 characters of Crockford's lowercase base32:
//! no padding, no look-alike letters, safe in URLs and easy to read aloud.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Crockford's base32 alphabet, lowercase.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters in the random part of an id.
pub const RANDOM_LEN: usize = 24;

/// Encodes 15 random bytes as 24 base32 characters. Written by hand: it is eight lines and
/// the crates that do it bring padding and alphabets we would have to turn off.
fn encode(bytes: &[u8; 15]) -> String {
    let mut out = String::with_capacity(RANDOM_LEN);
    for chunk in bytes.chunks(5) {
        let bits = chunk
            .iter()
            .fold(0_u64, |acc, &b| (acc << 8) | u64::from(b));
        for shift in (0..8).rev() {
            let index = ((bits >> (shift * 5)) & 31) as usize;
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'0')));
        }
    }
    out
}

fn is_random_part(s: &str) -> bool {
    s.len() == RANDOM_LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// Why a string is not an id of the wanted kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid `{prefix}` id")]
pub struct IdError {
    /// The prefix that was expected, such as `vch_`.
    pub prefix: &'static str,
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        prefixed_id!($(#[$doc])* $name, $prefix, []);
    };
    ($(#[$doc:meta])* $name:ident, $prefix:literal, [$($fixed:literal),*]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new id from 15 random bytes (the caller owns the randomness); see the
            /// type's example.
            pub fn from_random(bytes: [u8; 15]) -> Self {
                $name(format!("{}{}", $prefix, encode(&bytes)))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.strip_prefix($prefix) {
                    Some(rest) if is_random_part(rest) => Ok($name(s.to_owned())),
                    $(Some(_) if s == $fixed => Ok($name(s.to_owned())),)*
                    _ => Err(IdError { prefix: $prefix }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

prefixed_id!(
    /// A voucher's id, `vch_…`.
    ///
    /// ```
    /// use vale_shared::VoucherId;
    /// let id = VoucherId::from_random([7; 15]);
    /// assert!(id.as_str().starts_with("vch_"));
    /// assert_eq!(id.as_str().parse::<VoucherId>(), Ok(id));
    /// assert!("evt_0123456789abcdefghjkmnpq".parse::<VoucherId>().is_err());
    /// ```
    VoucherId,
    "vch_"
);
prefixed_id!(
    /// A merchant's id, `mer_…`. The local development merchant is [`MerchantId::local`],
    /// the one id without a random part.
    ///
    /// ```
    /// use vale_shared::MerchantId;
    /// assert_eq!("mer_local".parse::<MerchantId>(), Ok(MerchantId::local()));
    /// assert!("mer_".parse::<MerchantId>().is_err());
    /// ```
    MerchantId,
    "mer_",
    ["mer_local"]
);
prefixed_id!(
    /// An outbound event's id, `evt_…`.
    EventId,
    "evt_"
);
prefixed_id!(
    /// A webhook endpoint's id, `we_…`.
    WebhookEndpointId,
    "we_"
);

impl MerchantId {
    /// `mer_local`, the one merchant of local development and the test suite. It is the
    /// only merchant id without a random part.
    ///
    /// ```
    /// assert_eq!(vale_shared::MerchantId::local().as_str(), "mer_local");
    /// ```
    pub fn local() -> Self {
        MerchantId("mer_local".to_owned())
    }
}

/// A voucher's client secret, `vch_…_secret_…`: the bearer token a storefront page uses to
/// read that one voucher's display view. It names its voucher, so the edge finds the
/// voucher without a lookup, then compares the whole secret in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// A new client secret for `voucher` from 15 random bytes.
    ///
    /// ```
    /// use vale_shared::{VoucherId, id::ClientSecret};
    /// let voucher = VoucherId::from_random([1; 15]);
    /// let secret = ClientSecret::new(&voucher, [2; 15]);
    /// assert_eq!(secret.voucher_id(), voucher);
    /// ```
    pub fn new(voucher: &VoucherId, random: [u8; 15]) -> Self {
        ClientSecret(format!("{voucher}_secret_{}", encode(&random)))
    }

    /// Parses a client secret presented as a bearer token.
    ///
    /// ```
    /// use vale_shared::id::ClientSecret;
    /// assert!(ClientSecret::parse("vch_0123456789abcdefghjkmnpq_secret_0123456789abcdefghjkmnpq").is_ok());
    /// assert!(ClientSecret::parse("sk_test_local").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let error = IdError { prefix: "vch_" };
        let (voucher, random) = s.split_once("_secret_").ok_or(error)?;
        voucher.parse::<VoucherId>()?;
        if is_random_part(random) {
            Ok(ClientSecret(s.to_owned()))
        } else {
            Err(error)
        }
    }

    /// The voucher this secret opens; see [`ClientSecret::new`].
    pub fn voucher_id(&self) -> VoucherId {
        let voucher = self.0.split_once("_secret_").map_or("", |(v, _)| v);
        VoucherId(voucher.to_owned())
    }

    /// The secret's text, to store or to hand to the storefront page.
    ///
    /// ```
    /// use vale_shared::{VoucherId, id::ClientSecret};
    /// let secret = ClientSecret::new(&VoucherId::from_random([1; 15]), [2; 15]);
    /// assert!(secret.expose().contains("_secret_"));
    /// assert_eq!(format!("{secret:?}"), "ClientSecret([REDACTED])");
    /// ```
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn encoding_is_crockford_base32() {
        assert_eq!(encode(&[0; 15]), "000000000000000000000000");
        assert_eq!(encode(&[0xff; 15]), "zzzzzzzzzzzzzzzzzzzzzzzz");
        let mut one = [0; 15];
        one[4] = 1;
        assert_eq!(&encode(&one)[..8], "00000001");
    }

    #[test]
    fn client_secret_never_prints() {
        let secret = ClientSecret::new(&VoucherId::from_random([3; 15]), [4; 15]);
        assert_eq!(format!("{secret:?}"), "ClientSecret([REDACTED])");
    }

    proptest! {
        #[test]
        fn ids_round_trip(bytes in any::<[u8; 15]>()) {
            let id = VoucherId::from_random(bytes);
            prop_assert_eq!(id.as_str().len(), 4 + RANDOM_LEN);
            prop_assert_eq!(id.as_str().parse::<VoucherId>(), Ok(id.clone()));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<VoucherId>(&json).unwrap(), id);
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,64}") {
            let _ = text.parse::<VoucherId>();
            let _ = ClientSecret::parse(&text);
            let _ = text.parse::<MerchantId>();
        }
    }
}
