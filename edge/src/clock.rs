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

/// A `YYYY-MM-DD` day in UTC−05:00 (both networks' zones) and its bounds as Unix ms,
/// `[start, end)`; `400` naming `param` otherwise.
pub fn lima_day(text: &str, param: &str) -> crate::error::ApiResult<(time::Date, i64, i64)> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(text, &format).map_err(|_| {
        crate::error::ApiError::invalid(
            param,
            "parameter_invalid",
            format!("{param} must be YYYY-MM-DD."),
        )
    })?;
    let (from, to) = day_bounds(day);
    Ok((day, from, to))
}

/// The bounds of `day` in UTC−05:00 as Unix ms, `[start, end)`.
pub fn day_bounds(day: time::Date) -> (i64, i64) {
    let start = day.midnight().assume_offset(time::macros::offset!(-5));
    (millis(start), millis(start + time::Duration::DAY))
}
