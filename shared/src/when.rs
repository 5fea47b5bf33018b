//! Time as a shopper in Colombia or Peru reads it: the 12-hour clock most people use, the
//! weekday and the day, and the country the time is in — "Paga antes del viernes 4 de
//! diciembre a las 3:11 p. m. (hora de Colombia)" — and the time left in words ("Te
//! quedan 2 días y 23 horas"). One wording for the widget and the edge.
//!
//! Built by concatenation, not `format!`: the widget's wasm carries every byte of it.

use crate::network::Network;
use time::OffsetDateTime;

/// `n` in decimal digits, appended to `out`.
fn push_number(out: &mut String, n: i64) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10).unsigned_abs() as u8));
}

/// The country the time is said in: `hora de Colombia` / `hora de Perú`.
///
/// ```
/// assert_eq!(vale_shared::when::zone(vale_shared::Network::Pagoefectivo), "hora de Perú");
/// ```
pub const fn zone(network: Network) -> &'static str {
    match network {
        Network::Efecty => "hora de Colombia",
        Network::Pagoefectivo => "hora de Perú",
    }
}

/// The day: `viernes 4 de diciembre`, in the network's time.
pub fn day(at: OffsetDateTime, network: Network) -> String {
    let local = at.to_offset(network.utc_offset());
    let mut out = String::with_capacity(24);
    out.push_str(crate::expiry::weekday_name(local.weekday()));
    out.push(' ');
    push_number(&mut out, i64::from(local.day()));
    out.push_str(" de ");
    out.push_str(crate::expiry::month_name(local.month()));
    out
}

/// The time on a 12-hour clock, with the article it takes: `las 3:11 p. m.`, `la 1:05 a. m.`,
/// `las 12:00 p. m.` (noon), `las 12:00 a. m.` (midnight), in the network's time.
pub fn clock(at: OffsetDateTime, network: Network) -> String {
    let local = at.to_offset(network.utc_offset());
    let (hour, half) = match local.hour() {
        0 => (12, " a. m."),
        h @ 1..=11 => (h, " a. m."),
        12 => (12, " p. m."),
        h => (h - 12, " p. m."),
    };
    let mut out = String::with_capacity(16);
    out.push_str(if hour == 1 { "la " } else { "las " });
    push_number(&mut out, i64::from(hour));
    out.push(':');
    let minute = local.minute();
    if minute < 10 {
        out.push('0');
    }
    push_number(&mut out, i64::from(minute));
    out.push_str(half);
    out
}

/// The day and the time: `viernes 4 de diciembre a las 3:11 p. m.`
///
/// ```
/// use time::macros::datetime;
/// use vale_shared::{Network, when::day_at};
/// assert_eq!(
///     day_at(datetime!(2026-12-04 20:11 UTC), Network::Efecty),
///     "viernes 4 de diciembre a las 3:11 p. m.",
/// );
/// ```
pub fn day_at(at: OffsetDateTime, network: Network) -> String {
    [day(at, network), clock(at, network)].join(" a ")
}

/// The deadline as the first thing a shopper reads about it: `Paga antes del viernes 4 de
/// diciembre a las 3:11 p. m. (hora de Colombia)`.
///
/// ```
/// use time::macros::datetime;
/// use vale_shared::{Network, when::pay_before};
/// assert_eq!(
///     pay_before(datetime!(2026-12-04 20:11 UTC), Network::Pagoefectivo),
///     "Paga antes del viernes 4 de diciembre a las 3:11 p. m. (hora de Perú)",
/// );
/// ```
pub fn pay_before(expires_at: OffsetDateTime, network: Network) -> String {
    ["Paga antes del ", &in_zone(expires_at, network)].concat()
}

/// The day and the time, and where: `viernes 4 de diciembre a las 3:11 p. m. (hora de
/// Colombia)`.
pub fn in_zone(at: OffsetDateTime, network: Network) -> String {
    [&day_at(at, network), " (", zone(network), ")"].concat()
}

/// `n` and the unit, singular or plural: `1 día`, `3 horas`.
fn count(out: &mut String, n: i64, one: &str, many: &str) {
    push_number(out, n);
    out.push(' ');
    out.push_str(if n == 1 { one } else { many });
}

/// The time left in words, to the larger two units and never rounded up: `Te quedan 2
/// días y 23 horas`, `Te quedan 5 horas y 3 minutos`, `Te queda 1 hora`, `Te quedan 43
/// minutos`, `Te queda menos de 1 minuto`; `Se acabó el tiempo` when none is left.
///
/// ```
/// use time::{Duration, macros::datetime};
/// use vale_shared::when::time_left;
/// let now = datetime!(2026-12-01 12:00 UTC);
/// assert_eq!(time_left(now + Duration::minutes(3 * 1440 - 1), now), "Te quedan 2 días y 23 horas");
/// assert_eq!(time_left(now + Duration::minutes(43), now), "Te quedan 43 minutos");
/// ```
pub fn time_left(expires_at: OffsetDateTime, now: OffsetDateTime) -> String {
    let left = (expires_at - now).whole_seconds();
    if left <= 0 {
        return "Se acabó el tiempo".into();
    }
    let (days, hours, minutes) = (left / 86_400, left % 86_400 / 3600, left % 3600 / 60);
    let (big, small) = match (days, hours, minutes) {
        (0, 0, 0) => return "Te queda menos de 1 minuto".into(),
        (0, 0, m) => ((m, "minuto", "minutos"), None),
        (0, h, m) => ((h, "hora", "horas"), Some((m, "minuto", "minutos"))),
        (d, h, _) => ((d, "día", "días"), Some((h, "hora", "horas"))),
    };
    let small = small.filter(|&(n, _, _)| n > 0);
    let mut out = String::with_capacity(32);
    out.push_str(if big.0 == 1 && small.is_none() {
        "Te queda "
    } else {
        "Te quedan "
    });
    count(&mut out, big.0, big.1, big.2);
    if let Some((n, one, many)) = small {
        out.push_str(" y ");
        count(&mut out, n, one, many);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The 12-hour edge cases, both networks (both UTC−05:00): midnight, noon, 12:xx,
    /// one o'clock ("a la"), the last minute of the day.
    #[test]
    fn pay_before_reads_on_a_twelve_hour_clock() {
        for (local, efecty, pe) in [
            (
                datetime!(2026-12-04 00:00 -5),
                "Paga antes del viernes 4 de diciembre a las 12:00 a. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a las 12:00 a. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 00:30 -5),
                "Paga antes del viernes 4 de diciembre a las 12:30 a. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a las 12:30 a. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 01:05 -5),
                "Paga antes del viernes 4 de diciembre a la 1:05 a. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a la 1:05 a. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 11:59 -5),
                "Paga antes del viernes 4 de diciembre a las 11:59 a. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a las 11:59 a. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 12:00 -5),
                "Paga antes del viernes 4 de diciembre a las 12:00 p. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a las 12:00 p. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 12:07 -5),
                "Paga antes del viernes 4 de diciembre a las 12:07 p. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a las 12:07 p. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 13:00 -5),
                "Paga antes del viernes 4 de diciembre a la 1:00 p. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a la 1:00 p. m. (hora de Perú)",
            ),
            (
                datetime!(2026-12-04 15:11 -5),
                "Paga antes del viernes 4 de diciembre a las 3:11 p. m. (hora de Colombia)",
                "Paga antes del viernes 4 de diciembre a las 3:11 p. m. (hora de Perú)",
            ),
            (
                datetime!(2026-11-25 23:59:59 -5),
                "Paga antes del miércoles 25 de noviembre a las 11:59 p. m. (hora de Colombia)",
                "Paga antes del miércoles 25 de noviembre a las 11:59 p. m. (hora de Perú)",
            ),
        ] {
            // Given in UTC, read in the network's zone.
            let utc = local.to_offset(time::UtcOffset::UTC);
            assert_eq!(pay_before(utc, Network::Efecty), efecty, "{local}");
            assert_eq!(pay_before(utc, Network::Pagoefectivo), pe, "{local}");
        }
    }

    #[test]
    fn the_day_is_the_local_one() {
        // 03:30 UTC on New Year's Day is still New Year's Eve in Lima and Bogotá.
        let at = datetime!(2027-01-01 03:30 UTC);
        for network in Network::ALL {
            assert_eq!(
                day_at(at, network),
                "jueves 31 de diciembre a las 10:30 p. m."
            );
        }
    }

    #[test]
    fn time_left_is_in_words_and_never_rounded_up() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let s = |secs: i64| time_left(now + Duration::seconds(secs), now);
        for (secs, words) in [
            (3 * 86_400 - 60, "Te quedan 2 días y 23 horas"),
            (3 * 86_400 - 1, "Te quedan 2 días y 23 horas"),
            (3 * 86_400, "Te quedan 3 días"),
            (86_400, "Te queda 1 día"),
            (86_400 + 3600, "Te quedan 1 día y 1 hora"),
            (86_400 + 59 * 60, "Te queda 1 día"),
            (5 * 3600 + 3 * 60, "Te quedan 5 horas y 3 minutos"),
            (3600, "Te queda 1 hora"),
            (3600 + 60, "Te quedan 1 hora y 1 minuto"),
            (2 * 3600, "Te quedan 2 horas"),
            (43 * 60 + 59, "Te quedan 43 minutos"),
            (60, "Te queda 1 minuto"),
            (59, "Te queda menos de 1 minuto"),
            (1, "Te queda menos de 1 minuto"),
            (0, "Se acabó el tiempo"),
            (-3600, "Se acabó el tiempo"),
        ] {
            assert_eq!(s(secs), words, "{secs} s");
        }
    }
}
