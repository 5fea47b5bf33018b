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

mod load;
mod merchant;
mod parse;
mod raw;
#[cfg(test)]
mod tests;

pub use load::load;
pub use merchant::*;
pub use parse::Config;
