//! A calendar reminder for the deadline (RFC 5545): one event at `expires_at` in the
//! network's zone (`-05:00` for both, no daylight saving), with an alarm two hours
//! before, carrying the code, the amount and the link back to the voucher.

use time::OffsetDateTime;
use vale_shared::digits::push_decimal;
use vale_shared::voucher::{DisplayVoucher, group_for_reading};

/// How long before the deadline the alarm rings.
pub const ALARM: &str = "-PT2H";

/// `YYYYMMDDTHHMMSS` of `at`.
fn stamp(at: OffsetDateTime) -> String {
    let two = |n: u8| [char::from(b'0' + n / 10 % 10), char::from(b'0' + n % 10)];
    let mut s = String::with_capacity(15);
    push_decimal(&mut s, at.year().clamp(0, 9999).unsigned_abs().into(), 4);
    s.extend(two(u8::from(at.month())));
    s.extend(two(at.day()));
    s.push('T');
    s.extend(two(at.hour()));
    s.extend(two(at.minute()));
    s.extend(two(at.second()));
    s
}

/// `±HHMM` of the network's offset.
fn offset(v: &DisplayVoucher) -> String {
    let off = v.network.utc_offset();
    let (h, m) = (off.whole_hours(), off.minutes_past_hour());
    let sign = if h < 0 || m < 0 { '-' } else { '+' };
    let (h, m) = (h.unsigned_abs(), m.unsigned_abs());
    [
        sign,
        char::from(b'0' + h / 10),
        char::from(b'0' + h % 10),
        char::from(b'0' + m / 10),
        char::from(b'0' + m % 10),
    ]
    .iter()
    .collect()
}

/// Text as a property value: `\`, `;`, `,` and line breaks escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (continuations start with a space), then CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The zone's name as the voucher gives it, if it is a plain IANA name.
fn zone(v: &DisplayVoucher) -> &str {
    let ok = !v.time_zone.is_empty()
        && v.time_zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'));
    if ok { &v.time_zone } else { "Vale" }
}

/// The `.ics` file for `v`.
pub fn reminder(v: &DisplayVoucher) -> String {
    let local = v.expires_at.to_offset(v.network.utc_offset());
    let tz = zone(v);
    let off = offset(v);
    let code = group_for_reading(&v.payment_code);
    let amount = v.amount.to_string();
    let brand = v.network.brand();
    let description = [
        "Paga ",
        &amount,
        " en ",
        brand,
        " con el código ",
        &code,
        ". ",
        &vale_shared::when::pay_before(v.expires_at, v.network),
        ". Tu código de pago: ",
        &v.hosted_url,
    ]
    .concat();
    let mut out = String::with_capacity(1024);
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Vale//Comprobante//ES",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VTIMEZONE",
        &["TZID:", tz].concat(),
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        &["TZOFFSETFROM:", &off].concat(),
        &["TZOFFSETTO:", &off].concat(),
        "TZNAME:-05",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        &["UID:", v.id.as_str(), "@vale"].concat(),
        &[
            "DTSTAMP:",
            &stamp(v.created_at.to_offset(time::UtcOffset::UTC)),
            "Z",
        ]
        .concat(),
        &["DTSTART;TZID=", tz, ":", &stamp(local)].concat(),
        &["DTEND;TZID=", tz, ":", &stamp(local)].concat(),
        &[
            "SUMMARY:",
            &text(&["Pagar ", &amount, " en ", brand, " (código ", &code, ")"].concat()),
        ]
        .concat(),
        &["DESCRIPTION:", &text(&description)].concat(),
        &["URL:", &v.hosted_url].concat(),
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        &[
            "DESCRIPTION:",
            &text(&["Quedan 2 horas para pagar ", &amount, " en ", brand, "."].concat()),
        ]
        .concat(),
        &["TRIGGER:", ALARM].concat(),
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ] {
        push_line(&mut out, line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vale_shared::barcode::{Barcode, Symbology};
    use vale_shared::voucher::Object;
    use vale_shared::{Currency, Money, Network, VoucherId, VoucherStatus};

    fn voucher() -> DisplayVoucher {
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        DisplayVoucher {
            id: VoucherId::from_random([7; 15]),
            object: Object::Voucher,
            livemode: false,
            network: Network::Efecty,
            status: VoucherStatus::Pending,
            amount: Money::new(5_000_000, Currency::Cop).unwrap(),
            reference: "order-1001".into(),
            description: None,
            payment_code: "100000000420".into(),
            barcode: Barcode {
                symbology: Symbology::Code128,
                data: "100000000420".into(),
                text: "100000000420".into(),
            },
            // 2026-11-25T23:59:59-05:00
            expires_at: at(1_795_669_199),
            time_zone: "America/Bogota".into(),
            created_at: at(1_795_669_199 - 3 * 86_400),
            paid_at: None,
            hosted_url: "https://e.test/v/vch_x?cs=vch_x_secret_a,b;c".into(),
            server_time: at(1_795_669_199 - 3_600),
        }
    }

    #[test]
    fn the_event_is_the_deadline_in_bogota_time_with_an_alarm_two_hours_before() {
        let ics = reminder(&voucher());
        let unfolded = ics.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split("\r\n").collect();
        assert!(lines.contains(&"DTSTART;TZID=America/Bogota:20261125T235959"));
        assert!(lines.contains(&"TZOFFSETTO:-0500"));
        assert!(lines.contains(&"TRIGGER:-PT2H"));
        assert!(lines.contains(&"DTSTAMP:20261123T045959Z"));
        assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
        assert_eq!(lines.iter().rev().nth(1), Some(&"END:VCALENDAR"));
        // Text values are escaped; URL values are not.
        assert!(
            unfolded
                .contains("Tu código de pago: https://e.test/v/vch_x?cs=vch_x_secret_a\\,b\\;c")
        );
        assert!(lines.contains(&"URL:https://e.test/v/vch_x?cs=vch_x_secret_a,b;c"));
    }

    #[test]
    fn lines_are_folded_at_75_octets_on_character_boundaries() {
        let ics = reminder(&voucher());
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        assert!(ics.ends_with("\r\n"));
    }
}
