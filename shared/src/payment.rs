//! One payment, whatever reports it: the identity a network gives a payment, and the
//! forms the edge stores and compares it in.
//!
//! A cash payment reaches the edge by up to three roads: the network's notification, the
//! network's own record (a search), and a line of its settlement file. They name the
//! payment differently:
//!
//! - **Efecty.** The notification carries the whole `authorization` (1–64 of
//!   `[A-Za-z0-9_-]`); the Asobancaria 2001 detail record has six characters for it,
//!   possibly blank. The file's six are the authorization's **last six**, zero-padded
//!   on the left when it is shorter (what the sandbox writes; the only evidence there is
//!   of how Efecty fills the field). Compared, both sides are reduced to their
//!   [canonical](Listed) form: the last six characters, in upper case, leading zeros
//!   ignored. So `A123456` and `123456`, a 24-character hex token and its last six, or
//!   `ABC` and `000ABC` are one payment. Six blanks or six zeros say nothing.
//! - **PagoEfectivo.** The notification's `operationNumber` and the file's
//!   `operation_number` are the same text: compared exactly.
//!
//! A [`PaymentIdentity`] is the whole identity a notification or a search gives; its
//! [`key`](PaymentIdentity::key) is the network key the voucher stores the payment (and
//! its notifications) under, and [`PaymentIdentity::parse_key`] reads it back. A
//! [`Listed`] identity is what a settlement line says, reduced for comparison. Whether a
//! line and a payment with different identities (or none) are still one payment is
//! decided by [`crate::settlement::reconcile`], never here.

use crate::network::Network;
use serde::{Deserialize, Serialize};

/// The characters an Asobancaria detail has for the authorization.
pub const LISTED_WIDTH: usize = 6;

/// The payment a notification or a network's search names, in full.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "network", content = "id", rename_all = "snake_case")]
pub enum PaymentIdentity {
    /// Efecty's `authorization`, as the notification carries it.
    Efecty(String),
    /// PagoEfectivo's `operationNumber` of a `cip.paid`.
    Pagoefectivo(String),
}

pub(crate) const EFECTY_PREFIX: &str = "efecty:";
pub(crate) const PAGOEFECTIVO_PREFIX: &str = "pagoefectivo:cip.paid:";
pub(crate) const PAGOEFECTIVO_EXPIRED: &str = "pagoefectivo:cip.expired:";
pub(crate) const SEARCH_EXPIRED: &str = "pagoefectivo:search.expired:";

impl PaymentIdentity {
    /// The network that gave it.
    pub const fn network(&self) -> Network {
        match self {
            PaymentIdentity::Efecty(_) => Network::Efecty,
            PaymentIdentity::Pagoefectivo(_) => Network::Pagoefectivo,
        }
    }

    /// The network's own text: the authorization, or the operation number.
    pub fn as_str(&self) -> &str {
        match self {
            PaymentIdentity::Efecty(id) | PaymentIdentity::Pagoefectivo(id) => id,
        }
    }

    /// The network key a voucher stores the payment under: `efecty:<authorization>`,
    /// `pagoefectivo:cip.paid:<operationNumber>`. A notification and a search of the same
    /// payment have the same key.
    ///
    /// ```
    /// use vale_shared::payment::PaymentIdentity;
    /// let id = PaymentIdentity::Efecty("A123456".into());
    /// assert_eq!(id.key(), "efecty:A123456");
    /// assert_eq!(PaymentIdentity::parse_key(&id.key()), Some(id));
    /// let pe = PaymentIdentity::Pagoefectivo("op:7".into());
    /// assert_eq!(pe.key(), "pagoefectivo:cip.paid:op:7");
    /// assert_eq!(PaymentIdentity::parse_key(&pe.key()), Some(pe));
    /// assert_eq!(PaymentIdentity::parse_key("pagoefectivo:cip.expired:op-1"), None);
    /// ```
    pub fn key(&self) -> String {
        match self {
            PaymentIdentity::Efecty(id) => format!("{EFECTY_PREFIX}{id}"),
            PaymentIdentity::Pagoefectivo(id) => format!("{PAGOEFECTIVO_PREFIX}{id}"),
        }
    }

    /// The identity a stored network key names, when it names a payment (not an
    /// expiry, not a row of a settlement line).
    pub fn parse_key(key: &str) -> Option<PaymentIdentity> {
        if let Some(id) = key.strip_prefix(EFECTY_PREFIX) {
            return (!id.is_empty()).then(|| PaymentIdentity::Efecty(id.to_owned()));
        }
        key.strip_prefix(PAGOEFECTIVO_PREFIX)
            .filter(|id| !id.is_empty())
            .map(|id| PaymentIdentity::Pagoefectivo(id.to_owned()))
    }

    /// How a settlement file writes this payment's identity: Efecty's last six
    /// characters, zero-padded on the left to six; PagoEfectivo's operation number.
    ///
    /// ```
    /// use vale_shared::payment::PaymentIdentity;
    /// assert_eq!(PaymentIdentity::Efecty("9f3a0c1b2e4d5a6b7c8d9e0f".into()).file_form(), "8d9e0f");
    /// assert_eq!(PaymentIdentity::Efecty("ABC".into()).file_form(), "000ABC");
    /// assert_eq!(PaymentIdentity::Pagoefectivo("OP-1".into()).file_form(), "OP-1");
    /// ```
    pub fn file_form(&self) -> String {
        match self {
            PaymentIdentity::Efecty(id) => {
                let tail = last_chars(id, LISTED_WIDTH);
                format!("{tail:0>LISTED_WIDTH$}")
            }
            PaymentIdentity::Pagoefectivo(id) => id.clone(),
        }
    }

    /// The form it is compared in with a settlement line's.
    pub fn listed(&self) -> Listed {
        match self {
            PaymentIdentity::Efecty(id) => Listed(canonical_efecty(id)),
            PaymentIdentity::Pagoefectivo(id) => Listed(id.clone()),
        }
    }

    /// Whether a settlement line that says `listed` names this payment.
    ///
    /// ```
    /// use vale_shared::Network;
    /// use vale_shared::payment::{Listed, PaymentIdentity};
    /// let efecty = |full: &str, six: &str| {
    ///     let listed = Listed::of_line(Network::Efecty, Some(six)).unwrap();
    ///     PaymentIdentity::Efecty(full.into()).is_listed_as(&listed)
    /// };
    /// assert!(efecty("A123456", "123456"));
    /// assert!(efecty("abc", "000ABC"));
    /// assert!(efecty("9f3a0c1b2e4d5a6b7c8d9e0f", "8d9e0f"));
    /// assert!(!efecty("A123456", "123457"));
    /// ```
    pub fn is_listed_as(&self, listed: &Listed) -> bool {
        self.listed() == *listed
    }
}

/// The network key of a PagoEfectivo `cip.expired` notification (an expiry, not a
/// payment): one expiry however often it is sent.
pub fn expiry_key(operation_number: &str) -> String {
    format!("{PAGOEFECTIVO_EXPIRED}{operation_number}")
}

/// The network key of an expiry PagoEfectivo's own record reported for `code`.
pub fn searched_expiry_key(code: &str) -> String {
    format!("{SEARCH_EXPIRED}{code}")
}

/// A settlement line's identity of a payment, in the form it is compared in: Efecty's
/// authorization field reduced to its canonical form (last six characters, upper case,
/// leading zeros ignored), PagoEfectivo's operation number as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Listed(String);

impl Listed {
    /// What a line of `network`'s file says, `None` when it says nothing: a blank field,
    /// or (Efecty) a field of zeros, which a fixed-width numeric field holds when it is
    /// unknown.
    ///
    /// ```
    /// use vale_shared::Network;
    /// use vale_shared::payment::Listed;
    /// assert_eq!(Listed::of_line(Network::Efecty, Some("000abc")).unwrap().as_str(), "ABC");
    /// assert_eq!(Listed::of_line(Network::Efecty, Some("  ")), None);
    /// assert_eq!(Listed::of_line(Network::Efecty, Some("000000")), None);
    /// assert_eq!(Listed::of_line(Network::Pagoefectivo, Some("op-07")).unwrap().as_str(), "op-07");
    /// ```
    pub fn of_line(network: Network, raw: Option<&str>) -> Option<Listed> {
        let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
        match network {
            Network::Efecty => {
                let canonical = canonical_efecty(raw);
                (canonical != "0").then_some(Listed(canonical))
            }
            Network::Pagoefectivo => Some(Listed(raw.to_owned())),
        }
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The last `n` characters of `text` (all of it when shorter).
fn last_chars(text: &str, n: usize) -> &str {
    let start = text
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    text.get(start..).unwrap_or(text)
}

/// Efecty's canonical form: the last six characters, upper case, leading zeros ignored
/// (`"0"` when nothing else is left).
fn canonical_efecty(text: &str) -> String {
    let tail = last_chars(text, LISTED_WIDTH).to_ascii_uppercase();
    let trimmed = tail.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn listed(six: &str) -> Listed {
        Listed::of_line(Network::Efecty, Some(six)).unwrap()
    }

    /// Regression (review H1): the notification's `A123456` and the file's `123456` were
    /// two network keys, so one cash payment became two.
    #[test]
    fn efecty_authorizations_of_every_length_meet_their_file_form() {
        for (full, six) in [
            ("A123456", "123456"),
            ("123456", "123456"),
            ("9f3a0c1b2e4d5a6b7c8d9e0f", "8d9e0f"),
            ("9f3a0c1b2e4d5a6b7c8d9e0f", "8D9E0F"),
            ("ABC", "000ABC"),
            ("abc", "000ABC"),
            ("0ABC", "000ABC"),
            ("7", "000007"),
            ("X-0012", "X-0012"),
        ] {
            let id = PaymentIdentity::Efecty(full.into());
            assert!(id.is_listed_as(&listed(six)), "{full} vs {six}");
            assert!(id.is_listed_as(&listed(&id.file_form())), "{full}");
        }
        for (full, six) in [("A123456", "123457"), ("ABC", "00ABCD"), ("1000", "000100")] {
            let id = PaymentIdentity::Efecty(full.into());
            assert!(!id.is_listed_as(&listed(six)), "{full} vs {six}");
        }
    }

    #[test]
    fn pagoefectivo_operation_numbers_compare_exactly() {
        let id = PaymentIdentity::Pagoefectivo("OP-1".into());
        let line = |op: &str| Listed::of_line(Network::Pagoefectivo, Some(op)).unwrap();
        assert!(id.is_listed_as(&line("OP-1")));
        assert!(!id.is_listed_as(&line("op-1")));
        assert!(!id.is_listed_as(&line("OP-01")));
    }

    #[test]
    fn keys_are_the_ones_notifications_always_had() {
        assert_eq!(PaymentIdentity::Efecty("A1".into()).key(), "efecty:A1");
        assert_eq!(
            PaymentIdentity::Pagoefectivo("8891234".into()).key(),
            "pagoefectivo:cip.paid:8891234"
        );
        assert_eq!(expiry_key("e1"), "pagoefectivo:cip.expired:e1");
        assert_eq!(
            searched_expiry_key("123"),
            "pagoefectivo:search.expired:123"
        );
        for key in [
            "efecty:",
            "pagoefectivo:cip.paid:",
            "settlement:stl_x:3",
            "",
        ] {
            assert_eq!(PaymentIdentity::parse_key(key), None, "{key}");
        }
        assert_eq!(PaymentIdentity::parse_key(&expiry_key("e1")), None);
    }

    proptest! {
        /// Whatever an Efecty authorization is, the file form the sandbox writes of it
        /// is six characters and names it.
        #[test]
        fn every_authorization_is_listed_as_its_file_form(full in "[A-Za-z0-9_-]{1,64}") {
            let id = PaymentIdentity::Efecty(full.clone());
            let form = id.file_form();
            prop_assert_eq!(form.len(), LISTED_WIDTH);
            match Listed::of_line(Network::Efecty, Some(&form)) {
                Some(l) => prop_assert!(id.is_listed_as(&l)),
                // Only an authorization whose last six are zeros is written as nothing.
                None => prop_assert!(full.chars().rev().take(6).all(|c| c == '0')),
            }
            prop_assert_eq!(PaymentIdentity::parse_key(&id.key()), Some(id));
        }
    }
}
