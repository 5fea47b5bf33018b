//! When a voucher expires, the names of days and months, and the ticking countdown. How a
//! time reads in words is [`crate::when`]'s: one wording, server and widget.

use crate::digits::push_decimal;
use crate::network::{Deadlines, Network};
use time::{Duration, OffsetDateTime};

/// The earliest a voucher may expire, counted from its creation.
pub const MIN_LIFETIME: Duration = Duration::minutes(15);
/// The latest a voucher may expire, counted from its creation.
pub const MAX_LIFETIME: Duration = Duration::days(30);

/// Why a requested deadline was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    /// Less than 15 minutes ahead (or in the past).
    #[error("expires_at must be at least 15 minutes ahead")]
    TooSoon,
    /// More than 30 days ahead.
    #[error("expires_at must be at most 30 days ahead")]
    TooLate,
}

/// The deadline of a voucher created at `now`, in the network's offset, to the second.
///
/// A requested time must be 15 minutes to 30 days ahead. On Efecty the deadline is then
/// moved to 23:59:59 Bogotá time on its local day (the barcode's AI 96 carries the date
/// only), and with none requested it is the end of the third day ahead; PagoEfectivo
/// keeps the requested instant, or 24 hours ahead.
///
/// ```
/// use time::macros::datetime;
/// use vale_shared::{Network, expiry::{deadline, ExpiryError}};
/// let now = datetime!(2026-11-22 12:00 UTC); // 07:00 in Bogotá
/// assert_eq!(deadline(Network::Efecty, None, now)?, datetime!(2026-11-25 23:59:59 -5));
/// let asked = datetime!(2026-11-23 15:00 UTC);
/// assert_eq!(deadline(Network::Efecty, Some(asked), now)?, datetime!(2026-11-23 23:59:59 -5));
/// assert_eq!(deadline(Network::Pagoefectivo, Some(asked), now)?, datetime!(2026-11-23 10:00 -5));
/// assert_eq!(deadline(Network::Efecty, Some(now), now), Err(ExpiryError::TooSoon));
/// # Ok::<(), ExpiryError>(())
/// ```
pub fn deadline(
    network: Network,
    requested: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ExpiryError> {
    deadline_at_least(network, requested, now, MIN_LIFETIME)
}

/// [`deadline`] with another shortest lifetime than [`MIN_LIFETIME`] (an edge's test
/// setting, so a test can watch a voucher expire in seconds).
pub fn deadline_at_least(
    network: Network,
    requested: Option<OffsetDateTime>,
    now: OffsetDateTime,
    min_lifetime: Duration,
) -> Result<OffsetDateTime, ExpiryError> {
    if let Some(at) = requested {
        if at - now < min_lifetime {
            return Err(ExpiryError::TooSoon);
        }
        if at - now > MAX_LIFETIME {
            return Err(ExpiryError::TooLate);
        }
    }
    let offset = network.utc_offset();
    let at = match (network.deadlines(), requested) {
        (Deadlines::EndOfLocalDay { .. }, Some(at)) => end_of_local_day(at.to_offset(offset)),
        (Deadlines::EndOfLocalDay { default_days_ahead }, None) => {
            end_of_local_day(now.to_offset(offset) + Duration::days(i64::from(default_days_ahead)))
        }
        (Deadlines::Exact { .. }, Some(at)) => at.to_offset(offset),
        (Deadlines::Exact { default_lifetime }, None) => (now + default_lifetime).to_offset(offset),
    };
    Ok(at.replace_nanosecond(0).unwrap_or(at))
}

/// 23:59:59 of `at`'s own day, in `at`'s offset.
fn end_of_local_day(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_time(time::macros::time!(23:59:59))
}

const WEEKDAYS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];
const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// A month's Spanish name, lowercase (`diciembre`).
///
/// ```
/// assert_eq!(vale_shared::expiry::month_name(time::Month::December), "diciembre");
/// ```
pub fn month_name(month: time::Month) -> &'static str {
    MONTHS
        .get(usize::from(u8::from(month)) - 1)
        .copied()
        .unwrap_or_default()
}

/// A weekday's Spanish name, lowercase (`viernes`).
///
/// ```
/// assert_eq!(vale_shared::expiry::weekday_name(time::Weekday::Friday), "viernes");
/// ```
pub fn weekday_name(day: time::Weekday) -> &'static str {
    WEEKDAYS
        .get(usize::from(day.number_days_from_monday()))
        .copied()
        .unwrap_or_default()
}

/// The time left as a ticking countdown: `03:04:05`, or `2 días 03:04:05`; zero when past.
///
/// ```
/// use time::{Duration, macros::datetime};
/// use vale_shared::expiry::countdown_text;
/// let now = datetime!(2026-11-22 12:00 UTC);
/// assert_eq!(countdown_text(now + Duration::seconds(3 * 3600 + 4 * 60 + 5), now), "03:04:05");
/// assert_eq!(countdown_text(now + Duration::hours(49), now), "2 días 01:00:00");
/// assert_eq!(countdown_text(now - Duration::hours(1), now), "00:00:00");
/// ```
pub fn countdown_text(expires_at: OffsetDateTime, now: OffsetDateTime) -> String {
    // Digits by hand, not `format!`: the widget ticks this, and integer formatting would
    // bring `core::fmt`'s padding code into its wasm.
    let left = (expires_at - now).whole_seconds().max(0).unsigned_abs();
    let (days, rest) = (left / 86_400, left % 86_400);
    let mut text = String::with_capacity(20);
    match days {
        0 => {}
        1 => text.push_str("1 día "),
        _ => {
            push_decimal(&mut text, days, 0);
            text.push_str(" días ");
        }
    }
    push_decimal(&mut text, rest / 3600, 2);
    text.push(':');
    push_decimal(&mut text, rest % 3600 / 60, 2);
    text.push(':');
    push_decimal(&mut text, rest % 60, 2);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn bounds_are_inclusive() {
        let now = datetime!(2026-11-22 12:00 UTC);
        let network = Network::Pagoefectivo;
        assert!(deadline(network, Some(now + MIN_LIFETIME), now).is_ok());
        assert!(deadline(network, Some(now + MAX_LIFETIME), now).is_ok());
        assert_eq!(
            deadline(network, Some(now + MAX_LIFETIME + Duration::SECOND), now),
            Err(ExpiryError::TooLate)
        );
    }

    /// Regression: Efecty vouchers ended 72 h after creation (say 07:00), while their
    /// GS1 (96) date told the cashier the whole day was valid.
    #[test]
    fn efecty_deadlines_end_with_their_day_in_bogota() {
        // 23:30 in Bogotá on the 22nd is already the 23rd in UTC.
        let now = datetime!(2026-11-23 04:30 UTC);
        assert_eq!(
            deadline(Network::Efecty, None, now),
            Ok(datetime!(2026-11-25 23:59:59 -5))
        );
        // A time asked for late in the evening stays on its Bogotá day.
        let asked = datetime!(2026-11-24 04:00 UTC); // 23:00 on the 23rd in Bogotá
        assert_eq!(
            deadline(Network::Efecty, Some(asked), now),
            Ok(datetime!(2026-11-23 23:59:59 -5))
        );
        // The 15-minute minimum is about the time requested, not the moved one.
        assert_eq!(
            deadline(Network::Efecty, Some(now + Duration::minutes(14)), now),
            Err(ExpiryError::TooSoon)
        );
    }

    proptest! {
        #[test]
        fn efecty_deadlines_are_always_the_end_of_a_bogota_day(secs in 0_i64..4_000_000_000, ahead in 900_i64..2_592_000) {
            let now = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let at = deadline(Network::Efecty, Some(now + Duration::seconds(ahead)), now).unwrap();
            prop_assert_eq!((at.hour(), at.minute(), at.second()), (23, 59, 59));
            prop_assert!(at >= now + Duration::seconds(ahead));
            prop_assert!(at - (now + Duration::seconds(ahead)) < Duration::DAY);
        }

        #[test]
        fn deadline_is_whole_seconds_in_the_network_offset(secs in 0_i64..4_000_000_000, nanos in 0_u32..1_000_000_000) {
            let now = OffsetDateTime::from_unix_timestamp(secs).unwrap().replace_nanosecond(nanos).unwrap();
            for network in Network::ALL {
                let at = deadline(network, None, now).unwrap();
                prop_assert_eq!(at.offset(), network.utc_offset());
                prop_assert_eq!(at.nanosecond(), 0);
            }
        }
    }
}
