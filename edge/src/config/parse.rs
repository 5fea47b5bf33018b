//! From the `MERCHANTS` text to a validated [`Config`]: every check that could break a
//! create or mix modes or merchants, naming the merchant and the field, never a value.

use super::merchant::*;
use super::raw::*;
use std::collections::{BTreeMap, HashMap};
use time::Duration;
use vale_shared::barcode::gs1;
use vale_shared::webhook::WebhookSecret;
use vale_shared::{Currency, MerchantId, Network, Secret};

/// Every configured merchant and key.
#[derive(Debug)]
pub struct Config {
    /// In configuration order.
    pub merchants: Vec<Merchant>,
    /// By the hex SHA-256 of the key.
    pub(super) keys: HashMap<String, Key>,
    /// The edge's own key: client secrets and idempotent voucher ids are derived under it.
    pub server_key: Secret,
}

/// The longest confirmation window a merchant may configure: 7 days.
const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;

impl Config {
    /// The merchant with this id.
    pub fn merchant(&self, id: &MerchantId) -> Option<&Merchant> {
        self.merchants.iter().find(|m| &m.id == id)
    }

    /// The key whose SHA-256 (lowercase hex) is `digest`, with its merchant.
    pub fn key(&self, digest: &str) -> Option<(&Merchant, Key)> {
        let key = *self.keys.get(digest)?;
        Some((self.merchants.get(key.merchant)?, key))
    }

    /// Parses the `MERCHANTS` text and the server key. The error names the merchant
    /// index, the field and at most a position, never a value.
    pub fn parse(text: &str, server_key: Secret) -> Result<Config, String> {
        if server_key.expose().len() < 32 {
            return Err("VALE_SERVER_KEY must be at least 32 characters".to_owned());
        }
        let raw: Vec<RawMerchant> = serde_json::from_str(text).map_err(|e| {
            format!(
                "MERCHANTS is not valid ({:?} at {}:{})",
                e.classify(),
                e.line(),
                e.column()
            )
        })?;
        let mut merchants: Vec<Merchant> = Vec::with_capacity(raw.len());
        let mut keys = HashMap::new();
        for (index, mut m) in raw.into_iter().enumerate() {
            let bad = |what: &str| format!("MERCHANTS[{index}]: {what}");
            let id =
                m.id.parse::<MerchantId>()
                    .map_err(|_| bad("id is not a mer_ id"))?;
            if merchants.iter().any(|other| other.id == id) {
                return Err(bad("id is already used by another merchant"));
            }
            if m.name.trim().is_empty() || m.name.chars().count() > 80 {
                return Err(bad("name must be 1 to 80 characters"));
            }
            if m.keys.is_empty() {
                return Err(bad("keys is empty"));
            }
            for key in m.keys {
                let hash = key.sha256.expose().to_ascii_lowercase();
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("a key's sha256 is not 64 hex digits"));
                }
                let key = Key {
                    merchant: index,
                    mode: key.mode,
                    role: key.role,
                };
                if keys.insert(hash, key).is_some() {
                    return Err(bad("a key is configured twice"));
                }
            }
            let secrets = |raw: RawSecrets, mode: &str| -> Result<NetworkSecrets, String> {
                if raw
                    .pagoefectivo_secret
                    .as_ref()
                    .is_some_and(|s| s.expose().is_empty())
                {
                    return Err(bad(&format!("{mode}.pagoefectivo_secret is empty")));
                }
                let efecty = raw
                    .efecty_secret
                    .map(|s| WebhookSecret::parse(s.expose()))
                    .transpose()
                    .map_err(|_| bad(&format!("{mode}.efecty_secret is not a whsec_ secret")))?;
                let api = raw.pagoefectivo_api.map(|mut api| {
                    api.base_url = api.base_url.trim_end_matches('/').to_owned();
                    api
                });
                if let Some(api) = &api {
                    if mode != "live" {
                        return Err(bad(
                            "test.pagoefectivo_api: test mode never calls PagoEfectivo",
                        ));
                    }
                    if !PagoefectivoApi::is_allowed_base(&api.base_url) {
                        return Err(bad(
                            "live.pagoefectivo_api.base_url must be https:// (http:// only to 127.0.0.1)",
                        ));
                    }
                    if api.id_service.is_empty() || api.access_key.expose().is_empty() {
                        return Err(bad("live.pagoefectivo_api needs id_service and access_key"));
                    }
                    if raw.pagoefectivo_secret.is_none() {
                        return Err(bad(
                            "live.pagoefectivo_api needs live.pagoefectivo_secret (its secretKey)",
                        ));
                    }
                }
                Ok(NetworkSecrets {
                    pagoefectivo: raw.pagoefectivo_secret,
                    efecty,
                    pagoefectivo_api: api,
                })
            };
            let test_efecty = EfectyBiller {
                gln: m.test.efecty_gln.take(),
                convenio: m.test.efecty_convenio.take(),
            };
            // The top level is the live agreement (as configured before modes had their own).
            let live_efecty = EfectyBiller {
                gln: one_of(m.efecty_gln.take(), m.live.efecty_gln.take())
                    .map_err(|()| bad("efecty_gln is set both at the top level and in live"))?,
                convenio: one_of(m.efecty_convenio.take(), m.live.efecty_convenio.take()).map_err(
                    |()| bad("efecty_convenio is set both at the top level and in live"),
                )?,
            };
            for (mode, biller) in [("test.", &test_efecty), ("", &live_efecty)] {
                check_biller(biller).map_err(|field| bad(&format!("{mode}{field}")))?;
            }
            let test = secrets(m.test, "test")?;
            let live = secrets(m.live, "live")?;
            let mut limits = BTreeMap::new();
            for (network, by_currency) in m.limits {
                for (code, l) in by_currency {
                    let currency: Currency = code.parse().map_err(|_| {
                        bad(&format!("limits.{}: unknown currency", network.as_str()))
                    })?;
                    if !network.accepts(currency) {
                        return Err(bad(&format!(
                            "limits.{}.{}: the network does not take this currency",
                            network.as_str(),
                            currency.code()
                        )));
                    }
                    if l.min <= 0 || l.min > l.max {
                        return Err(bad(&format!(
                            "limits.{}.{} need 0 < min <= max",
                            network.as_str(),
                            currency.code()
                        )));
                    }
                    limits.insert((network, currency), l);
                }
            }
            let mut windows = BTreeMap::new();
            for (network, minutes) in m.confirmation_window_minutes {
                if minutes > MAX_WINDOW_MINUTES {
                    return Err(bad("confirmation_window_minutes is over 7 days"));
                }
                windows.insert(network, Duration::minutes(i64::from(minutes)));
            }
            let refund_window_days = m.refund_window_days.unwrap_or(DEFAULT_REFUND_WINDOW_DAYS);
            if !(1..=365).contains(&refund_window_days) {
                return Err(bad("refund_window_days must be 1 to 365"));
            }
            let mut approval_above = BTreeMap::new();
            for (code, above) in m.refund_approval_above {
                let currency: Currency = code
                    .parse()
                    .map_err(|_| bad("refund_approval_above: unknown currency"))?;
                if above < 0 {
                    return Err(bad("refund_approval_above must be 0 or more"));
                }
                approval_above.insert(currency, above);
            }
            let refund_unexpected = match m.unexpected_payments.as_deref() {
                None | Some("keep") => false,
                Some("refund") => true,
                Some(_) => return Err(bad("unexpected_payments must be keep or refund")),
            };
            let grace_days = m.settlement_grace_days.unwrap_or(3);
            if grace_days > 90 {
                return Err(bad("settlement_grace_days must be 0 to 90"));
            }
            let risk_rules = match &m.risk_rules {
                None => vale_shared::risk::default_rules(),
                Some(json) => vale_shared::risk::parse_rules(json)
                    .map_err(|e| bad(&format!("risk_rules: {e}")))?,
            };
            let live_rate_limit = m
                .live_rate_limit_per_second
                .unwrap_or(DEFAULT_LIVE_RATE_LIMIT);
            if !LIVE_RATE_LIMITS.contains(&live_rate_limit) {
                return Err(bad(&format!(
                    "live_rate_limit_per_second must be one of {LIVE_RATE_LIMITS:?}"
                )));
            }
            merchants.push(Merchant {
                id,
                name: m.name,
                platform: m.platform,
                test,
                live,
                test_efecty,
                live_efecty,
                limits,
                windows,
                refund_window: Duration::days(i64::from(refund_window_days)),
                approval_above,
                refund_unexpected,
                settlement_grace: Duration::days(i64::from(grace_days)),
                risk_rules,
                live_rate_limit,
            });
        }
        refuse_shared_secrets(&merchants)?;
        refuse_live_billers_in_test(&merchants)?;
        Ok(Config {
            merchants,
            keys,
            server_key,
        })
    }
}

/// The one of two optional values that is set; both set is an error.
fn one_of<T>(a: Option<T>, b: Option<T>) -> Result<Option<T>, ()> {
    match (a, b) {
        (Some(_), Some(_)) => Err(()),
        (a, b) => Ok(a.or(b)),
    }
}

/// A GLN of 13 digits with its GS1 check digit and a convenio of 1 to 20 digits, or the
/// name of the field and what is wrong with it.
fn check_biller(biller: &EfectyBiller) -> Result<(), &'static str> {
    if let Some(gln) = &biller.gln
        && (gln.len() != 13
            || !gln.bytes().all(|b| b.is_ascii_digit())
            || !gs1::is_valid_check_digit(gln))
    {
        return Err("efecty_gln is not 13 digits with a valid GS1 check digit");
    }
    if biller
        .convenio
        .as_ref()
        .is_some_and(|c| c.is_empty() || c.len() > 20 || !c.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("efecty_convenio is not 1 to 20 digits");
    }
    Ok(())
}

/// Regression (review L4): a notification secret used twice (a merchant's test and live,
/// or two merchants') is refused. The address without a merchant takes the first secret
/// that verifies, so a live payment could be judged in test mode (and lost) or paid to
/// another merchant's voucher. The message names both places, never the secret.
fn refuse_shared_secrets(merchants: &[Merchant]) -> Result<(), String> {
    let mut seen: HashMap<(Network, Vec<u8>), String> = HashMap::new();
    for (index, m) in merchants.iter().enumerate() {
        for mode in Mode::ALL {
            let secrets = m.secrets(mode);
            let name = mode.as_str();
            let keys = [
                (
                    Network::Pagoefectivo,
                    secrets
                        .pagoefectivo
                        .as_ref()
                        .map(|s| s.expose().as_bytes().to_vec()),
                ),
                (
                    Network::Efecty,
                    secrets.efecty.as_ref().map(|s| s.to_whsec().into_bytes()),
                ),
            ];
            for (network, key) in keys {
                let Some(key) = key else { continue };
                let here = format!("MERCHANTS[{index}].{name}.{}_secret", network.as_str());
                if let Some(first) = seen.insert((network, key), here.clone()) {
                    return Err(format!(
                        "{here} is the same secret as {first}: each notification secret must be one merchant's, in one mode"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Regression (review L6): a test GLN or convenio that is any merchant's live one is
/// refused, so a voucher made with a test key can never be paid in real cash.
fn refuse_live_billers_in_test(merchants: &[Merchant]) -> Result<(), String> {
    for (index, m) in merchants.iter().enumerate() {
        for (other, o) in merchants.iter().enumerate() {
            let (test, live) = (&m.test_efecty, &o.live_efecty);
            let clash = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
            for (field, same) in [
                ("efecty_gln", clash(&test.gln, &live.gln)),
                ("efecty_convenio", clash(&test.convenio, &live.convenio)),
            ] {
                if same {
                    return Err(format!(
                        "MERCHANTS[{index}].test.{field} is MERCHANTS[{other}]'s live {field}: test vouchers must not be payable in real cash"
                    ));
                }
            }
        }
    }
    Ok(())
}
