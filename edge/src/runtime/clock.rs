//! The time, read once per request from `Date.now()` and passed into shared code.

use time::OffsetDateTime;

/// Now, to the millisecond.
pub fn now() -> OffsetDateTime {
    from_millis(worker::Date::now().as_millis())
}

/// An instant from Unix milliseconds (the epoch if out of range, which `Date` never is).
pub fn from_millis(ms: u64) -> OffsetDateTime {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Unix milliseconds of an instant (0 before the epoch).
pub fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// The days the edge accepts from outside (URLs, files, bodies): years 2000 to 2100. A
/// date outside is a `400` naming its field, never date arithmetic that could overflow.
pub const SANE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A `YYYY-MM-DD` day in UTC−05:00 (both networks' zones) and its bounds as Unix ms,
/// `[start, end)`; `400` naming `param` otherwise (not a date, or outside [`SANE_YEARS`]).
pub fn lima_day(text: &str, param: &str) -> crate::http::error::ApiResult<(time::Date, i64, i64)> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(text, &format)
        .ok()
        .filter(|day| SANE_YEARS.contains(&day.year()))
        .ok_or_else(|| {
            crate::http::error::ApiError::invalid(
                param,
                "parameter_invalid",
                format!("{param} must be a YYYY-MM-DD day between 2000 and 2100."),
            )
        })?;
    let (from, to) = day_bounds(day);
    Ok((day, from, to))
}

/// The bounds of `day` in UTC−05:00 as Unix ms, `[start, end)`. Never panics: the end of
/// the last day `time` can hold is its last instant (regression: `9999-12-31` + 1 day
/// panicked the Worker).
pub fn day_bounds(day: time::Date) -> (i64, i64) {
    let start = day.midnight().assume_offset(time::macros::offset!(-5));
    let end = start.checked_add(time::Duration::DAY).unwrap_or_else(|| {
        day.with_hms_milli(23, 59, 59, 999)
            .map_or(start, |t| t.assume_offset(time::macros::offset!(-5)))
    });
    (millis(start), millis(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (review M5): `GET /v1/payouts/files/9999-12-31` panicked the Worker.
    #[test]
    fn far_days_are_refused_and_never_panic() {
        for far in ["9999-12-31", "1999-12-31", "2101-01-01", "0001-01-01"] {
            let error = lima_day(far, "date").err().map(|e| e.status);
            assert_eq!(error, Some(400), "{far}");
        }
        let (_, from, to) = lima_day("2026-12-07", "date").unwrap();
        assert_eq!(to - from, 86_400_000);
        let last = time::Date::from_calendar_date(9999, time::Month::December, 31).unwrap();
        let (from, to) = day_bounds(last);
        assert!(to > from);
    }
}
