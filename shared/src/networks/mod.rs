//! The cash networks Vale speaks to, and the facts about each that code relies on: one
//! folder per network (`efecty/`, `pagoefectivo/`) for its wire formats and codes, as
//! hyperswitch keeps one folder per connector.

pub mod efecty;
mod key;
pub mod pagoefectivo;
mod payment_code;
mod rules;

pub use key::{InvalidNetworkKey, NetworkKey};
pub use payment_code::{InvalidPaymentCode, PaymentCode};
pub use rules::NetworkRules;

use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use time::{Duration, UtcOffset};

/// A cash payment network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Efecty, Colombia: cash at over 40,000 points, COP only.
    Efecty,
    /// PagoEfectivo, Peru: agents, bank branches and bank apps, by CIP.
    Pagoefectivo,
}

impl Network {
    /// Every network, for iteration.
    pub const ALL: [Network; 2] = [Network::Efecty, Network::Pagoefectivo];

    /// The name the API uses (`"efecty"`).
    ///
    /// ```
    /// assert_eq!(vale_shared::Network::Pagoefectivo.as_str(), "pagoefectivo");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Network::Efecty => "efecty",
            Network::Pagoefectivo => "pagoefectivo",
        }
    }

    /// The brand a shopper asks for at the counter (`"PagoEfectivo"`).
    ///
    /// ```
    /// assert_eq!(vale_shared::Network::Pagoefectivo.brand(), "PagoEfectivo");
    /// ```
    pub const fn brand(self) -> &'static str {
        match self {
            Network::Efecty => "Efecty",
            Network::Pagoefectivo => "PagoEfectivo",
        }
    }

    /// Whether the network takes payments in `currency`.
    ///
    /// ```
    /// use vale_shared::{Currency, Network};
    /// assert!(Network::Efecty.accepts(Currency::Cop));
    /// assert!(!Network::Efecty.accepts(Currency::Pen));
    /// ```
    pub const fn accepts(self, currency: Currency) -> bool {
        matches!(
            (self, currency),
            (Network::Efecty, Currency::Cop)
                | (Network::Pagoefectivo, Currency::Pen | Currency::Usd)
        )
    }

    /// The IANA zone vouchers are shown in (`"America/Bogota"`).
    ///
    /// ```
    /// assert_eq!(vale_shared::Network::Efecty.time_zone(), "America/Bogota");
    /// ```
    pub const fn time_zone(self) -> &'static str {
        match self {
            Network::Efecty => "America/Bogota",
            Network::Pagoefectivo => "America/Lima",
        }
    }

    /// The city named after a local time ("hora de Bogotá").
    ///
    /// ```
    /// assert_eq!(vale_shared::Network::Pagoefectivo.city(), "Lima");
    /// ```
    pub const fn city(self) -> &'static str {
        match self {
            Network::Efecty => "Bogotá",
            Network::Pagoefectivo => "Lima",
        }
    }

    /// The zone's offset from UTC. Both zones are UTC−05:00 all year: neither Colombia
    /// nor Peru observes daylight saving time, so no time-zone database is needed.
    ///
    /// ```
    /// assert_eq!(vale_shared::Network::Efecty.utc_offset().whole_hours(), -5);
    /// ```
    pub const fn utc_offset(self) -> UtcOffset {
        match self {
            Network::Efecty | Network::Pagoefectivo => time::macros::offset!(-5),
        }
    }

    /// How a voucher's deadline is set on this network (see [`crate::expiry::deadline`]).
    ///
    /// ```
    /// use vale_shared::network::{Deadlines, Network};
    /// assert_eq!(Network::Efecty.deadlines(), Deadlines::EndOfLocalDay { default_days_ahead: 3 });
    /// ```
    pub const fn deadlines(self) -> Deadlines {
        match self {
            // The GS1-128 recaudo barcode carries a date only (AI 96): the voucher must
            // hold until the end of that day, or a cashier scans a code that looks valid.
            Network::Efecty => Deadlines::EndOfLocalDay {
                default_days_ahead: 3,
            },
            Network::Pagoefectivo => Deadlines::Exact {
                default_lifetime: Duration::hours(24),
            },
        }
    }

    /// How long after `expires_at` a voucher waits for the network to confirm a payment
    /// made before it, when the merchant configures nothing: PagoEfectivo confirms within
    /// minutes (1 h), Efecty within hours (12 h).
    ///
    /// ```
    /// assert_eq!(vale_shared::Network::Efecty.default_confirmation_window().whole_hours(), 12);
    /// ```
    pub const fn default_confirmation_window(self) -> Duration {
        match self {
            Network::Efecty => Duration::hours(12),
            Network::Pagoefectivo => Duration::hours(1),
        }
    }

    /// The amount limits used when a merchant configures none, as `(min, max)` in minor
    /// units: Efecty COP 5,000–4,000,000 (the narrowest seen at PSPs), PagoEfectivo
    /// PEN/USD 1–5,000 (the typical per-voucher cap).
    ///
    /// ```
    /// use vale_shared::{Currency, Network};
    /// assert_eq!(Network::Efecty.default_limits(Currency::Cop), Some((500_000, 400_000_000)));
    /// assert_eq!(Network::Efecty.default_limits(Currency::Pen), None);
    /// ```
    pub const fn default_limits(self, currency: Currency) -> Option<(i64, i64)> {
        if !self.accepts(currency) {
            return None;
        }
        Some(match self {
            Network::Efecty => (500_000, 400_000_000),
            Network::Pagoefectivo => (100, 500_000),
        })
    }
}

/// The country whose rules apply to a voucher's refund (documents, phones, banks): the
/// voucher's network decides ([`Network::country`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    /// Colombia (Efecty).
    Colombia,
    /// Peru (PagoEfectivo).
    Peru,
}

impl Country {
    /// The network whose vouchers are paid in this country.
    pub const fn network(self) -> Network {
        match self {
            Country::Colombia => Network::Efecty,
            Country::Peru => Network::Pagoefectivo,
        }
    }
}

/// How a network's deadlines work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadlines {
    /// A voucher ends at 23:59:59 local time on its last day (the barcode says a date).
    EndOfLocalDay {
        /// The last day when the merchant names none: today plus this many days.
        default_days_ahead: u8,
    },
    /// A voucher ends at the instant asked for.
    Exact {
        /// The lifetime when the merchant names none.
        default_lifetime: Duration,
    },
}

/// Per-network amount limits in minor units, inclusive; configuration, not code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The smallest amount a voucher may ask for.
    pub min: i64,
    /// The largest amount a voucher may ask for.
    pub max: i64,
}

impl Limits {
    /// Whether `amount` lies within the limits.
    ///
    /// ```
    /// use vale_shared::{Currency, Money, network::Limits};
    /// let limits = Limits { min: 100, max: 500_000 };
    /// assert!(limits.contains(Money::new(2500, Currency::Pen)?));
    /// assert!(!limits.contains(Money::new(99, Currency::Pen)?));
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub const fn contains(self, amount: Money) -> bool {
        amount.minor() >= self.min && amount.minor() <= self.max
    }
}

impl std::str::FromStr for Network {
    type Err = UnknownNetwork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Network::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or(UnknownNetwork)
    }
}

/// A network name that is neither `efecty` nor `pagoefectivo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown network; expected `efecty` or `pagoefectivo`")]
pub struct UnknownNetwork;

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for network in Network::ALL {
            let json = serde_json::to_string(&network).unwrap();
            assert_eq!(json, format!("\"{}\"", network.as_str()));
            assert_eq!(network.as_str().parse::<Network>(), Ok(network));
        }
        assert_eq!("Efecty".parse::<Network>(), Err(UnknownNetwork));
    }

    #[test]
    fn every_network_has_limits_for_what_it_accepts() {
        for network in Network::ALL {
            for currency in [Currency::Cop, Currency::Pen, Currency::Usd] {
                assert_eq!(
                    network.accepts(currency),
                    network.default_limits(currency).is_some()
                );
            }
        }
    }
}
