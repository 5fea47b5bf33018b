//! The configuration's serde shapes, as written in `MERCHANTS`, before validation.

use super::merchant::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use vale_shared::network::Limits;
use vale_shared::{Network, Secret};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKey {
    pub(super) sha256: Secret,
    pub(super) mode: Mode,
    pub(super) role: Role,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecrets {
    #[serde(default)]
    pub(super) pagoefectivo_secret: Option<Secret>,
    #[serde(default)]
    pub(super) efecty_secret: Option<Secret>,
    #[serde(default)]
    pub(super) pagoefectivo_api: Option<PagoefectivoApi>,
    #[serde(default)]
    pub(super) efecty_gln: Option<String>,
    #[serde(default)]
    pub(super) efecty_convenio: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMerchant {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) keys: Vec<RawKey>,
    #[serde(default)]
    pub(super) test: RawSecrets,
    #[serde(default)]
    pub(super) live: RawSecrets,
    #[serde(default)]
    pub(super) efecty_gln: Option<String>,
    #[serde(default)]
    pub(super) efecty_convenio: Option<String>,
    #[serde(default)]
    pub(super) limits: BTreeMap<Network, BTreeMap<String, Limits>>,
    #[serde(default)]
    pub(super) confirmation_window_minutes: BTreeMap<Network, u32>,
    #[serde(default)]
    pub(super) refund_window_days: Option<u32>,
    #[serde(default)]
    pub(super) refund_approval_above: BTreeMap<String, i64>,
    #[serde(default)]
    pub(super) unexpected_payments: Option<String>,
    #[serde(default)]
    pub(super) settlement_grace_days: Option<u32>,
    #[serde(default)]
    pub(super) risk_rules: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) live_rate_limit_per_second: Option<u32>,
    #[serde(default)]
    pub(super) platform: bool,
}
