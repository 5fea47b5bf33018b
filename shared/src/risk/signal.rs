//! The vocabulary of a risk rule: what is counted ([`Signal`]), what about it
//! ([`Metric`]), over how long ([`Window`]), how it is compared ([`Comparison`]) and what
//! a match does ([`Action`]). Each is a closed enum with one wire name.

use serde::{Deserialize, Serialize};
use time::Duration;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($(#[$vdoc])* #[serde(rename = $wire)] $variant),+ }

        impl $name {
            /// Every value, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The wire names, for error messages (`"a, b, c"`).
            pub fn names() -> String {
                $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or(())
            }
        }
    };
}

wire_enum!(
    /// A shopper signal whose vouchers are counted: the merchant's backend sends it on
    /// create (`customer.*` or `risk.*`). Without it in a request, its rules do not apply.
    Signal {
        /// `customer.email`, compared case-insensitively.
        Email => "email",
        /// `customer.phone`, digits only.
        Phone => "phone",
        /// `customer.document_type` + `customer.document_number`.
        Document => "document",
        /// `risk.ip_address`: the shopper's address as the store saw it.
        Ip => "ip",
        /// `risk.device_id`.
        Device => "device",
    }
);

wire_enum!(
    /// What is measured of the vouchers created for one signal value within a window.
    /// Every measure includes the voucher being created (it is created, unpaid and its
    /// amount counts), so "more than 3 created" first matches the fourth voucher.
    Metric {
        /// Vouchers created.
        Created => "created",
        /// Vouchers created and not paid (pending, expired or cancelled).
        Unpaid => "unpaid",
        /// Vouchers created that have expired.
        Expired => "expired",
        /// The sum of the vouchers' amounts, in minor units of the rule's `currency`.
        Amount => "amount",
    }
);

wire_enum!(
    /// How far back a metric looks. A window is half-open: a voucher created exactly one
    /// window ago has left it.
    Window {
        /// The last hour.
        Hour => "1h",
        /// The last 24 hours.
        Day => "24h",
        /// The last 7 days (the longest: counters keep no more).
        Week => "7d",
    }
);

impl Window {
    /// The window's length.
    ///
    /// ```
    /// use vale_shared::risk::Window;
    /// assert_eq!(Window::Day.duration(), time::Duration::hours(24));
    /// ```
    pub const fn duration(self) -> Duration {
        match self {
            Window::Hour => Duration::hours(1),
            Window::Day => Duration::hours(24),
            Window::Week => Duration::days(7),
        }
    }

    /// The longest window: counters forget what is older.
    pub const LONGEST: Window = Window::Week;
}

wire_enum!(
    /// How a measure is compared with the rule's threshold.
    Comparison {
        /// Strictly greater: `gt 5` matches 6, not 5.
        Gt => "gt",
        /// Greater or equal (inclusive): `gte 5` matches 5.
        Gte => "gte",
    }
);

impl Comparison {
    /// Whether `value` passes against `threshold`.
    ///
    /// ```
    /// use vale_shared::risk::Comparison;
    /// assert!(!Comparison::Gt.holds(5, 5));
    /// assert!(Comparison::Gte.holds(5, 5));
    /// ```
    pub const fn holds(self, value: i64, threshold: i64) -> bool {
        match self {
            Comparison::Gt => value > threshold,
            Comparison::Gte => value >= threshold,
        }
    }
}

wire_enum!(
    /// What a matching rule does. Rules are evaluated by action, `block` first, then
    /// `review`, then `allow`; within one action in the order configured; the first match
    /// wins.
    Action {
        /// Refuse the voucher: `402 risk_blocked`; no voucher is created.
        Block => "block",
        /// Create the voucher without a payment code until a restricted key approves it.
        Review => "review",
        /// Create the voucher as usual (recorded as the rule that allowed it).
        Allow => "allow",
    }
);

/// An ISO 3166-1 alpha-2 country code such as `CO`, as a CDN reports the shopper's
/// (`CF-IPCountry`). Upper case on parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

/// A country code that is not two ASCII letters (or a digit-letter CDN code such as `T1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a country is two letters, ISO 3166-1 alpha-2, such as CO or PE")]
pub struct CountryError;

impl Country {
    /// Parses `co`, `CO` or Cloudflare's `T1` (Tor). `XX` (unknown) parses too: it is
    /// simply not any network's country.
    ///
    /// ```
    /// use vale_shared::risk::Country;
    /// assert_eq!(Country::parse("co").unwrap().as_str(), "CO");
    /// assert!(Country::parse("COL").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Country, CountryError> {
        match text.as_bytes() {
            &[a, b] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
                Ok(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(CountryError),
        }
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XX")
    }

    /// The country a network serves: Efecty `CO`, PagoEfectivo `PE`.
    ///
    /// ```
    /// use vale_shared::{Network, risk::Country};
    /// assert_eq!(Country::of(Network::Pagoefectivo).as_str(), "PE");
    /// ```
    pub const fn of(network: crate::Network) -> Country {
        match network {
            crate::Network::Efecty => Country(*b"CO"),
            crate::Network::Pagoefectivo => Country(*b"PE"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn wire_names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(s.as_str().parse::<Signal>(), Ok(*s));
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for w in Window::ALL {
            assert_eq!(w.as_str().parse::<Window>(), Ok(*w));
        }
        assert_eq!(Window::names(), "1h, 24h, 7d");
        assert_eq!("block".parse::<Action>(), Ok(Action::Block));
        assert_eq!("Block".parse::<Action>(), Err(()));
    }

    #[test]
    fn windows_nest_and_the_week_is_the_longest() {
        assert!(Window::Hour.duration() < Window::Day.duration());
        assert!(Window::Day.duration() < Window::Week.duration());
        assert!(
            Window::ALL
                .iter()
                .all(|w| w.duration() <= Window::LONGEST.duration())
        );
    }

    #[test]
    fn gt_is_exclusive_and_gte_inclusive() {
        assert!(!Comparison::Gt.holds(3, 3));
        assert!(Comparison::Gt.holds(4, 3));
        assert!(Comparison::Gte.holds(3, 3));
        assert!(!Comparison::Gte.holds(2, 3));
    }

    #[test]
    fn countries_parse_upper_case_and_two_characters_only() {
        assert_eq!(
            Country::parse("pe"),
            Ok(Country::of(crate::Network::Pagoefectivo))
        );
        assert_eq!(
            Country::parse("T1").map(|c| c.as_str().to_owned()),
            Ok("T1".into())
        );
        for bad in ["", "C", "COL", "C-", "ñ"] {
            assert_eq!(Country::parse(bad), Err(CountryError), "{bad}");
        }
    }
}
