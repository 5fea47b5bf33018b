//! The validated types a configuration is made of: modes, keys, secrets per mode, the
//! Efecty biller, PagoEfectivo's API access and the merchant with its limits and rules.

use serde::Deserialize;
use std::collections::BTreeMap;
use time::Duration;
use vale_shared::network::Limits;
use vale_shared::webhook::WebhookSecret;
use vale_shared::{Currency, MerchantId, Network, Secret};

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
    pub(super) fn is_allowed_base(url: &str) -> bool {
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
    pub(super) test_efecty: EfectyBiller,
    /// Efecty's biller for live vouchers: the merchant's real agreement.
    pub(super) live_efecty: EfectyBiller,
    pub(super) limits: BTreeMap<(Network, Currency), Limits>,
    pub(super) windows: BTreeMap<Network, Duration>,
    pub(super) refund_window: Duration,
    pub(super) approval_above: BTreeMap<Currency, i64>,
    /// `unexpected_payments: "refund"`: money a voucher could not take is offered back at
    /// once (a refund opened with reason `paid_after_expiry` or `overpayment`); `"keep"`
    /// (the default) leaves it to the merchant.
    pub refund_unexpected: bool,
    /// How many days a payment may wait for its settlement before the daily digest flags
    /// it (`settlement_grace_days`, default 3).
    pub settlement_grace: Duration,
    pub(super) risk_rules: Vec<vale_shared::risk::Rule>,
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
