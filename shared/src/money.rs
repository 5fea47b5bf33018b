//! Money as integer minor units of an ISO 4217 currency: exact, checked, never a float.
//!
//! Parsing turns decimal strings such as PagoEfectivo's `25.00` into minor units digit by
//! digit; display prints what `Intl.NumberFormat` prints in Chromium for the shopper's
//! locale (`es-CO` for pesos, `es-PE` for soles), so the server and the widget agree.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A currency the networks take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    /// Colombian peso (Efecty). Two minor digits in ISO 4217; cash takes whole pesos only.
    #[serde(rename = "COP")]
    Cop,
    /// Peruvian sol (PagoEfectivo).
    #[serde(rename = "PEN")]
    Pen,
    /// US dollar (PagoEfectivo also takes it).
    #[serde(rename = "USD")]
    Usd,
}

impl Currency {
    /// The ISO 4217 exponent: how many minor digits a major unit has.
    ///
    /// ```
    /// assert_eq!(vale_shared::Currency::Cop.exponent(), 2);
    /// ```
    pub const fn exponent(self) -> u32 {
        match self {
            Currency::Cop | Currency::Pen | Currency::Usd => 2,
        }
    }

    /// The ISO 4217 code, such as `"COP"`.
    ///
    /// ```
    /// assert_eq!(vale_shared::Currency::Pen.code(), "PEN");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Cop => "COP",
            Currency::Pen => "PEN",
            Currency::Usd => "USD",
        }
    }

    /// The smallest amount cash can carry, in minor units: a whole peso for COP.
    ///
    /// ```
    /// assert_eq!(vale_shared::Currency::Cop.cash_step(), 100);
    /// ```
    pub const fn cash_step(self) -> i64 {
        match self {
            Currency::Cop => 100,
            Currency::Pen | Currency::Usd => 1,
        }
    }

    const fn scale(self) -> i64 {
        10_i64.pow(self.exponent())
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "COP" => Ok(Currency::Cop),
            "PEN" => Ok(Currency::Pen),
            "USD" => Ok(Currency::Usd),
            _ => Err(MoneyError::UnknownCurrency),
        }
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Amounts are never negative.
    #[error("the amount is negative")]
    Negative,
    /// The result does not fit in 64 bits of minor units.
    #[error("the amount is too large")]
    Overflow,
    /// Two amounts in different currencies were combined.
    #[error("the currencies differ")]
    CurrencyMismatch,
    /// A decimal string had more fraction digits than the currency allows.
    #[error("too many decimal places for the currency")]
    TooPrecise,
    /// A decimal string was not of the form `123` or `123.45`.
    #[error("not a decimal amount")]
    Malformed,
    /// A currency code this crate does not know.
    #[error("unknown currency")]
    UnknownCurrency,
}

/// An amount of money: integer minor units of one currency.
///
/// Serialises as the API's `{"amount": 5000000, "currency": "COP"}` pair (flatten it into
/// the enclosing object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(rename = "amount")]
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount of `minor` units; refuses negative amounts.
    ///
    /// ```
    /// use vale_shared::{Currency, Money};
    /// let fifty_thousand_pesos = Money::new(5_000_000, Currency::Cop)?;
    /// assert_eq!(fifty_thousand_pesos.minor(), 5_000_000);
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn new(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Money { minor, currency })
    }

    /// The amount in minor units; see [`Money::new`].
    pub const fn minor(self) -> i64 {
        self.minor
    }

    /// The currency.
    ///
    /// ```
    /// use vale_shared::{Currency, Money};
    /// assert_eq!(Money::new(2550, Currency::Pen)?.currency(), Currency::Pen);
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// Whether cash can carry this amount exactly (whole pesos for COP).
    ///
    /// ```
    /// use vale_shared::{Currency, Money};
    /// assert!(Money::new(5_000_000, Currency::Cop)?.is_cash_exact());
    /// assert!(!Money::new(5_000_050, Currency::Cop)?.is_cash_exact());
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub const fn is_cash_exact(self) -> bool {
        self.minor % self.currency.cash_step() == 0
    }

    /// The whole major units, rounded down (pesos for the GS1 `(3900)` field).
    ///
    /// ```
    /// use vale_shared::{Currency, Money};
    /// assert_eq!(Money::new(5_000_000, Currency::Cop)?.major_floor(), 50_000);
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub const fn major_floor(self) -> i64 {
        self.minor / self.currency.scale()
    }

    /// `self + other`, refusing mixed currencies and overflow.
    ///
    /// ```
    /// use vale_shared::{Currency, Money};
    /// let a = Money::new(150, Currency::Pen)?;
    /// assert_eq!(a.checked_add(a)?.minor(), 300);
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Money::new(minor, self.currency)
    }

    /// `self - other`, refusing mixed currencies and a negative result.
    ///
    /// ```
    /// use vale_shared::{Currency, Money, MoneyError};
    /// let a = Money::new(150, Currency::Pen)?;
    /// let b = Money::new(200, Currency::Pen)?;
    /// assert_eq!(b.checked_sub(a)?.minor(), 50);
    /// assert_eq!(a.checked_sub(b), Err(MoneyError::Negative));
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Money::new(minor, self.currency)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch)
        }
    }

    /// Parses a plain decimal string (`25`, `25.5`, `25.00`) into minor units exactly,
    /// refusing signs, exponents, spaces and more fraction digits than the currency has.
    ///
    /// ```
    /// use vale_shared::{Currency, Money, MoneyError};
    /// assert_eq!(Money::parse_decimal("25.00", Currency::Pen)?.minor(), 2500);
    /// assert_eq!(Money::parse_decimal("25.5", Currency::Pen)?.minor(), 2550);
    /// assert_eq!(Money::parse_decimal("25.001", Currency::Pen), Err(MoneyError::TooPrecise));
    /// assert_eq!(Money::parse_decimal("2.5e1", Currency::Pen), Err(MoneyError::Malformed));
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
            Some(_) => return Err(MoneyError::Malformed),
            None => (text, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(MoneyError::Malformed);
        }
        let exponent = currency.exponent() as usize;
        if fraction.len() > exponent {
            return Err(MoneyError::TooPrecise);
        }
        let mut minor: i64 = 0;
        let padding = std::iter::repeat_n(b'0', exponent - fraction.len());
        for digit in whole.bytes().chain(fraction.bytes()).chain(padding) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(digit - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        Money::new(minor, currency)
    }

    /// The amount as a plain decimal string with every minor digit: `25.00`.
    ///
    /// ```
    /// use vale_shared::{Currency, Money};
    /// assert_eq!(Money::new(2550, Currency::Pen)?.to_decimal_string(), "25.50");
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn to_decimal_string(self) -> String {
        let scale = self.currency.scale();
        let width = self.currency.exponent() as usize;
        format!("{}.{:0width$}", self.minor / scale, self.minor % scale)
    }
}

/// The amount as a shopper reads it, exactly as Chromium's `Intl.NumberFormat` prints it
/// for `es-CO`/COP (`$ 50.000`, no centavos: cash has none) and `es-PE`/PEN
/// (`S/ 25.50`); the space after the symbol is a no-break space (U+00A0).
///
/// ```
/// use vale_shared::{Currency, Money};
/// assert_eq!(Money::new(5_000_000, Currency::Cop)?.to_string(), "$\u{a0}50.000");
/// assert_eq!(Money::new(2550, Currency::Pen)?.to_string(), "S/\u{a0}25.50");
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Built by hand, not with `write!`: the widget prints amounts, and integer
        // formatting would bring `core::fmt`'s padding code into its wasm.
        let (symbol, group, decimal, show_fraction) = match self.currency {
            Currency::Cop => ("$", '.', ',', self.minor % self.currency.scale() != 0),
            Currency::Pen => ("S/", ',', '.', true),
            Currency::Usd => ("USD", ',', '.', true),
        };
        // Never negative (`Money::new`): `unsigned_abs` is the value itself.
        let digits = crate::digits::decimal(self.major_floor().unsigned_abs());
        let mut out = String::with_capacity(symbol.len() + 2 * digits.len() + 6);
        out.push_str(symbol);
        out.push('\u{a0}');
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(c);
        }
        if show_fraction {
            out.push(decimal);
            crate::digits::push_decimal(
                &mut out,
                (self.minor % self.currency.scale()).unsigned_abs(),
                self.currency.exponent() as usize,
            );
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn cop(minor: i64) -> Money {
        Money::new(minor, Currency::Cop).unwrap()
    }

    fn pen(minor: i64) -> Money {
        Money::new(minor, Currency::Pen).unwrap()
    }

    /// Outputs of `Intl.NumberFormat("es-CO", {style: "currency", currency: "COP"})` and
    /// `Intl.NumberFormat("es-PE", {style: "currency", currency: "PEN"})` (ICU 7x).
    #[test]
    fn display_matches_intl_number_format() {
        let nb = '\u{a0}';
        assert_eq!(cop(0).to_string(), format!("${nb}0"));
        assert_eq!(cop(500).to_string(), format!("${nb}5"));
        assert_eq!(cop(500_000).to_string(), format!("${nb}5.000"));
        assert_eq!(cop(5_000_000).to_string(), format!("${nb}50.000"));
        assert_eq!(cop(500_000_000).to_string(), format!("${nb}5.000.000"));
        assert_eq!(cop(12_345_678_900).to_string(), format!("${nb}123.456.789"));
        assert_eq!(pen(50).to_string(), format!("S/{nb}0.50"));
        assert_eq!(pen(2550).to_string(), format!("S/{nb}25.50"));
        assert_eq!(pen(500_050).to_string(), format!("S/{nb}5,000.50"));
        assert_eq!(
            pen(12_345_678_950).to_string(),
            format!("S/{nb}123,456,789.50")
        );
    }

    #[test]
    fn parse_refuses_what_is_not_a_plain_decimal() {
        for bad in [
            "", ".", "1.", ".5", "-1", "+1", "1e2", " 1", "1 ", "1,00", "١", "0x10",
        ] {
            assert_eq!(
                Money::parse_decimal(bad, Currency::Pen),
                Err(MoneyError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            Money::parse_decimal("1.234", Currency::Pen),
            Err(MoneyError::TooPrecise)
        );
        assert_eq!(
            Money::parse_decimal("99999999999999999999", Currency::Pen),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        assert_eq!(
            cop(1).checked_add(pen(1)),
            Err(MoneyError::CurrencyMismatch)
        );
        assert_eq!(pen(i64::MAX).checked_add(pen(1)), Err(MoneyError::Overflow));
        assert_eq!(Money::new(-1, Currency::Cop), Err(MoneyError::Negative));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn decimal_round_trips(minor in 0_i64..=i64::MAX) {
            let money = pen(minor);
            prop_assert_eq!(Money::parse_decimal(&money.to_decimal_string(), Currency::Pen), Ok(money));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Money::parse_decimal(&text, Currency::Cop);
        }

        #[test]
        fn display_groups_every_three_digits(minor in 0_i64..=i64::MAX) {
            let shown = pen(minor).to_string();
            let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
            let expected = format!("{minor:03}");
            prop_assert_eq!(digits.trim_start_matches('0'), expected.trim_start_matches('0'));
            let whole = shown.trim_start_matches("S/\u{a0}").split('.').next().unwrap_or_default();
            prop_assert!(whole.split(',').skip(1).all(|g| g.len() == 3));
        }
    }
}
