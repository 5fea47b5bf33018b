//! Who is calling: a merchant with its secret key, or a storefront page with one voucher's
//! client secret.
//!
//! Secret keys are never stored: configuration holds their SHA-256, and the presented key
//! is hashed and compared (in constant time) against each merchant's hash.

use crate::config::{Config, Merchant};
use crate::error::{ApiError, ApiResult};
use sha2::{Digest, Sha256};
use vale_shared::id::ClientSecret;
use worker::Request;

/// A caller the edge recognised.
#[derive(Debug)]
pub enum Caller<'a> {
    /// A merchant's backend, by its secret key.
    Merchant(&'a Merchant),
    /// A storefront page holding one voucher's client secret.
    Client(ClientSecret),
}

/// Recognises the bearer token of `req`: `401` when it is missing or unknown.
pub fn caller<'a>(req: &Request, config: &'a Config) -> ApiResult<Caller<'a>> {
    let header = req
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .unwrap_or_default();
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthenticated)?;
    let live = token.starts_with("sk_live_");
    if live || token.starts_with("sk_test_") {
        let digest = hex::encode(Sha256::digest(token.as_bytes()));
        return config
            .merchants
            .iter()
            .find(|m| {
                m.livemode() == live
                    && same(m.secret_key_sha256.expose().as_bytes(), digest.as_bytes())
            })
            .map(Caller::Merchant)
            .ok_or_else(ApiError::unauthenticated);
    }
    ClientSecret::parse(token)
        .map(Caller::Client)
        .map_err(|_| ApiError::unauthenticated())
}

/// Only a merchant may call this route: `403` for a client secret.
pub fn merchant<'a>(req: &Request, config: &'a Config) -> ApiResult<&'a Merchant> {
    match caller(req, config)? {
        Caller::Merchant(m) => Ok(m),
        Caller::Client(_) => Err(ApiError::client_secret_forbidden()),
    }
}

/// Constant-time equality of two byte strings (the length is not secret).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn same_compares_whole_strings() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
