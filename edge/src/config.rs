//! Merchants are configuration: the `MERCHANTS` secret holds a JSON array, parsed once per
//! isolate and kept (re-parsed only if the text changes).
//!
//! ```json
//! [{"id": "mer_local", "secret_key_sha256": "<hex SHA-256 of sk_test_local>",
//!   "mode": "test", "pagoefectivo_secret": "pe_local_secret",
//!   "efecty_secret": "whsec_…", "efecty_gln": "7709998000017",
//!   "limits": {"efecty": {"min": 500000, "max": 400000000}}}]
//! ```
//!
//! Every secret is wrapped the moment it is read (`Secret`, `WebhookSecret`), and parse
//! errors are logged by position only: serde's messages may quote the offending value.

use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use vale_shared::network::Limits;
use vale_shared::webhook::WebhookSecret;
use vale_shared::{Currency, MerchantId, Network, Secret};
use worker::Env;

/// Whether a merchant's keys move real money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `sk_test_…`: the sandbox works, nothing is real.
    Test,
    /// `sk_live_…`.
    Live,
}

/// One merchant, as configured.
#[derive(Debug)]
pub struct Merchant {
    /// `mer_…`.
    pub id: MerchantId,
    /// SHA-256 of the secret key, 32 bytes.
    pub secret_key_sha256: Secret,
    /// Test or live.
    pub mode: Mode,
    /// PagoEfectivo's HMAC key for `PE-Signature`.
    pub pagoefectivo_secret: Option<Secret>,
    /// Efecty's Standard Webhooks secret.
    pub efecty_secret: Option<WebhookSecret>,
    /// The biller's 13-digit GLN for Efecty's GS1-128 barcode; plain Code 128 without it.
    pub efecty_gln: Option<String>,
    /// Per-network amount limits; the network's defaults where absent.
    pub limits: NetworkLimits,
}

/// Amount limits per network, in minor units; each optional.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkLimits {
    /// Efecty (COP).
    #[serde(default)]
    pub efecty: Option<Limits>,
    /// PagoEfectivo (PEN, USD).
    #[serde(default)]
    pub pagoefectivo: Option<Limits>,
}

impl NetworkLimits {
    fn get(&self, network: Network) -> Option<Limits> {
        match network {
            Network::Efecty => self.efecty,
            Network::Pagoefectivo => self.pagoefectivo,
        }
    }
}

impl Merchant {
    /// Whether this merchant's keys are live keys.
    pub fn livemode(&self) -> bool {
        self.mode == Mode::Live
    }

    /// The amount limits for `network` and `currency`, or `None` if the network does not
    /// take the currency.
    pub fn limits(&self, network: Network, currency: Currency) -> Option<Limits> {
        let (min, max) = network.default_limits(currency)?;
        Some(self.limits.get(network).unwrap_or(Limits { min, max }))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerchant {
    id: String,
    secret_key_sha256: Secret,
    mode: Mode,
    #[serde(default)]
    pagoefectivo_secret: Option<Secret>,
    #[serde(default)]
    efecty_secret: Option<Secret>,
    #[serde(default)]
    efecty_gln: Option<String>,
    #[serde(default)]
    limits: NetworkLimits,
}

/// Every configured merchant.
#[derive(Debug, Default)]
pub struct Config {
    /// In configuration order.
    pub merchants: Vec<Merchant>,
}

impl Config {
    /// The merchant with this id.
    pub fn merchant(&self, id: &MerchantId) -> Option<&Merchant> {
        self.merchants.iter().find(|m| &m.id == id)
    }

    /// Parses the `MERCHANTS` text. The error names the merchant index and position only.
    pub fn parse(text: &str) -> Result<Config, String> {
        let raw: Vec<RawMerchant> = serde_json::from_str(text).map_err(|e| {
            format!(
                "MERCHANTS is not valid ({:?} at {}:{})",
                e.classify(),
                e.line(),
                e.column()
            )
        })?;
        let mut merchants = Vec::with_capacity(raw.len());
        for (index, m) in raw.into_iter().enumerate() {
            let bad = |what: &str| format!("MERCHANTS[{index}]: {what}");
            let id =
                m.id.parse::<MerchantId>()
                    .map_err(|_| bad("id is not a mer_ id"))?;
            let hash = m.secret_key_sha256.expose();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("secret_key_sha256 is not 64 hex digits"));
            }
            let secret_key_sha256 = Secret::new(hash.to_ascii_lowercase());
            let efecty_secret = m
                .efecty_secret
                .map(|s| WebhookSecret::parse(s.expose()))
                .transpose()
                .map_err(|_| bad("efecty_secret is not a whsec_ secret"))?;
            if m.pagoefectivo_secret
                .as_ref()
                .is_some_and(|s| s.expose().is_empty())
            {
                return Err(bad("pagoefectivo_secret is empty"));
            }
            if m.efecty_gln
                .as_ref()
                .is_some_and(|g| g.len() != 13 || !g.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(bad("efecty_gln is not 13 digits"));
            }
            let limits = [m.limits.efecty, m.limits.pagoefectivo];
            if limits.iter().flatten().any(|l| l.min < 0 || l.min > l.max) {
                return Err(bad("limits need 0 <= min <= max"));
            }
            merchants.push(Merchant {
                id,
                secret_key_sha256,
                mode: m.mode,
                pagoefectivo_secret: m.pagoefectivo_secret,
                efecty_secret,
                efecty_gln: m.efecty_gln,
                limits: m.limits,
            });
        }
        Ok(Config { merchants })
    }
}

thread_local! {
    /// The parsed configuration and the text it came from. Workers run one request at a
    /// time per thread, and an isolate lives for many requests: parsing once keeps the
    /// per-request CPU to a string comparison.
    static CACHE: RefCell<Option<(String, Rc<Config>)>> = const { RefCell::new(None) };
}

/// The configuration for this request.
pub fn load(env: &Env) -> ApiResult<Rc<Config>> {
    let text = env
        .secret("MERCHANTS")
        .map(|s| s.to_string())
        .map_err(|_| ApiError::internal("the MERCHANTS secret is not set"))?;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((cached, config)) = cache.as_ref()
            && *cached == text
        {
            return Ok(Rc::clone(config));
        }
        let config = Rc::new(Config::parse(&text).map_err(ApiError::internal)?);
        *cache = Some((text, Rc::clone(&config)));
        Ok(config)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = r#"[{"id":"mer_local","secret_key_sha256":"9764d1a16fda9333fdd8773f915805644041c3464b2a45163678f104c6bd6789","mode":"test","pagoefectivo_secret":"pe_local_secret","efecty_secret":"whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=","efecty_gln":"7709998000018","limits":{"pagoefectivo":{"min":1000,"max":2000}}}]"#;

    #[test]
    fn parses_the_local_merchant_and_its_limits() {
        let config = Config::parse(LOCAL).unwrap();
        let m = config.merchant(&MerchantId::local()).unwrap();
        assert!(!m.livemode());
        assert_eq!(
            m.limits(Network::Pagoefectivo, Currency::Pen),
            Some(Limits {
                min: 1000,
                max: 2000
            })
        );
        let (min, max) = Network::Efecty.default_limits(Currency::Cop).unwrap();
        assert_eq!(
            m.limits(Network::Efecty, Currency::Cop),
            Some(Limits { min, max })
        );
        assert_eq!(m.limits(Network::Efecty, Currency::Pen), None);
        assert!(!format!("{m:?}").contains("pe_local_secret"));
    }

    #[test]
    fn errors_never_quote_a_secret() {
        let cases = [
            LOCAL.replace(r#""mode":"test""#, r#""mode":"pe_local_secret""#),
            LOCAL.replace(
                "whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=",
                "whsec_not-base64-pe_local_secret",
            ),
            LOCAL.replace("9764d1a1", "pe_local_secret"),
            LOCAL.replace(
                r#""pagoefectivo_secret":"pe_local_secret""#,
                r#""pagoefectivo_secret":7"#,
            ),
            LOCAL.replace(r#""mode""#, r#""pe_local_secret""#),
        ];
        for text in cases {
            let error = Config::parse(&text).unwrap_err();
            assert!(!error.contains("pe_local_secret"), "{error}");
            assert!(
                !error.contains("ZWZl") && !error.contains("not-base64"),
                "{error}"
            );
        }
    }
}
