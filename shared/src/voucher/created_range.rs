//! The vouchers list's date search (`created[gte]`, `created[lte]`, issue #24): a bound is
//! Unix seconds, as the contract's times are, or a day `YYYY-MM-DD` as an operator types
//! it, read in the networks' zone (Colombia and Peru are both UTC−05:00 all year): a lower
//! bound from that day's first second, an upper one to its last.

use time::{Date, Month};

/// Which end of the range a bound is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `created[gte]`: from this time on.
    From,
    /// `created[lte]`: up to this time.
    To,
}

/// The Unix second a `created[gte]`/`created[lte]` value stands for, or `None` when it is
/// neither a non-negative whole number of seconds nor a real day `YYYY-MM-DD`.
///
/// ```
/// use vale_shared::voucher::{Bound, created_bound};
/// assert_eq!(created_bound("1765105200", Bound::From), Some(1_765_105_200));
/// // 7 Dec 2025 in Bogotá/Lima runs from 05:00 UTC that day to 04:59:59 UTC the next.
/// assert_eq!(created_bound("2025-12-07", Bound::From), Some(1_765_083_600));
/// assert_eq!(created_bound("2025-12-07", Bound::To), Some(1_765_169_999));
/// assert_eq!(created_bound("2025-02-30", Bound::From), None);
/// ```
pub fn created_bound(value: &str, bound: Bound) -> Option<i64> {
    if !value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok();
    }
    let day = parse_day(value)?;
    // Midnight at UTC−05:00 is 05:00 UTC.
    let start = day.midnight().assume_utc().unix_timestamp() + 5 * 3600;
    Some(match bound {
        Bound::From => start,
        Bound::To => start + 86_399,
    })
}

fn parse_day(value: &str) -> Option<Date> {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u16> {
        let part = value.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = i32::from(num(0..4)?);
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn junk_is_refused() {
        for bad in [
            "",
            "-1",
            "1.5",
            "2025-13-01",
            "2025-1-01",
            "2025/12/07",
            "20251207x",
            "tomorrow",
            "1234567890123",
            "2025-12-07T00:00:00",
        ] {
            assert_eq!(created_bound(bad, Bound::From), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn a_day_is_86400_seconds_from_its_first_to_its_last(y in 1970_i32..2200, m in 1_u8..=12, d in 1_u8..=28) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            let from = created_bound(&text, Bound::From);
            let to = created_bound(&text, Bound::To);
            prop_assert!(from.is_some() && to.is_some());
            let (from, to) = (from.unwrap_or(0), to.unwrap_or(0));
            prop_assert_eq!(to - from, 86_399);
            // Its first second is midnight in Bogotá/Lima (UTC−05:00).
            let local = time::OffsetDateTime::from_unix_timestamp(from).map(|t| t.to_offset(time::macros::offset!(-5)));
            prop_assert!(local.is_ok_and(|t| t.hour() == 0 && t.minute() == 0 && t.second() == 0 && t.day() == d));
        }

        #[test]
        fn seconds_are_taken_as_they_are(s in 0_i64..100_000_000_000) {
            prop_assert_eq!(created_bound(&s.to_string(), Bound::To), Some(s));
        }
    }
}
