//! Abuse at the door: every request is counted before it is routed, against the Workers
//! Rate Limiting binding of its kind (fixed windows of 10 s, limits set per binding in
//! `wrangler.toml`):
//!
//! - a merchant's key (`sk_…`, `rk_…`, recognised): per key (its SHA-256), test keys in
//!   `RATE_LIMIT_TEST_KEY` (2,000 per 10 s: 200 requests/s, the contract's floor for test
//!   keys and local development), live keys in the binding of their merchant's
//!   `live_rate_limit_per_second`: `RATE_LIMIT_LIVE_<n>` (10 × n per 10 s; n one of
//!   [`config::LIVE_RATE_LIMITS`], default the contract's 100/s);
//! - anything else (the networks' notifications, hosted pages, client secrets, the
//!   OpenAPI document, unknown keys): per connecting address (`CF-Connecting-IP`) in
//!   `RATE_LIMIT_IP` (1,000 per 10 s).
//!
//! Over the limit: `429 rate_limit_error` with `Retry-After: 10`. A limiter that cannot be
//! reached lets the request through (logged): a limit never turns into an outage.

use crate::config::{Config, Mode};
use crate::http::auth;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use sha2::{Digest, Sha256};
use worker::{Env, Request};

/// Seconds to wait after a `429`: the limiters' window.
pub const RETRY_AFTER_SECONDS: u32 = 10;

/// Which limiter counts a request, and under which key.
#[derive(Debug, PartialEq, Eq)]
enum Bucket {
    /// A configured key; `per_second` is its merchant's live limit (unused in test mode).
    Key {
        mode: Mode,
        per_second: u32,
        hash: String,
    },
    Address(String),
}

impl Bucket {
    /// The binding that counts this bucket. A live limit no binding has (configuration
    /// refuses those) falls back to the default's.
    const fn binding(&self) -> &'static str {
        match self {
            Bucket::Key {
                mode: Mode::Test, ..
            } => "RATE_LIMIT_TEST_KEY",
            Bucket::Key {
                mode: Mode::Live,
                per_second,
                ..
            } => match per_second {
                50 => "RATE_LIMIT_LIVE_50",
                200 => "RATE_LIMIT_LIVE_200",
                500 => "RATE_LIMIT_LIVE_500",
                1000 => "RATE_LIMIT_LIVE_1000",
                _ => "RATE_LIMIT_LIVE_100",
            },
            Bucket::Address(_) => "RATE_LIMIT_IP",
        }
    }

    fn key(self) -> String {
        match self {
            Bucket::Key { hash, .. } => hash,
            Bucket::Address(address) => address,
        }
    }
}

/// The bucket of a request: its key's when it presents a configured merchant key, else
/// its connecting address's.
fn bucket(req: &Request, config: Option<&Config>) -> Bucket {
    let key = auth::bearer_token(req)
        .filter(|t| t.starts_with("sk_") || t.starts_with("rk_"))
        .and_then(|token| {
            let hash = hex::encode(Sha256::digest(token.as_bytes()));
            let config = config?;
            let (merchant, key) = config.key(&hash)?;
            Some(Bucket::Key {
                mode: key.mode,
                per_second: merchant.live_rate_limit,
                hash,
            })
        });
    key.unwrap_or_else(|| {
        let address = req
            .headers()
            .get("cf-connecting-ip")
            .ok()
            .flatten()
            .unwrap_or_default();
        Bucket::Address(address)
    })
}

/// `429 rate_limit_error` (the caller adds `Retry-After`).
pub fn limited() -> ApiError {
    ApiError::new(
        429,
        ErrorType::RateLimitError,
        "rate_limit",
        format!("Too many requests; retry in {RETRY_AFTER_SECONDS} seconds."),
    )
}

/// Counts `req`; `Err(429)` when its bucket is over the limit.
pub async fn check(req: &Request, env: &Env, config: Option<&Config>) -> ApiResult<()> {
    let bucket = bucket(req, config);
    let binding = bucket.binding();
    let outcome = match env.rate_limiter(binding) {
        Ok(limiter) => limiter.limit(bucket.key()).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(outcome) if !outcome.success => Err(limited()),
        Ok(_) => Ok(()),
        Err(e) => {
            worker::console_error!("rate limiter {binding} unavailable ({e}); request let through");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    /// The `[[ratelimits]]` of `wrangler.toml`: (name, limit, period).
    fn declared() -> Vec<(String, u32, u32)> {
        let toml = include_str!("../../wrangler.toml");
        toml.split("[[ratelimits]]")
            .skip(1)
            .map(|block| {
                let field = |name: &str| {
                    let at = block.find(name).expect(name) + name.len();
                    block[at..]
                        .trim_start_matches([' ', '=', '"'])
                        .split(['"', ',', ' ', '\n', '}'])
                        .next()
                        .unwrap()
                        .to_owned()
                };
                (
                    field("name"),
                    field("limit").parse().unwrap(),
                    field("period").parse().unwrap(),
                )
            })
            .collect()
    }

    fn live(per_second: u32) -> Bucket {
        Bucket::Key {
            mode: Mode::Live,
            per_second,
            hash: String::new(),
        }
    }

    #[test]
    fn every_live_tier_has_a_binding_declared_at_ten_times_its_rate_per_10_s() {
        let declared = declared();
        for tier in config::LIVE_RATE_LIMITS {
            let binding = live(tier).binding();
            assert_eq!(binding, format!("RATE_LIMIT_LIVE_{tier}"));
            assert!(
                declared.contains(&(binding.to_owned(), tier * 10, RETRY_AFTER_SECONDS)),
                "{binding} in wrangler.toml: {declared:?}"
            );
        }
    }

    #[test]
    fn test_keys_allow_200_per_second_whatever_the_live_tier() {
        let test = Bucket::Key {
            mode: Mode::Test,
            per_second: 50,
            hash: String::new(),
        };
        assert_eq!(test.binding(), "RATE_LIMIT_TEST_KEY");
        assert!(declared().contains(&("RATE_LIMIT_TEST_KEY".to_owned(), 2000, 10)));
        assert_eq!(live(7).binding(), "RATE_LIMIT_LIVE_100");
    }
}
