//! A secret that cannot print itself: no `Display`, a redacted `Debug`, and one way in.
//!
//! Wrap a key the moment it is read from configuration (`worker::Secret` prints in plain
//! text), so that no log line or error message can carry it.

use std::fmt;

/// A secret string: an API key hash, a network's notification secret, a webhook secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

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
