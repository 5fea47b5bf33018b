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
