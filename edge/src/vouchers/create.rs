//! Creating a voucher: the one path behind `POST /v1/vouchers` and the demo checkout.
//!
//! 1. Check the body (shared `NewVoucher::from_json`): a `400` never touches storage and
//!    never consumes an `Idempotency-Key`.
//! 2. `Begin` in the merchant's ledger: replay / refuse / lock the key, and reserve a
//!    unique payment code for a fresh voucher id.
//! 3. `Create` in the voucher's own object (the source of truth), which sets its alarm and
//!    writes its listing row back to the ledger.
//! 4. `Complete` the idempotency record with the response, last.
//!
//! A failure between 2 and 4 leaves at most a reserved code with no voucher (invisible:
//! lookups of it answer "unknown voucher") and an unlocked key whose retry resumes the
//! same voucher id, so a voucher is created at most once per key.

use super::{Command as VoucherCommand, VoucherClient};
use crate::clock;
use crate::codes;
use crate::config::Merchant;
use crate::error::{ApiError, ApiResult};
use crate::ledger::{Begun, Command, Done, IdempotencyKey, LedgerClient};
use crate::random;
use sha2::{Digest, Sha256};
use vale_shared::VoucherId;
use vale_shared::id::ClientSecret;
use vale_shared::voucher::{Issue, NewVoucher};
use worker::Env;

/// Longest `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// How many payment codes to offer the ledger; with random codes one is nearly always free.
const CANDIDATES: usize = 3;

/// What the create answered.
#[derive(Debug)]
pub struct Created {
    /// HTTP status (`201`, or the replayed one).
    pub status: u16,
    /// The response body.
    pub body: String,
    /// Whether this is a replay of an earlier answer.
    pub replayed: bool,
}

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

/// SHA-256 of the request body as parsed JSON, so that spacing does not matter but every
/// value does.
fn request_hash(body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .and_then(|v| serde_json::to_vec(&v))
        .unwrap_or_else(|_| body.to_vec());
    hex::encode(Sha256::digest(&canonical))
}

/// Creates a voucher for `merchant` from a raw request body.
pub async fn create(
    env: &Env,
    merchant: &Merchant,
    body: &[u8],
    idempotency_key: Option<String>,
    origin: &str,
) -> ApiResult<Created> {
    let now = clock::now();
    let new = NewVoucher::from_json(body, now, |n, c| merchant.limits(n, c))?;
    let livemode = merchant.livemode();
    let idempotency = idempotency_key.map(|key| IdempotencyKey {
        key,
        request_hash: request_hash(body),
    });

    let mut candidates = Vec::with_capacity(CANDIDATES);
    for _ in 0..CANDIDATES {
        candidates.push(codes::payment_code(new.network, random::bytes()?));
    }
    let ledger = LedgerClient::of(env, &merchant.id)?;
    let begun: Begun = ledger
        .call(&Command::Begin {
            livemode,
            idempotency: idempotency.clone(),
            voucher_id: VoucherId::from_random(random::bytes()?),
            network: new.network,
            candidates,
            now_ms: clock::millis(now),
        })
        .await?;
    let (id, payment_code) = match begun {
        Begun::Replay { status, body } => {
            return Ok(Created {
                status,
                body,
                replayed: true,
            });
        }
        Begun::Proceed {
            voucher_id,
            payment_code,
        } => (voucher_id, payment_code),
    };

    let client_secret = ClientSecret::new(&id, random::bytes()?);
    let barcode = codes::barcode(
        new.network,
        &payment_code,
        new.amount,
        new.expires_at,
        merchant.efecty_gln.as_deref(),
    )?;
    let voucher = new.issue(
        Issue {
            hosted_url: format!("{origin}/v/{id}?cs={}", client_secret.expose()),
            id: id.clone(),
            livemode,
            payment_code,
            barcode,
            client_secret,
        },
        now,
    );

    let created = VoucherClient::of(env, &id)?
        .voucher(
            Some(&merchant.id),
            VoucherCommand::Create {
                voucher: Box::new(voucher),
            },
        )
        .await;
    let voucher = match created {
        Ok(voucher) => voucher,
        Err(e) => {
            if let Some(idem) = idempotency {
                let release = Command::Release {
                    livemode,
                    key: idem.key,
                };
                if let Err(release) = ledger.call::<Done>(&release).await {
                    worker::console_error!("idempotency release failed ({})", release.code);
                }
            }
            return Err(e);
        }
    };
    let body = serde_json::to_string(&voucher)?;
    if let Some(idem) = idempotency {
        let complete = Command::Complete {
            livemode,
            key: idem.key,
            status: 201,
            body: body.clone(),
        };
        // The voucher exists either way; an unrecorded key resumes it on retry.
        if let Err(e) = ledger.call::<Done>(&complete).await {
            worker::console_error!("idempotency completion failed ({})", e.code);
        }
    }
    Ok(Created {
        status: 201,
        body,
        replayed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_hash_ignores_spacing_but_not_values() {
        let a = request_hash(br#"{"amount": 100, "network": "efecty"}"#);
        assert_eq!(a, request_hash(br#"{ "amount":100,"network":"efecty" }"#));
        assert_ne!(a, request_hash(br#"{"amount": 101, "network": "efecty"}"#));
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
