//! Creating a voucher: the one path behind `POST /v1/vouchers` and the demo checkout.
//!
//! With an `Idempotency-Key`, the voucher id is derived from (merchant, mode, key) under
//! the server key, so the request and every retry reach the same voucher object, which
//! holds the idempotency record itself: it answers a replay from the stored response
//! (by the SHA-256 of the raw body) before validating anything, refuses another body
//! (`422`) or a concurrent retry (`409`), and releases the key on any error. Without a
//! key the id is random. Either way the create is one call to the voucher object, which
//! makes one call to the merchant's ledger to claim a unique payment code.

use crate::config::Config;
use crate::http::auth::Access;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::voucher::Created;
use crate::objects::voucher::{Command, CreateRequest, Scope, VoucherClient};
use crate::runtime::random;
use sha2::{Digest, Sha256};
use vale_shared::VoucherId;
use worker::Env;

/// Longest `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Checks an `Idempotency-Key` header value.
pub fn idempotency_key(value: Option<String>) -> ApiResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(key) if !key.is_empty() && key.chars().count() <= MAX_IDEMPOTENCY_KEY => Ok(Some(key)),
        Some(_) => Err(ApiError::invalid(
            "Idempotency-Key",
            "idempotency_key_invalid",
            "Idempotency-Key must be 1 to 255 characters.",
        )),
    }
}

/// SHA-256 (hex) of the raw body: the same key with the same bytes is a replay. Acting
/// for a seller, the seller is part of the request: the same key and body for another
/// seller (or for none) is another request (`422`).
fn request_hash(body: &[u8], acting_for: Option<&str>) -> String {
    let mut hash = Sha256::new();
    hash.update(body);
    if let Some(seller) = acting_for {
        hash.update(b"\nVale-Account: ");
        hash.update(seller.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// Creates a voucher for `access`'s merchant and mode from a raw request body.
pub async fn create(
    env: &Env,
    config: &Config,
    access: &Access<'_>,
    body: &[u8],
    idempotency_key: Option<String>,
    origin: &str,
    acting_for: Option<String>,
) -> ApiResult<Created> {
    let merchant = &access.merchant.id;
    let id = match &idempotency_key {
        Some(key) => VoucherId::for_idempotency_key(
            config.server_key.expose().as_bytes(),
            merchant,
            access.livemode(),
            key,
        ),
        None => VoucherId::from_random(random::bytes()?),
    };
    let request = CreateRequest {
        id: id.clone(),
        body: std::str::from_utf8(body).ok().map(str::to_owned),
        request_hash: request_hash(body, acting_for.as_deref()),
        origin: origin.to_owned(),
        acting_for,
    };
    VoucherClient::of(env, &id)?
        .call(
            Scope::merchant(merchant, access.mode),
            Command::Create(request),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_hash_is_of_the_raw_bytes() {
        let a = request_hash(br#"{"amount": 100}"#, None);
        assert_eq!(a, request_hash(br#"{"amount": 100}"#, None));
        assert_ne!(a, request_hash(br#"{"amount": 101}"#, None));
        assert_eq!(a.len(), 64);
        // Without a seller, the hash is the body's alone, as before acting for sellers.
        assert_eq!(a, hex::encode(Sha256::digest(br#"{"amount": 100}"#)));
    }

    #[test]
    fn acting_for_another_seller_is_another_request() {
        let body = br#"{"amount": 100}"#;
        let one = request_hash(body, Some("acct_one"));
        assert_ne!(one, request_hash(body, None));
        assert_ne!(one, request_hash(body, Some("acct_two")));
        assert_eq!(one, request_hash(body, Some("acct_one")));
    }

    #[test]
    fn idempotency_keys_are_1_to_255_characters() {
        assert_eq!(idempotency_key(None), Ok(None));
        assert_eq!(
            idempotency_key(Some("k".repeat(255))),
            Ok(Some("k".repeat(255)))
        );
        assert_eq!(
            idempotency_key(Some("ñ".repeat(255))).map(|k| k.is_some()),
            Ok(true)
        );
        assert_eq!(
            idempotency_key(Some(String::new())).unwrap_err().status,
            400
        );
        assert_eq!(
            idempotency_key(Some("k".repeat(256)))
                .unwrap_err()
                .param
                .as_deref(),
            Some("Idempotency-Key")
        );
    }
}
