//! A secret that cannot print itself: no `Display`, a redacted `Debug`, and one way in.
//!
//! Wrap a key the moment it is read from configuration (`worker::Secret` prints in plain
//! text), so that no log line or error message can carry it.

use std::fmt;

/// A secret string: an API key hash, a network's notification secret, a webhook secret.
/// Equality is constant-time in the contents (only the lengths may show).
#[derive(Clone)]
pub struct Secret(String);

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

/// Whether two byte strings are equal, in time that depends on their lengths only
/// (`subtle`'s `ConstantTimeEq`): for comparing secrets, tags and hashes.
///
/// ```
/// use vale_shared::secret::constant_time_eq;
/// assert!(constant_time_eq(b"abc", b"abc"));
/// assert!(!constant_time_eq(b"abc", b"abd"));
/// assert!(!constant_time_eq(b"abc", b"ab"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

impl Secret {
    /// Wraps a secret.
    ///
    /// ```
    /// use vale_shared::Secret;
    /// let secret = Secret::new("pe_local_secret");
    /// assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
    /// assert_eq!(secret.expose(), "pe_local_secret");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: the one way to read it, easy to find in review (see
    /// [`Secret::new`]).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Regression: `Secret` derived `PartialEq`, a comparison that stops at the first
    /// differing byte. It now goes through `constant_time_eq`; the results must not change.
    #[test]
    fn secrets_compare_by_whole_contents() {
        assert_eq!(
            Secret::new("pe_local_secret"),
            Secret::new("pe_local_secret")
        );
        assert_ne!(
            Secret::new("pe_local_secret"),
            Secret::new("pe_local_secreT")
        );
        assert_ne!(Secret::new("pe_local_secret"), Secret::new("pe_local"));
        assert_ne!(Secret::new(""), Secret::new("x"));
    }
}
