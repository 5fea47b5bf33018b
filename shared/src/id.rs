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
    /// A merchant's id, `mer_…`. The local development merchants, [`MerchantId::local`]
    /// and the marketplace platform [`MerchantId::platform`], are the ids without a
    /// random part.
    ///
    /// ```
    /// use vale_shared::MerchantId;
    /// assert_eq!("mer_local".parse::<MerchantId>(), Ok(MerchantId::local()));
    /// assert!("mer_".parse::<MerchantId>().is_err());
    /// ```
    MerchantId,
    "mer_",
    ["mer_local", "mer_platform"]
);
prefixed_id!(
    /// An outbound event's id, `evt_…`.
    EventId,
    "evt_"
);
prefixed_id!(
    /// A notification's id in a voucher's audit trail, `ntf_…`.
    NotificationId,
    "ntf_"
);
prefixed_id!(
    /// A settlement's id, `stl_…`: derived from the file (the same file twice is the same
    /// settlement).
    SettlementId,
    "stl_"
);
prefixed_id!(
    /// A webhook endpoint's id, `we_…`.
    WebhookEndpointId,
    "we_"
);
prefixed_id!(
    /// A marketplace seller's account id, `acct_…` (issue #23).
    ///
    /// ```
    /// use vale_shared::id::AccountId;
    /// let id = AccountId::from_random([3; 15]);
    /// assert!(id.as_str().starts_with("acct_"));
    /// assert_eq!(id.as_str().parse::<AccountId>(), Ok(id));
    /// assert!("acct_".parse::<AccountId>().is_err());
    /// ```
    AccountId,
    "acct_"
);
prefixed_id!(
    /// A seller payout's id, `po_…`.
    PayoutId,
    "po_"
);
prefixed_id!(
    /// A balance transaction's id, `txn_…`: derived from what it books
    /// ([`TransactionId::derive`]), so booking the same thing twice is the same row.
    TransactionId,
    "txn_"
);

impl PayoutId {
    /// The id of the scheduled payout of `account` for `day` in `currency`: the end-of-day
    /// run that asks twice makes one payout.
    ///
    /// ```
    /// use vale_shared::id::{AccountId, PayoutId};
    /// let a = AccountId::from_random([1; 15]);
    /// assert_eq!(PayoutId::scheduled(&a, "2026-12-07", "COP"), PayoutId::scheduled(&a, "2026-12-07", "COP"));
    /// assert_ne!(PayoutId::scheduled(&a, "2026-12-07", "COP"), PayoutId::scheduled(&a, "2026-12-08", "COP"));
    /// ```
    pub fn scheduled(account: &AccountId, day: &str, currency: &str) -> PayoutId {
        PayoutId::from_random(digest15(&format!(
            "vale/scheduled-payout/v1/{account}/{day}/{currency}"
        )))
    }
}

/// The first 15 bytes of SHA-256 of `text`: the random part of a derived id.
fn digest15(text: &str) -> [u8; 15] {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut bytes = [0_u8; 15];
    for (to, from) in bytes.iter_mut().zip(digest.iter()) {
        *to = *from;
    }
    bytes
}

impl TransactionId {
    /// The id of the balance transaction that books `what` (its kind, its source and
    /// the party, as one text the ledger builds): the same text is always the same id.
    ///
    /// ```
    /// use vale_shared::id::TransactionId;
    /// let a = TransactionId::derive("payment/vch_x/0/acct_y");
    /// assert_eq!(a, TransactionId::derive("payment/vch_x/0/acct_y"));
    /// assert_ne!(a, TransactionId::derive("payment/vch_x/1/acct_y"));
    /// ```
    pub fn derive(what: &str) -> TransactionId {
        TransactionId::from_random(digest15(&format!("vale/balance-transaction/v1/{what}")))
    }
}

impl VoucherId {
    /// The id of the voucher a create with this `Idempotency-Key` makes: derived under the
    /// edge's key from the merchant, the mode and the key, so every retry of that create
    /// reaches the same voucher (whose object then holds the idempotency record) without
    /// any index lookup.
    ///
    /// ```
    /// use vale_shared::{MerchantId, VoucherId};
    /// let m = MerchantId::local();
    /// let a = VoucherId::for_idempotency_key(b"server key", &m, false, "order-1001");
    /// assert_eq!(a, VoucherId::for_idempotency_key(b"server key", &m, false, "order-1001"));
    /// assert_ne!(a, VoucherId::for_idempotency_key(b"server key", &m, true, "order-1001"));
    /// assert_ne!(a, VoucherId::for_idempotency_key(b"server key", &m, false, "order-1002"));
    /// ```
    pub fn for_idempotency_key(
        server_key: &[u8],
        merchant: &MerchantId,
        livemode: bool,
        key: &str,
    ) -> VoucherId {
        use hmac::{Hmac, Mac as _};
        let mode = if livemode { "live" } else { "test" };
        let tag = Hmac::<sha2::Sha256>::new_from_slice(server_key)
            .map(|mac| {
                mac.chain_update(format!("vale/idempotency/v1/{merchant}/{mode}/"))
                    .chain_update(key.as_bytes())
                    .finalize()
                    .into_bytes()
            })
            .unwrap_or_default();
        let mut bytes = [0_u8; 15];
        for (to, from) in bytes.iter_mut().zip(tag.iter()) {
            *to = *from;
        }
        VoucherId::from_random(bytes)
    }
}

impl MerchantId {
    /// `mer_local`, the local development merchant the test suite uses. It has no random
    /// part (as [`MerchantId::platform`]).
    ///
    /// ```
    /// assert_eq!(vale_shared::MerchantId::local().as_str(), "mer_local");
    /// ```
    pub fn local() -> Self {
        MerchantId("mer_local".to_owned())
    }

    /// `mer_platform`, the local marketplace platform (issue #23): the second merchant
    /// of local development, with no random part either.
    ///
    /// ```
    /// assert_eq!("mer_platform".parse(), Ok(vale_shared::MerchantId::platform()));
    /// ```
    pub fn platform() -> Self {
        MerchantId("mer_platform".to_owned())
    }
}

/// A voucher's client secret, `vch_…_secret_…`: the bearer token a storefront page uses to
/// read that one voucher's display view.
///
/// It is not stored anywhere: it is derived from the voucher id under the edge's
/// client-secret key (HMAC-SHA256, the first 120 bits), so the edge checks a presented
/// secret with one HMAC and a constant-time comparison, without a lookup or a Durable
/// Object, and a forged one costs nothing. It names its voucher. It cannot print itself
/// (`Debug` is redacted, there is no `Display`); serialising it writes it, for the one
/// place it belongs on the wire (the merchant's voucher object).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

/// The HMAC input of a client secret: a domain tag, so no other HMAC under the same key
/// can ever equal one.
fn client_secret_tag(voucher: &VoucherId) -> String {
    format!("vale/client-secret/v1/{voucher}")
}

impl ClientSecret {
    /// The client secret of `voucher` under `key`.
    ///
    /// ```
    /// use vale_shared::{VoucherId, id::ClientSecret};
    /// let voucher = VoucherId::from_random([1; 15]);
    /// let secret = ClientSecret::derive(b"server key", &voucher);
    /// assert_eq!(secret.voucher_id(), voucher);
    /// assert!(secret.verify(b"server key"));
    /// assert!(!secret.verify(b"another key"));
    /// ```
    pub fn derive(key: &[u8], voucher: &VoucherId) -> Self {
        use hmac::{Hmac, Mac as _};
        let tag = Hmac::<sha2::Sha256>::new_from_slice(key)
            .map(|mac| {
                mac.chain_update(client_secret_tag(voucher))
                    .finalize()
                    .into_bytes()
            })
            .unwrap_or_default();
        let mut random = [0_u8; 15];
        for (to, from) in random.iter_mut().zip(tag.iter()) {
            *to = *from;
        }
        ClientSecret(format!("{voucher}_secret_{}", encode(&random)))
    }

    /// Whether this is the secret `key` derives for the voucher it names, compared in
    /// constant time.
    pub fn verify(&self, key: &[u8]) -> bool {
        let expected = ClientSecret::derive(key, &self.voucher_id());
        crate::secret::constant_time_eq(expected.0.as_bytes(), self.0.as_bytes())
    }

    /// Parses a client secret presented as a bearer token (its shape only; see
    /// [`ClientSecret::verify`]).
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

    /// The voucher this secret opens; see [`ClientSecret::derive`].
    pub fn voucher_id(&self) -> VoucherId {
        let voucher = self.0.split_once("_secret_").map_or("", |(v, _)| v);
        VoucherId(voucher.to_owned())
    }

    /// The secret's text, to hand to the storefront page.
    ///
    /// ```
    /// use vale_shared::{VoucherId, id::ClientSecret};
    /// let secret = ClientSecret::derive(b"k", &VoucherId::from_random([1; 15]));
    /// assert!(secret.expose().contains("_secret_"));
    /// assert_eq!(format!("{secret:?}"), "ClientSecret([REDACTED])");
    /// ```
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Serialize for ClientSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ClientSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        ClientSecret::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([REDACTED])")
    }
}

/// A refund's id, `re_…`: its voucher's random part and the refund's number on that
/// voucher (two base32 characters), so a refund is found in its voucher's object without
/// a lookup. The voucher id is not a secret (the refund object names it anyway).
///
/// ```
/// use vale_shared::{VoucherId, id::RefundId};
/// let voucher = VoucherId::from_random([9; 15]);
/// let id = RefundId::new(&voucher, 33);
/// assert_eq!(id.voucher_id(), voucher);
/// assert_eq!(id.number(), 33);
/// assert_eq!(id.as_str().parse::<RefundId>(), Ok(id));
/// assert!("re_x".parse::<RefundId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefundId(String);

impl RefundId {
    /// The prefix.
    pub const PREFIX: &'static str = "re_";
    /// How many refunds one voucher can have.
    pub const MAX_PER_VOUCHER: u16 = 1024;

    /// Refund number `n` (below [`RefundId::MAX_PER_VOUCHER`]) of `voucher`.
    pub fn new(voucher: &VoucherId, n: u16) -> RefundId {
        let random = voucher
            .as_str()
            .strip_prefix(VoucherId::PREFIX)
            .unwrap_or("");
        let n = usize::from(n % Self::MAX_PER_VOUCHER);
        let at = |i: usize| char::from(ALPHABET.get(i).copied().unwrap_or(b'0'));
        RefundId(format!("re_{random}{}{}", at(n / 32), at(n % 32)))
    }

    /// The voucher it refunds.
    pub fn voucher_id(&self) -> VoucherId {
        let random = self.0.get(3..3 + RANDOM_LEN).unwrap_or("");
        VoucherId(format!("{}{random}", VoucherId::PREFIX))
    }

    /// Its number on the voucher.
    pub fn number(&self) -> u16 {
        let value = |b: u8| ALPHABET.iter().position(|a| *a == b).unwrap_or(0);
        let tail = self.0.as_bytes().get(3 + RANDOM_LEN..).unwrap_or(&[]);
        match tail {
            [hi, lo] => u16::try_from(value(*hi) * 32 + value(*lo)).unwrap_or(0),
            _ => 0,
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for RefundId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = IdError { prefix: "re_" };
        let rest = s.strip_prefix("re_").ok_or(error)?;
        let (random, number) = (rest.get(..RANDOM_LEN), rest.get(RANDOM_LEN..));
        match (random, number) {
            (Some(r), Some(n))
                if is_random_part(r)
                    && n.len() == 2
                    && n.bytes().all(|b| ALPHABET.contains(&b)) =>
            {
                Ok(RefundId(s.to_owned()))
            }
            _ => Err(error),
        }
    }
}

impl fmt::Display for RefundId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RefundId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RefundId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A refund's client secret, `re_…_secret_…`: the shopper's refund page reads that one
/// refund's display view and submits its destination with it, nothing else. Derived like
/// [`ClientSecret`] (another domain tag), never stored, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RefundSecret(String);

impl RefundSecret {
    /// The secret of `refund` under `key`.
    ///
    /// ```
    /// use vale_shared::{VoucherId, id::{RefundId, RefundSecret}};
    /// let refund = RefundId::new(&VoucherId::from_random([1; 15]), 0);
    /// let secret = RefundSecret::derive(b"server key", &refund);
    /// assert_eq!(secret.refund_id(), Some(refund));
    /// assert!(secret.verify(b"server key"));
    /// assert!(!RefundSecret::parse(secret.expose()).unwrap().verify(b"other"));
    /// ```
    pub fn derive(key: &[u8], refund: &RefundId) -> Self {
        use hmac::{Hmac, Mac as _};
        let tag = Hmac::<sha2::Sha256>::new_from_slice(key)
            .map(|mac| {
                mac.chain_update(format!("vale/refund-secret/v1/{refund}"))
                    .finalize()
                    .into_bytes()
            })
            .unwrap_or_default();
        let mut random = [0_u8; 15];
        for (to, from) in random.iter_mut().zip(tag.iter()) {
            *to = *from;
        }
        RefundSecret(format!("{refund}_secret_{}", encode(&random)))
    }

    /// Its shape only; see [`RefundSecret::verify`].
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let error = IdError { prefix: "re_" };
        let (refund, random) = s.split_once("_secret_").ok_or(error)?;
        refund.parse::<RefundId>()?;
        if is_random_part(random) {
            Ok(RefundSecret(s.to_owned()))
        } else {
            Err(error)
        }
    }

    /// Whether `key` derives this secret for the refund it names (constant time).
    pub fn verify(&self, key: &[u8]) -> bool {
        self.refund_id().is_some_and(|id| {
            let expected = RefundSecret::derive(key, &id);
            crate::secret::constant_time_eq(expected.0.as_bytes(), self.0.as_bytes())
        })
    }

    /// The refund it opens.
    pub fn refund_id(&self) -> Option<RefundId> {
        self.0.split_once("_secret_")?.0.parse().ok()
    }

    /// The text, for the refund page's link.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefundSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefundSecret([REDACTED])")
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
        let secret = ClientSecret::derive(b"k", &VoucherId::from_random([3; 15]));
        assert_eq!(format!("{secret:?}"), "ClientSecret([REDACTED])");
    }

    /// Regression: client secrets were random and stored, so checking one meant starting
    /// the voucher's Durable Object. Derived ones are checked by the key alone.
    #[test]
    fn a_client_secret_is_checked_by_the_key_alone() {
        let voucher = VoucherId::from_random([5; 15]);
        let other = VoucherId::from_random([6; 15]);
        let secret = ClientSecret::derive(b"key", &voucher);
        assert_eq!(secret, ClientSecret::derive(b"key", &voucher));
        assert_ne!(secret, ClientSecret::derive(b"key", &other));
        assert!(secret.verify(b"key"));
        assert!(!secret.verify(b"kez"));
        // The random part of another voucher's secret does not open this voucher.
        let theirs = ClientSecret::derive(b"key", &other);
        let (_, random) = theirs.expose().split_once("_secret_").unwrap();
        let forged = format!("{voucher}_secret_{random}");
        assert!(!ClientSecret::parse(&forged).unwrap().verify(b"key"));
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
            if let Ok(secret) = ClientSecret::parse(&text) {
                prop_assert!(!secret.verify(b"key") || secret == ClientSecret::derive(b"key", &secret.voucher_id()));
            }
            let _ = text.parse::<MerchantId>();
        }
    }
}
