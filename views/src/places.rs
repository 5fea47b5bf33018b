//! "Dónde pagar cerca de ti" (issue #22), the pure part: the links that need no
//! permission (the network's finder, a map search per chain that can take the amount),
//! what a found point shows (distance, hours in Spanish, the way there), and what the
//! section says when it has no list.
//!
//! The component is `voucher::near`; the widget asks for the position and the points
//! (`widget/src/near.rs`) and hands the section a [`Found`] signal.

use crate::words::encode_uri_component;
use vale_shared::digits::{decimal, push_decimal};
use vale_shared::places::Chain;
use vale_shared::{Money, Network};

/// The network's own finder: where to go with no list of ours.
///
/// PagoEfectivo's "ubicanos" page takes `monto` and other parameters in copies of its
/// voucher, but what they mean is unverified (research part B), so it is linked bare.
/// Efecty's `puntos-de-atencion` path is unverified too: its home, as stores link it.
pub const fn finder(network: Network) -> (&'static str, &'static str) {
    match network {
        Network::Efecty => ("Buscador de puntos Efecty", "https://www.efecty.com.co"),
        Network::Pagoefectivo => (
            "Buscador de puntos PagoEfectivo",
            "https://ubicanos.pagoefectivo.pe",
        ),
    }
}

/// The finder's address as printed on paper (no scheme).
pub fn finder_text(network: Network) -> &'static str {
    let url = finder(network).1;
    url.strip_prefix("https://").unwrap_or(url)
}

/// A map search for `chain`'s points (the maps app or site asks for the position
/// itself; no key needed).
///
/// ```
/// use vale_shared::places::Chain;
/// assert_eq!(
///     vale_views::places::map_search(Chain::TamboPlus),
///     "https://www.google.com/maps/search/?api=1&query=Tambo%2B",
/// );
/// ```
pub fn map_search(chain: Chain) -> String {
    [
        "https://www.google.com/maps/search/?api=1&query=",
        &encode_uri_component(chain.name()),
    ]
    .concat()
}

/// The chains a map search is offered for: those of `network` that can take `amount`
/// (the caps of the one channel table, `vale_shared::places::Chain`).
pub fn searchable(network: Network, amount: Money) -> Vec<Chain> {
    Chain::taking(network, amount)
}

/// A point the edge listed, with its distance from the shopper (worked out on the device;
/// the position itself never leaves it).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The chain's name, as the API writes it.
    pub chain: String,
    /// The point's name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// Opening hours (`vale_shared::places::hours`' form), if known.
    pub hours: Option<String>,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Metres from the shopper.
    pub metres: f64,
}

/// Why the section shows no fresh list: each gets one sentence pointing at the links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The shopper (or the browser's setting) refused the position.
    Denied,
    /// The page's Permissions-Policy does not let it ask for the position.
    Blocked,
    /// The browser has no position to give (no geolocation, no fix, too slow).
    NoPosition,
    /// No network.
    Offline,
    /// No point near that can take the amount.
    Empty,
    /// The edge did not answer with a list.
    Failed,
}

impl Why {
    /// The sentence saying why, and what to do.
    pub const fn sentence(self) -> &'static str {
        match self {
            Why::Denied => {
                "No diste permiso para usar tu ubicación. Puedes buscar con los enlaces de arriba."
            }
            Why::Blocked => {
                "Esta página no permite pedir tu ubicación. Puedes buscar con los enlaces de arriba."
            }
            Why::NoPosition => {
                "No pudimos saber dónde estás. Puedes buscar con los enlaces de arriba."
            }
            Why::Offline => {
                "Sin conexión no podemos buscar puntos. Los enlaces de arriba funcionan al volver la conexión."
            }
            Why::Empty => {
                "No encontramos cerca de ti puntos que acepten este monto. Puedes buscar con los enlaces de arriba."
            }
            Why::Failed => {
                "No pudimos buscar puntos ahora. Puedes buscar con los enlaces de arriba."
            }
        }
    }
}

/// What the section shows under its button.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Found {
    /// Asking for the position or the points now.
    pub asking: bool,
    /// Why there is no fresh list, if there is none.
    pub why: Option<Why>,
    /// The nearest points, nearest first (at most [`SHOWN`]).
    pub points: Vec<Point>,
    /// When the list was made (device clock, ms since the epoch): a list kept on this
    /// device with the voucher's offline copy, shown with its date.
    pub saved_at: Option<f64>,
}

/// The most points the section lists.
pub const SHOWN: usize = 5;

/// What the section says about where the position goes.
pub const PRIVACY: &str = "Tu ubicación nunca sale de este teléfono con más detalle que \
    el barrio: aquí se redondea a una zona de unos 5 km y solo se busca si tocas el botón.";

/// The date line of a list kept on this device: `Lista guardada el viernes 4 de diciembre
/// a las 3:11 p. m.; puede haber cambiado.` (`ms`: the device clock when it was made).
pub fn saved_line(ms: f64, network: Network) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp((ms / 1000.0).floor() as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    [
        "Lista guardada el ",
        &vale_shared::when::day_at(at, network),
        "; puede haber cambiado.",
    ]
    .concat()
}

/// How far, as a shopper reads it: `a 350 m` (to 10 m), `a 1,2 km` (to 100 m; a decimal
/// point in Peru), `a 12 km`.
///
/// ```
/// use vale_shared::Network;
/// use vale_views::places::distance;
/// assert_eq!(distance(347.0, Network::Efecty), "a 350 m");
/// assert_eq!(distance(1_240.0, Network::Efecty), "a 1,2 km");
/// assert_eq!(distance(1_240.0, Network::Pagoefectivo), "a 1.2 km");
/// ```
pub fn distance(metres: f64, network: Network) -> String {
    let metres = if metres.is_finite() && metres > 0.0 {
        metres
    } else {
        0.0
    };
    let mut out = String::from("a ");
    if metres < 995.0 {
        let tens = (metres / 10.0).round() as u64;
        out.push_str(&decimal(tens.max(1) * 10));
        out.push_str(" m");
    } else if metres < 9_950.0 {
        let tenths = (metres / 100.0).round() as u64;
        out.push_str(&decimal(tenths / 10));
        out.push(match network {
            Network::Efecty => ',',
            Network::Pagoefectivo => '.',
        });
        push_decimal(&mut out, tenths % 10, 1);
        out.push_str(" km");
    } else {
        out.push_str(&decimal((metres / 1000.0).round() as u64));
        out.push_str(" km");
    }
    out
}

fn day(d: &str) -> &str {
    match d {
        "Mo" => "lun",
        "Tu" => "mar",
        "We" => "mié",
        "Th" => "jue",
        "Fr" => "vie",
        "Sa" => "sáb",
        "Su" => "dom",
        "PH" => "festivos",
        other => other,
    }
}

/// Opening hours (`vale_shared::places::hours`' form, OSM's `opening_hours` subset) in
/// Spanish; anything it does not know is kept as it is.
///
/// ```
/// use vale_views::places::hours;
/// assert_eq!(
///     hours("Mo-Fr 08:00-19:00; Sa 08:00-13:00; Su,PH off"),
///     "lun a vie 08:00–19:00; sáb 08:00–13:00; dom y festivos cerrado",
/// );
/// assert_eq!(hours("24/7"), "abierto las 24 horas");
/// ```
pub fn hours(text: &str) -> String {
    let text = text.trim();
    if text == "24/7" {
        return "abierto las 24 horas".into();
    }
    let mut rules = Vec::new();
    for rule in text.split(';') {
        let rule = rule.trim();
        let (days, times) = rule.split_once(' ').unwrap_or((rule, ""));
        let days: Vec<String> = days
            .split(',')
            .map(|part| match part.split_once('-') {
                Some((from, to)) => [day(from), " a ", day(to)].concat(),
                None => day(part).to_owned(),
            })
            .collect();
        let times = match times.trim() {
            "off" => "cerrado".to_owned(),
            times => times
                .split(',')
                .map(|range| match range.split_once('-') {
                    Some((from, to)) => [from, "–", to].concat(),
                    None => range.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let days = match days.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => [rest.join(", "), " y ".into(), last.clone()].concat(),
            None => String::new(),
        };
        rules.push(if times.is_empty() {
            days
        } else {
            [days, times].join(" ")
        });
    }
    rules.join("; ")
}

/// `x` with five decimals (about a metre), without float formatting (which would bring
/// its own code into the wasm).
fn degrees(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let units = (x.abs() * 100_000.0).round() as u64;
    let mut out = String::with_capacity(12);
    if x < 0.0 && units > 0 {
        out.push('-');
    }
    out.push_str(&decimal(units / 100_000));
    out.push('.');
    push_decimal(&mut out, units % 100_000, 5);
    out
}

/// The way to `point`: on Android a `geo:` link (the shopper's maps app opens with the
/// point marked), elsewhere Google Maps' directions.
///
/// ```
/// use vale_views::places::{directions, Point};
/// let p = Point { chain: "Kasnet".into(), name: "Kasnet Lima 1".into(), address: String::new(),
///     city: String::new(), hours: None, lat: -12.04571, lon: -77.03815, metres: 0.0 };
/// assert_eq!(directions(&p, false),
///     "https://www.google.com/maps/dir/?api=1&destination=-12.04571,-77.03815");
/// assert_eq!(directions(&p, true), "geo:-12.04571,-77.03815?q=-12.04571,-77.03815(Kasnet%20Lima%201)");
/// ```
pub fn directions(point: &Point, android: bool) -> String {
    let at = [degrees(point.lat), ",".into(), degrees(point.lon)].concat();
    if android {
        [
            "geo:",
            &at,
            "?q=",
            &at,
            "(",
            &encode_uri_component(&point.name),
            ")",
        ]
        .concat()
    } else {
        ["https://www.google.com/maps/dir/?api=1&destination=", &at].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vale_shared::Currency;

    #[test]
    fn distances_read_as_people_say_them() {
        let co = |m| distance(m, Network::Efecty);
        assert_eq!(co(0.0), "a 10 m");
        assert_eq!(co(f64::NAN), "a 10 m");
        assert_eq!(co(-5.0), "a 10 m");
        assert_eq!(co(354.9), "a 350 m");
        assert_eq!(co(994.0), "a 990 m");
        assert_eq!(co(995.0), "a 1,0 km");
        assert_eq!(co(9_949.0), "a 9,9 km");
        assert_eq!(co(9_950.0), "a 10 km");
        assert_eq!(co(14_600.0), "a 15 km");
        assert_eq!(distance(2_050.0, Network::Pagoefectivo), "a 2.1 km");
    }

    #[test]
    fn every_hours_form_the_import_accepts_reads_in_spanish() {
        assert_eq!(
            hours("Mo-Fr 08:00-12:30,14:00-18:00; Sa 09:00-13:00; Su,PH off"),
            "lun a vie 08:00–12:30, 14:00–18:00; sáb 09:00–13:00; dom y festivos cerrado"
        );
        assert_eq!(
            hours("Mo-Sa 07:00-21:00; Su 08:00-14:00"),
            "lun a sáb 07:00–21:00; dom 08:00–14:00"
        );
        assert_eq!(hours("Mo,We,Fr 00:00-24:00"), "lun, mié y vie 00:00–24:00");
        assert_eq!(hours(" 24/7 "), "abierto las 24 horas");
        // Not the documented form: kept as it is, never a panic.
        assert_eq!(hours("Xx"), "Xx");
        assert_eq!(hours(""), "");
    }

    #[test]
    fn coordinates_print_to_five_decimals_with_their_sign() {
        assert_eq!(degrees(4.6305149), "4.63051");
        assert_eq!(degrees(-74.064571), "-74.06457");
        assert_eq!(degrees(-0.000001), "0.00000");
        assert_eq!(degrees(-0.5), "-0.50000");
        assert_eq!(degrees(f64::INFINITY), "0.00000");
    }

    #[test]
    fn regression_issue_22_map_searches_are_offered_only_for_chains_that_take_the_amount() {
        let pen = |soles: i64| Money::new(soles * 100, Currency::Pen).unwrap();
        let names = |m| {
            searchable(Network::Pagoefectivo, m)
                .into_iter()
                .map(Chain::name)
                .collect::<Vec<_>>()
        };
        assert!(names(pen(500)).contains(&"Tambo+"));
        assert!(!names(pen(501)).contains(&"Tambo+"));
        assert!(!names(pen(1_001)).contains(&"Kasnet"));
        assert!(names(pen(50_000)).contains(&"Western Union"));
        let cop = Money::new(5_000_000, Currency::Cop).unwrap();
        assert_eq!(searchable(Network::Efecty, cop), [Chain::Efecty]);
        assert_eq!(
            map_search(Chain::AgenteBcp),
            "https://www.google.com/maps/search/?api=1&query=Agente%20BCP"
        );
    }

    #[test]
    fn a_kept_list_says_when_it_was_made_in_the_network_s_time() {
        // 2026-12-04 20:11 UTC.
        let ms = 1_796_415_060_000.0;
        assert_eq!(
            saved_line(ms, Network::Efecty),
            "Lista guardada el viernes 4 de diciembre a las 3:11 p. m.; puede haber cambiado."
        );
    }

    #[test]
    fn the_finders_are_the_networks_own_sites_and_print_without_a_scheme() {
        assert_eq!(finder_text(Network::Efecty), "www.efecty.com.co");
        assert_eq!(
            finder_text(Network::Pagoefectivo),
            "ubicanos.pagoefectivo.pe"
        );
    }
}
