//! Merchants are configuration: the `MERCHANTS` secret holds a JSON array, and
//! `VALE_SERVER_KEY` the edge's own key (client secrets and idempotent ids are derived
//! under it). Both are parsed once per isolate and kept (re-parsed only if the text
//! changes).
//!
//! ```json
//! [{"id": "mer_local", "name": "Tienda Local",
//!   "keys": [{"sha256": "<hex SHA-256 of sk_test_local>", "mode": "test", "role": "secret"},
//!            {"sha256": "<hex SHA-256 of rk_test_local>", "mode": "test", "role": "restricted"}],
//!   "test": {"pagoefectivo_secret": "pe_local_secret", "efecty_secret": "whsec_…",
//!            "efecty_gln": "7709998000018", "efecty_convenio": "112233"},
//!   "live": {"pagoefectivo_secret": "…", "efecty_secret": "whsec_…",
//!            "pagoefectivo_api": {"base_url": "https://…", "id_service": "…", "access_key": "…"}},
//!   "efecty_gln": "<the live GLN>", "efecty_convenio": "<the live convenio>",
//!   "limits": {"efecty": {"COP": {"min": 500000, "max": 400000000}}},
//!   "confirmation_window_minutes": {"efecty": 720, "pagoefectivo": 60},
//!   "refund_window_days": 15, "refund_approval_above": {"COP": 100000000},
//!   "unexpected_payments": "keep", "settlement_grace_days": 3,
//!   "risk_rules": [{"signal": "ip", "metric": "created", "window": "1h",
//!                   "comparison": "gt", "threshold": 3, "action": "review"}],
//!   "live_rate_limit_per_second": 100, "platform": false}]
//! ```
//!
//! A configuration that could break a create is refused at load, naming the merchant and
//! the field (never a value): duplicate merchant ids or keys, a GLN whose check digit is
//! wrong, limits that are not `0 < min <= max`, a currency the network does not take.
//! So is one that would mix modes or merchants: a notification secret used twice (test
//! and live of one merchant, or by two merchants: the shared notification address would
//! judge a payment under the wrong one), and a test GLN or convenio that is a live one.
//!
//! **Efecty's biller per mode.** The top-level `efecty_gln` and `efecty_convenio` (or
//! `live.efecty_gln`, `live.efecty_convenio`) are the merchant's real recaudo agreement and
//! are used in live mode only. Test vouchers use `test.efecty_gln` / `test.efecty_convenio`
//! when configured (local development's published values, which are no real agreement),
//! else none: a plain Code 128 of the reference and no convenio, which no Efecty point can
//! take, so a voucher made with a test key is never payable in real cash.
//! Every secret is wrapped the moment it is read (`Secret`, `WebhookSecret`), and parse
//! errors are logged by position only: serde's messages may quote the offending value.

use crate::http::error::{ApiError, ApiResult};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use time::Duration;
use vale_shared::barcode::gs1;
use vale_shared::network::Limits;
use vale_shared::webhook::WebhookSecret;
use vale_shared::{Currency, MerchantId, Network, Secret};
use worker::Env;

/// Test or live: which money a key, an object and a notification secret belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `…_test_…`: the sandbox works, nothing is real.
    Test,
    /// `…_live_…`.
    Live,
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Test, Mode::Live];

    /// `livemode` as the API writes it.
    pub const fn livemode(self) -> bool {
        matches!(self, Mode::Live)
    }

    /// The mode of `livemode`.
    pub const fn of(livemode: bool) -> Mode {
        if livemode { Mode::Live } else { Mode::Test }
    }

    /// `test` or `live`, as the configuration writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `sk_…`: everything.
    Secret,
    /// `rk_…`: read, and approve or reject what waits for a second pair of eyes.
    Restricted,
}

/// One configured API key (its hash only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Index of its merchant in [`Config::merchants`].
    pub merchant: usize,
    /// Its mode.
    pub mode: Mode,
    /// Its role.
    pub role: Role,
}

/// A merchant's notification secrets for one mode, and (live) its PagoEfectivo API.
#[derive(Debug, Default)]
pub struct NetworkSecrets {
    /// PagoEfectivo's secret key: the HMAC key of `PE-Signature`, and the API's
    /// `secretKey` in the authorization's `hashString`.
    pub pagoefectivo: Option<Secret>,
    /// Efecty's Standard Webhooks secret.
    pub efecty: Option<WebhookSecret>,
    /// PagoEfectivo's REST API (live mode only): CIPs come from it.
    pub pagoefectivo_api: Option<PagoefectivoApi>,
}

/// Efecty's biller in one mode: whose recaudo agreement a voucher's barcode and convenio
/// name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EfectyBiller {
    /// The biller's 13-digit GLN for Efecty's GS1-128 barcode (check digit verified);
    /// plain Code 128 of the reference without it.
    pub gln: Option<String>,
    /// The agreement number ("convenio") shoppers give at the counter.
    pub convenio: Option<String>,
}

/// Where and as whom the edge calls PagoEfectivo's REST API v1; the `secretKey` is
/// [`NetworkSecrets::pagoefectivo`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagoefectivoApi {
    /// Such as `https://…` with no trailing slash; `http://` only to 127.0.0.1 or
    /// localhost (a local fake).
    pub base_url: String,
    /// `idService`.
    pub id_service: String,
    /// `accessKey`.
    pub access_key: Secret,
}

impl PagoefectivoApi {
    /// Whether `url` may be an API base: `https://` with a host, or `http://` to this
    /// machine; no path beyond `/`, no query.
    fn is_allowed_base(url: &str) -> bool {
        let rest = match url.split_once("://") {
            Some(("https", rest)) => rest,
            Some(("http", rest)) => {
                let host = rest.split(['/', ':']).next().unwrap_or("");
                if host != "127.0.0.1" && host != "localhost" {
                    return false;
                }
                rest
            }
            _ => return false,
        };
        let host = rest.split(['/', ':']).next().unwrap_or("");
        !host.is_empty() && !rest.contains(['?', '#', '@', ' '])
    }
}

/// One merchant, as configured.
#[derive(Debug)]
pub struct Merchant {
    /// `mer_…`.
    pub id: MerchantId,
    /// The display name shoppers see ("Tienda Local").
    pub name: String,
    /// `platform: true`: a marketplace platform, taking cash for its sellers' accounts
    /// (`/v1/accounts`, splits, balances, payouts); other merchants get `403` there.
    pub platform: bool,
    /// Test-mode notification secrets.
    pub test: NetworkSecrets,
    /// Live-mode notification secrets.
    pub live: NetworkSecrets,
    /// Efecty's biller for test vouchers: never a live GLN or convenio.
    test_efecty: EfectyBiller,
    /// Efecty's biller for live vouchers: the merchant's real agreement.
    live_efecty: EfectyBiller,
    limits: BTreeMap<(Network, Currency), Limits>,
    windows: BTreeMap<Network, Duration>,
    refund_window: Duration,
    approval_above: BTreeMap<Currency, i64>,
    /// `unexpected_payments: "refund"`: money a voucher could not take is offered back at
    /// once (a refund opened with reason `paid_after_expiry` or `overpayment`); `"keep"`
    /// (the default) leaves it to the merchant.
    pub refund_unexpected: bool,
    /// How many days a payment may wait for its settlement before the daily digest flags
    /// it (`settlement_grace_days`, default 3).
    pub settlement_grace: Duration,
    risk_rules: Vec<vale_shared::risk::Rule>,
    /// Requests per second each live key may make (`live_rate_limit_per_second`, one of
    /// [`LIVE_RATE_LIMITS`], default 100). Test keys always have 200.
    pub live_rate_limit: u32,
}

/// The live rate limits a merchant may choose, per key and second. Each is a Workers Rate
/// Limiting binding (`RATE_LIMIT_LIVE_<n>` in `wrangler.toml`): a binding's limit is fixed
/// when the Worker is deployed, so configuration picks one of these rather than any number.
pub const LIVE_RATE_LIMITS: [u32; 5] = [50, 100, 200, 500, 1000];

/// A live key's requests per second unless configured: the contract's 100.
pub const DEFAULT_LIVE_RATE_LIMIT: u32 = 100;

/// How long after a payment a refund may be opened, unless configured: 15 days.
pub const DEFAULT_REFUND_WINDOW_DAYS: u32 = 15;

impl Merchant {
    /// How long after a payment a refund may be opened (`refund_window_days`).
    pub fn refund_window(&self) -> Duration {
        self.refund_window
    }

    /// Refunds above this amount (minor units) in `currency` wait for a restricted key's
    /// approval (`refund_approval_above`); `None`: none wait.
    pub fn approval_above(&self, currency: Currency) -> Option<i64> {
        self.approval_above.get(&currency).copied()
    }

    /// Efecty's biller (GLN and convenio) for vouchers of `mode`: a test voucher never
    /// carries the live agreement.
    pub fn efecty(&self, mode: Mode) -> &EfectyBiller {
        match mode {
            Mode::Test => &self.test_efecty,
            Mode::Live => &self.live_efecty,
        }
    }

    /// The notification secrets of `mode`.
    pub fn secrets(&self, mode: Mode) -> &NetworkSecrets {
        match mode {
            Mode::Test => &self.test,
            Mode::Live => &self.live,
        }
    }

    /// The amount limits for `network` and `currency`, or `None` if the network does not
    /// take the currency.
    pub fn limits(&self, network: Network, currency: Currency) -> Option<Limits> {
        let (min, max) = network.default_limits(currency)?;
        Some(
            self.limits
                .get(&(network, currency))
                .copied()
                .unwrap_or(Limits { min, max }),
        )
    }

    /// The risk rules evaluated on create (`risk_rules`; the documented defaults when the
    /// field is absent, none when it is `[]`).
    pub fn risk_rules(&self) -> &[vale_shared::risk::Rule] {
        &self.risk_rules
    }

    /// How long a voucher of `network` waits after its deadline for a payment made in time.
    pub fn confirmation_window(&self, network: Network) -> Duration {
        self.windows
            .get(&network)
            .copied()
            .unwrap_or_else(|| network.default_confirmation_window())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    sha256: Secret,
    mode: Mode,
    role: Role,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSecrets {
    #[serde(default)]
    pagoefectivo_secret: Option<Secret>,
    #[serde(default)]
    efecty_secret: Option<Secret>,
    #[serde(default)]
    pagoefectivo_api: Option<PagoefectivoApi>,
    #[serde(default)]
    efecty_gln: Option<String>,
    #[serde(default)]
    efecty_convenio: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerchant {
    id: String,
    name: String,
    keys: Vec<RawKey>,
    #[serde(default)]
    test: RawSecrets,
    #[serde(default)]
    live: RawSecrets,
    #[serde(default)]
    efecty_gln: Option<String>,
    #[serde(default)]
    efecty_convenio: Option<String>,
    #[serde(default)]
    limits: BTreeMap<Network, BTreeMap<String, Limits>>,
    #[serde(default)]
    confirmation_window_minutes: BTreeMap<Network, u32>,
    #[serde(default)]
    refund_window_days: Option<u32>,
    #[serde(default)]
    refund_approval_above: BTreeMap<String, i64>,
    #[serde(default)]
    unexpected_payments: Option<String>,
    #[serde(default)]
    settlement_grace_days: Option<u32>,
    #[serde(default)]
    risk_rules: Option<serde_json::Value>,
    #[serde(default)]
    live_rate_limit_per_second: Option<u32>,
    #[serde(default)]
    platform: bool,
}

/// Every configured merchant and key.
#[derive(Debug)]
pub struct Config {
    /// In configuration order.
    pub merchants: Vec<Merchant>,
    /// By the hex SHA-256 of the key.
    keys: HashMap<String, Key>,
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

thread_local! {
    /// The parsed configuration and the texts it came from. Workers run one request at a
    /// time per thread, and an isolate lives for many requests: parsing once keeps the
    /// per-request CPU to a string comparison.
    static CACHE: RefCell<Option<(String, String, Rc<Config>)>> = const { RefCell::new(None) };
}

fn secret_text(env: &Env, name: &str) -> ApiResult<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .map_err(|_| ApiError::internal(format!("the {name} secret is not set")))
}

/// The configuration for this request.
pub fn load(env: &Env) -> ApiResult<Rc<Config>> {
    let text = secret_text(env, "MERCHANTS")?;
    let key = secret_text(env, "VALE_SERVER_KEY")?;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((cached, cached_key, config)) = cache.as_ref()
            && *cached == text
            && *cached_key == key
        {
            return Ok(Rc::clone(config));
        }
        let config =
            Rc::new(Config::parse(&text, Secret::new(key.clone())).map_err(ApiError::internal)?);
        *cache = Some((text, key, Rc::clone(&config)));
        Ok(config)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SK: &str = "9764d1a16fda9333fdd8773f915805644041c3464b2a45163678f104c6bd6789";
    const RK: &str = "e77bed58f9a92dfbcde1cee0ceb37cfd19e534c8625e5da78b073ff17fc59b95";

    fn local() -> String {
        format!(
            r#"[{{"id":"mer_local","name":"Tienda Local",
              "keys":[{{"sha256":"{SK}","mode":"test","role":"secret"}},{{"sha256":"{RK}","mode":"test","role":"restricted"}}],
              "test":{{"pagoefectivo_secret":"pe_local_secret","efecty_secret":"whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk="}},
              "efecty_gln":"7709998000018","efecty_convenio":"112233",
              "limits":{{"pagoefectivo":{{"PEN":{{"min":1000,"max":2000}}}}}},
              "confirmation_window_minutes":{{"efecty":30}}}}]"#
        )
    }

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Secret::new("a local server key of 32+ characters"))
    }

    #[test]
    fn parses_the_local_merchant_its_keys_limits_and_windows() {
        let config = parse(&local()).unwrap();
        let m = config.merchant(&MerchantId::local()).unwrap();
        assert_eq!(m.name, "Tienda Local");
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
        assert_eq!(
            m.limits(Network::Pagoefectivo, Currency::Usd)
                .map(|l| l.min),
            Some(100)
        );
        assert_eq!(m.limits(Network::Efecty, Currency::Pen), None);
        assert_eq!(
            m.confirmation_window(Network::Efecty),
            Duration::minutes(30)
        );
        assert_eq!(
            m.confirmation_window(Network::Pagoefectivo),
            Duration::hours(1)
        );
        let (_, sk) = config.key(SK).unwrap();
        assert_eq!((sk.mode, sk.role), (Mode::Test, Role::Secret));
        let (_, rk) = config.key(RK).unwrap();
        assert_eq!((rk.mode, rk.role), (Mode::Test, Role::Restricted));
        assert!(m.live.pagoefectivo.is_none());
        assert!(!format!("{m:?}").contains("pe_local_secret"));
    }

    /// Issue #23: `edge/.dev.vars` serves the contract's two local merchants, and only
    /// `mer_platform` is a platform (its own keys, secrets and convenio).
    #[test]
    fn the_local_configuration_has_mer_local_and_the_platform_mer_platform() {
        let vars = include_str!("../../.dev.vars");
        let line = vars
            .lines()
            .find_map(|l| l.strip_prefix("MERCHANTS='"))
            .unwrap()
            .trim_end_matches('\'');
        let config = parse(line).unwrap();
        let store = config.merchant(&MerchantId::local()).unwrap();
        assert!(!store.platform);
        let platform = config.merchant(&MerchantId::platform()).unwrap();
        assert!(platform.platform);
        assert_eq!(platform.name, "Mercado Local");
        let digest = |key: &str| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(key));
        for (key, role) in [
            ("sk_test_platform", Role::Secret),
            ("rk_test_platform", Role::Restricted),
        ] {
            let (m, k) = config.key(&digest(key)).unwrap();
            assert_eq!((&m.id, k.mode, k.role), (&platform.id, Mode::Test, role));
        }
        assert_eq!(
            platform
                .secrets(Mode::Test)
                .pagoefectivo
                .as_ref()
                .map(|s| s.expose()),
            Some("pe_platform_secret")
        );
        assert_eq!(
            platform.efecty(Mode::Test).convenio.as_deref(),
            Some("112244")
        );
        assert!(
            !parse(&local())
                .unwrap()
                .merchants
                .iter()
                .any(|m| m.platform)
        );
    }

    /// Regression: a configuration that made every create fail (a bad GLN, a zero
    /// minimum) or made two merchants share a key loaded fine.
    #[test]
    fn configuration_that_would_break_creates_is_refused_at_load() {
        let second = local()
            .replace(SK, &"a".repeat(64))
            .replace(RK, &"b".repeat(64));
        let two = |other: &str| {
            format!(
                "[{},{}]",
                &local()[1..local().len() - 1],
                &other[1..other.len() - 1]
            )
        };
        let cases = [
            (
                local().replace("7709998000018", "7709998000017"),
                "efecty_gln",
            ),
            (local().replace(r#""min":1000"#, r#""min":0"#), "0 < min"),
            (local().replace(r#""PEN":{"#, r#""COP":{"#), "does not take"),
            (two(&second), "id is already used"),
            (
                two(&second
                    .replace("mer_local", "mer_000000000000000000000001")
                    .replace(&"a".repeat(64), SK)),
                "configured twice",
            ),
            (local().replace(RK, SK), "configured twice"),
            (
                local().replace(r#""efecty":30"#, r#""efecty":999999"#),
                "over 7 days",
            ),
            (
                local().replace(r#""name":"Tienda Local","#, r#""name":" ","#),
                "name",
            ),
        ];
        for (text, why) in cases {
            let error = parse(&text).map(|_| ()).unwrap_err();
            assert!(error.contains(why), "{why}: {error}");
        }
        assert!(Config::parse(&local(), Secret::new("short")).is_err());
    }

    #[test]
    fn errors_never_quote_a_secret() {
        let cases = [
            local().replace(r#""mode":"test""#, r#""mode":"pe_local_secret""#),
            local().replace(
                "whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=",
                "whsec_not-base64-pe_local_secret",
            ),
            local().replace("9764d1a1", "pe_local_secret"),
            local().replace(
                r#""pagoefectivo_secret":"pe_local_secret""#,
                r#""pagoefectivo_secret":7"#,
            ),
            local().replace(r#""keys""#, r#""pe_local_secret""#),
        ];
        for text in cases {
            let error = parse(&text).map(|_| ()).unwrap_err();
            assert!(!error.contains("pe_local_secret"), "{error}");
            assert!(
                !error.contains("ZWZl") && !error.contains("not-base64"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_live_pagoefectivo_api_needs_a_safe_base_and_its_secret_key() {
        let with = |live: &str| {
            local().replace(r#""efecty_gln""#, &format!(r#""live":{live},"efecty_gln""#))
        };
        let api = |base: &str| {
            format!(
                r#"{{"pagoefectivo_secret":"pe_live","pagoefectivo_api":{{"base_url":"{base}","id_service":"1","access_key":"ak"}}}}"#
            )
        };
        let config = parse(&with(&api("https://api.pe.example/"))).unwrap();
        let live = &config.merchant(&MerchantId::local()).unwrap().live;
        assert_eq!(
            live.pagoefectivo_api.as_ref().map(|a| a.base_url.as_str()),
            Some("https://api.pe.example")
        );
        assert!(parse(&with(&api("http://127.0.0.1:9999"))).is_ok());
        for (base, why) in [
            ("http://api.pe.example", "base_url"),
            ("ftp://x", "base_url"),
            ("https://", "base_url"),
            ("https://u@evil.example", "base_url"),
        ] {
            let error = parse(&with(&api(base))).map(|_| ()).unwrap_err();
            assert!(error.contains(why), "{base}: {error}");
        }
        let no_secret = r#"{"pagoefectivo_api":{"base_url":"https://a.example","id_service":"1","access_key":"ak"}}"#;
        assert!(
            parse(&with(no_secret))
                .unwrap_err()
                .contains("pagoefectivo_secret")
        );
        let in_test = local().replace(
            r#""pagoefectivo_secret":"pe_local_secret""#,
            r#""pagoefectivo_secret":"pe_local_secret","pagoefectivo_api":{"base_url":"https://a.example","id_service":"1","access_key":"ak"}"#,
        );
        assert!(parse(&in_test).unwrap_err().contains("test mode"));
    }

    #[test]
    fn live_rate_limit_defaults_to_100_and_only_a_bound_tier_is_taken() {
        let config = parse(&local()).unwrap();
        assert_eq!(config.merchants[0].live_rate_limit, 100);
        let with = |n: &str| {
            local().replace(
                r#""efecty_gln""#,
                &format!(r#""live_rate_limit_per_second":{n},"efecty_gln""#),
            )
        };
        for tier in LIVE_RATE_LIMITS {
            let config = parse(&with(&tier.to_string())).unwrap();
            assert_eq!(config.merchants[0].live_rate_limit, tier);
        }
        for refused in ["0", "99", "5000"] {
            assert_eq!(
                parse(&with(refused)).map(|_| ()).unwrap_err(),
                "MERCHANTS[0]: live_rate_limit_per_second must be one of [50, 100, 200, 500, 1000]",
                "{refused}"
            );
        }
        assert!(parse(&with("-1")).is_err());
        assert!(parse(&with("\"100\"")).is_err());
    }

    /// Regression (review L4): a secret shared by test and live, or by two merchants, made
    /// the shared notification address judge a payment under the wrong merchant or mode.
    #[test]
    fn a_notification_secret_used_twice_is_refused_naming_both_places_never_the_secret() {
        const WHSEC: &str = "whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=";
        let with_live = |live: &str| {
            local().replace(r#""efecty_gln""#, &format!(r#""live":{live},"efecty_gln""#))
        };
        let second = |test: &str| {
            let other = format!(
                r#"{{"id":"mer_000000000000000000000001","name":"Otra","keys":[{{"sha256":"{}","mode":"test","role":"secret"}}],"test":{test}}}"#,
                "c".repeat(64)
            );
            format!("[{},{other}]", &local()[1..local().len() - 1])
        };
        let cases = [
            (
                with_live(r#"{"pagoefectivo_secret":"pe_local_secret"}"#),
                "MERCHANTS[0].live.pagoefectivo_secret is the same secret as MERCHANTS[0].test.pagoefectivo_secret",
            ),
            (
                with_live(&format!(r#"{{"efecty_secret":"{WHSEC}"}}"#)),
                "MERCHANTS[0].live.efecty_secret is the same secret as MERCHANTS[0].test.efecty_secret",
            ),
            (
                second(r#"{"pagoefectivo_secret":"pe_local_secret"}"#),
                "MERCHANTS[1].test.pagoefectivo_secret is the same secret as MERCHANTS[0].test.pagoefectivo_secret",
            ),
            (
                // The same key bytes however the base64 is padded.
                second(r#"{"efecty_secret":"whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk"}"#),
                "MERCHANTS[1].test.efecty_secret is the same secret as MERCHANTS[0].test.efecty_secret",
            ),
        ];
        for (text, why) in cases {
            let error = parse(&text).map(|_| ()).unwrap_err();
            assert!(error.starts_with(why), "{why}: {error}");
            assert!(
                !error.contains("pe_local") && !error.contains("ZWZl"),
                "{error}"
            );
        }
        // Different secrets, and one network's secret equal to nothing else, load.
        assert!(parse(&with_live(r#"{"pagoefectivo_secret":"pe_live_secret"}"#)).is_ok());
        assert!(parse(&second(r#"{"pagoefectivo_secret":"pe_other_secret"}"#)).is_ok());
    }

    /// Regression (review L6): test vouchers carried the merchant's real GLN and convenio,
    /// so a voucher made with a test key could be paid in real cash.
    #[test]
    fn test_vouchers_never_get_the_live_gln_or_convenio() {
        // The top level is the live agreement: test mode has none.
        let config = parse(&local()).unwrap();
        let m = &config.merchants[0];
        let live = EfectyBiller {
            gln: Some("7709998000018".into()),
            convenio: Some("112233".into()),
        };
        assert_eq!(m.efecty(Mode::Live), &live);
        assert_eq!(m.efecty(Mode::Test), &EfectyBiller::default());
        // Local development's values, given to test mode only (as .dev.vars does).
        let local_dev = local()
            .replace(
                r#""efecty_gln":"7709998000018","efecty_convenio":"112233","#,
                "",
            )
            .replace(
                r#""pagoefectivo_secret":"pe_local_secret","#,
                r#""pagoefectivo_secret":"pe_local_secret","efecty_gln":"7709998000018","efecty_convenio":"112233","#,
            );
        let config = parse(&local_dev).unwrap();
        let m = &config.merchants[0];
        assert_eq!(m.efecty(Mode::Test), &live);
        assert_eq!(m.efecty(Mode::Live), &EfectyBiller::default());
        // `live.…` is the same as the top level; both at once is refused.
        let in_live = local().replace(
            r#""efecty_gln""#,
            r#""live":{"efecty_gln":"7709998000018"},"efecty_gln""#,
        );
        assert_eq!(
            parse(&in_live).map(|_| ()).unwrap_err(),
            "MERCHANTS[0]: efecty_gln is set both at the top level and in live"
        );
        // A test GLN or convenio that is a live one (this merchant's or another's).
        let test_is_live = local().replace(
            r#""pagoefectivo_secret":"pe_local_secret","#,
            r#""pagoefectivo_secret":"pe_local_secret","efecty_gln":"7709998000018","#,
        );
        assert_eq!(
            parse(&test_is_live).map(|_| ()).unwrap_err(),
            "MERCHANTS[0].test.efecty_gln is MERCHANTS[0]'s live efecty_gln: test vouchers must not be payable in real cash"
        );
        let other = format!(
            r#"{{"id":"mer_000000000000000000000001","name":"Otra","keys":[{{"sha256":"{}","mode":"test","role":"secret"}}],"test":{{"efecty_convenio":"112233"}}}}"#,
            "c".repeat(64)
        );
        let two = format!("[{},{other}]", &local()[1..local().len() - 1]);
        assert_eq!(
            parse(&two).map(|_| ()).unwrap_err(),
            "MERCHANTS[1].test.efecty_convenio is MERCHANTS[0]'s live efecty_convenio: test vouchers must not be payable in real cash"
        );
        let bad_test_gln = local_dev.replace("7709998000018", "7709998000017");
        assert_eq!(
            parse(&bad_test_gln).map(|_| ()).unwrap_err(),
            "MERCHANTS[0]: test.efecty_gln is not 13 digits with a valid GS1 check digit"
        );
    }

    #[test]
    fn risk_rules_default_when_absent_none_when_empty_and_bad_ones_are_refused() {
        let config = parse(&local()).unwrap();
        let m = config.merchant(&MerchantId::local()).unwrap();
        assert_eq!(
            m.risk_rules(),
            vale_shared::risk::default_rules().as_slice()
        );
        let with = |rules: &str| {
            local().replace(
                r#""efecty_gln""#,
                &format!(r#""risk_rules":{rules},"efecty_gln""#),
            )
        };
        let none = parse(&with("[]")).unwrap();
        assert!(none.merchants[0].risk_rules().is_empty());
        let error = parse(&with(r#"[{"signal":"ip","metric":"created","window":"2h","comparison":"gt","threshold":3,"action":"review"}]"#))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            error,
            "MERCHANTS[0]: risk_rules: risk rule 0: `window` is `2h`; expected one of 1h, 24h, 7d"
        );
    }
}
