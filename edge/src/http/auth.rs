//! Who is calling: a merchant's key (secret `sk_` or restricted `rk_`, test or live), or a
//! storefront page with one voucher's client secret.
//!
//! Keys are never stored: configuration holds their SHA-256, and the presented key is
//! hashed and looked up. Its prefix must agree with the configured mode and role. A
//! client secret is checked by the server key alone (see `ClientSecret::verify`): a forged
//! one is refused without starting any Durable Object.

use crate::config::{Config, Merchant, Mode, Role};
use crate::http::error::{ApiError, ApiResult};
use sha2::{Digest, Sha256};
use vale_shared::id::{ClientSecret, RefundId, RefundSecret};
use worker::Request;

/// A merchant's key, recognised.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// Whose key it is.
    pub merchant: &'a Merchant,
    /// Test or live: the key sees only objects of its own mode.
    pub mode: Mode,
    /// What it may do.
    pub role: Role,
    /// The SHA-256 of the key itself: which key did something (a refund's creator may
    /// not approve it).
    pub key: [u8; 32],
}

impl Access<'_> {
    /// The key's SHA-256 in hex, as configuration and records name it.
    pub fn key_id(&self) -> String {
        hex::encode(self.key)
    }

    /// `livemode` of the objects this key sees.
    pub fn livemode(&self) -> bool {
        self.mode.livemode()
    }
}

/// A caller the edge recognised.
#[derive(Debug)]
pub enum Caller<'a> {
    /// A merchant's backend, by one of its keys.
    Key(Access<'a>),
    /// A storefront page holding one voucher's client secret (verified).
    Client(ClientSecret),
    /// A shopper's refund page holding one refund's client secret (verified).
    Refund(RefundSecret),
}

/// The mode and role a token's prefix claims (`sk_test_…` → test, secret).
fn claimed(token: &str) -> Option<(Mode, Role)> {
    let (role, rest) = if let Some(rest) = token.strip_prefix("sk_") {
        (Role::Secret, rest)
    } else {
        (Role::Restricted, token.strip_prefix("rk_")?)
    };
    let mode = if rest.starts_with("test_") {
        Mode::Test
    } else if rest.starts_with("live_") {
        Mode::Live
    } else {
        return None;
    };
    Some((mode, role))
}

/// The bearer token of `req`, if it sends one (the rate limiter counts keys by it).
pub fn bearer_token(req: &Request) -> Option<String> {
    bearer(req)
}

/// The bearer token of `req`, if it sends one.
fn bearer(req: &Request) -> Option<String> {
    let header = req.headers().get("authorization").ok().flatten()?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

/// Whether `req` presents a merchant's key (`sk_…` or `rk_…`, known or not): answers to
/// those never carry CORS headers, since keys belong on servers.
pub fn presents_key(req: &Request) -> bool {
    bearer(req).is_some_and(|t| t.starts_with("sk_") || t.starts_with("rk_"))
}

/// Whether `req` presents a client secret (a voucher's or a refund's, valid or not): every
/// answer to one carries CORS headers, errors included, so the page that sent it can read
/// why it was refused.
pub fn presents_client_secret(req: &Request) -> bool {
    bearer(req).is_some_and(|t| t.starts_with("vch_") || t.starts_with(RefundId::PREFIX))
}

/// Recognises the bearer token of `req`: `401` when it is missing, unknown or forged.
pub fn caller<'a>(req: &Request, config: &'a Config) -> ApiResult<Caller<'a>> {
    let token = bearer(req).ok_or_else(ApiError::unauthenticated)?;
    let token = token.as_str();
    if let Some((mode, role)) = claimed(token) {
        let raw: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        return match config.key(&hex::encode(raw)) {
            Some((merchant, key)) if key.mode == mode && key.role == role => {
                Ok(Caller::Key(Access {
                    merchant,
                    mode,
                    role,
                    key: raw,
                }))
            }
            _ => Err(ApiError::unauthenticated()),
        };
    }
    if let Some(access) = crate::http::session::proxied(token, config)? {
        return Ok(Caller::Key(access));
    }
    let key = config.server_key.expose().as_bytes();
    if token.starts_with(RefundId::PREFIX) {
        return match RefundSecret::parse(token) {
            Ok(secret) if secret.verify(key) => Ok(Caller::Refund(secret)),
            _ => Err(ApiError::unauthenticated()),
        };
    }
    match ClientSecret::parse(token) {
        Ok(secret) if secret.verify(key) => Ok(Caller::Client(secret)),
        _ => Err(ApiError::unauthenticated()),
    }
}

/// The caller of `GET /v1/vouchers/{id}`, which also takes the voucher's client secret in
/// its query (`?client_secret=vch_…_secret_…`): a `GET` without an `Authorization` header
/// is a CORS simple request, so `vale.js` on a store's page (another origin) reads the
/// voucher without a preflight, one round trip sooner. Only a voucher's client secret goes
/// there: anything else (a secret or restricted key, a refund's secret, which belong in
/// the header) is `400 client_secret_invalid`, and so are two of them or one beside an
/// `Authorization` header. A forged one is `401`, as in the header.
pub fn display_caller<'a>(req: &Request, config: &'a Config) -> ApiResult<Caller<'a>> {
    let mut given = None;
    for (name, value) in req.url()?.query_pairs() {
        if name != "client_secret" {
            continue;
        }
        if given.is_some() {
            return Err(query_secret_invalid(
                "Send client_secret once: it was in the query more than once.",
            ));
        }
        given = Some(value.into_owned());
    }
    let Some(token) = given else {
        return caller(req, config);
    };
    if bearer(req).is_some() {
        return Err(query_secret_invalid(
            "Send the client secret in the query or in the Authorization header, not both.",
        ));
    }
    if !token.starts_with(vale_shared::VoucherId::PREFIX) {
        return Err(query_secret_invalid(
            "client_secret takes a voucher's client secret (vch_…_secret_…) only. A secret or \
             restricted key never goes in a URL: send it as `Authorization: Bearer …` from a \
             server.",
        ));
    }
    match ClientSecret::parse(&token) {
        Ok(secret) if secret.verify(config.server_key.expose().as_bytes()) => {
            Ok(Caller::Client(secret))
        }
        _ => Err(ApiError::unauthenticated()),
    }
}

/// `400 client_secret_invalid` naming the `client_secret` query parameter.
fn query_secret_invalid(message: &str) -> ApiError {
    ApiError::invalid("client_secret", "client_secret_invalid", message)
}

/// Routes that create, cancel or move money: the secret key only (`403` otherwise).
pub fn secret<'a>(req: &Request, config: &'a Config) -> ApiResult<Access<'a>> {
    match caller(req, config)? {
        Caller::Key(access) if access.role == Role::Secret => Ok(access),
        _ => Err(ApiError::permission_denied()),
    }
}

/// Routes that read: a secret or a restricted key (`403` for a client secret).
pub fn reader<'a>(req: &Request, config: &'a Config) -> ApiResult<Access<'a>> {
    match caller(req, config)? {
        Caller::Key(access) => Ok(access),
        Caller::Client(_) | Caller::Refund(_) => Err(ApiError::permission_denied()),
    }
}

/// Routes that approve or reject: a restricted key only (`403` otherwise).
pub fn restricted<'a>(req: &Request, config: &'a Config) -> ApiResult<Access<'a>> {
    match caller(req, config)? {
        Caller::Key(access) if access.role == Role::Restricted => Ok(access),
        _ => Err(ApiError::permission_denied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_claim_a_mode_and_a_role() {
        assert_eq!(claimed("sk_test_local"), Some((Mode::Test, Role::Secret)));
        assert_eq!(claimed("rk_live_x"), Some((Mode::Live, Role::Restricted)));
        assert_eq!(claimed("sk_prod_x"), None);
        assert_eq!(
            claimed("vch_0123456789abcdefghjkmnpq_secret_0123456789abcdefghjkmnpq"),
            None
        );
    }
}
