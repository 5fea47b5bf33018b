//! One point of a network, and the strict check of the points file that brings them in.
//!
//! The file is CSV with a header row naming the columns `id, chain, name, address, city,
//! lat, lon, hours, updated_at` in any order (and optionally `network`, which must then be
//! the network imported). [`read_file`] checks every row and answers either every point or
//! every problem, each naming its line: nothing is half-loaded.

use super::chain::Chain;
use super::csv::{self, Record};
use super::geohash::Geohash;
use super::hours;
use crate::network::Network;
use std::collections::HashSet;

/// The precision of the cell stored with each point.
pub const STORED_PRECISION: usize = 6;

/// The columns a points file must have.
pub const COLUMNS: [&str; 9] = [
    "id",
    "chain",
    "name",
    "address",
    "city",
    "lat",
    "lon",
    "hours",
    "updated_at",
];

/// A point where cash is taken, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The list's own id (1 to 64 of `A-Z a-z 0-9 _ - . :`), unique in its network.
    pub id: String,
    /// Its network.
    pub network: Network,
    /// Its chain, from the network's channel table.
    pub chain: Chain,
    /// The point's own name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// City or district.
    pub city: String,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Opening hours in the documented form (see [`hours`]), when known.
    pub hours: Option<String>,
    /// The day the list says it was last checked, `YYYY-MM-DD`.
    pub updated_at: String,
    /// Its 6-character geohash cell.
    pub geohash: Geohash,
}

/// A country's bounding box, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// Southern edge.
    pub min_lat: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Western edge.
    pub min_lon: f64,
    /// Eastern edge.
    pub max_lon: f64,
}

/// Where `network`'s points may be: Colombia (with San Andrés and Providencia) for
/// Efecty, Peru for PagoEfectivo.
pub const fn area(network: Network) -> Area {
    match network {
        Network::Efecty => Area {
            min_lat: -4.3,
            max_lat: 13.5,
            min_lon: -81.9,
            max_lon: -66.8,
        },
        Network::Pagoefectivo => Area {
            min_lat: -18.4,
            max_lat: -0.03,
            min_lon: -81.4,
            max_lon: -68.6,
        },
    }
}

/// What is wrong with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number (1 is the header).
    pub line: usize,
    /// What is wrong, naming the column.
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn text(value: &str, column: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{column} is empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{column} is longer than {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{column} has a control character or a line break"));
    }
    Ok(value.to_owned())
}

fn coordinate(value: &str, column: &str) -> Result<f64, String> {
    let value = value.trim();
    let plain = !value.is_empty()
        && value
            .strip_prefix('-')
            .unwrap_or(value)
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.');
    value
        .parse::<f64>()
        .ok()
        .filter(|v| plain && v.is_finite())
        .ok_or_else(|| format!("{column} must be a decimal number of degrees, not `{value}`"))
}

fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

fn date(value: &str) -> Result<String, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let value = value.trim();
    time::Date::parse(value, format)
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
        .map(|_| value.to_owned())
        .ok_or_else(|| format!("updated_at must be a date YYYY-MM-DD, not `{value}`"))
}

/// `r`'s value, or `None` with its problem noted.
fn keep<T>(problems: &mut Vec<String>, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

/// Checks one row whose columns are in `header` order; every problem of the row, joined.
fn row(network: Network, header: &[usize; 10], record: &Record) -> Result<Place, String> {
    let field = |i: usize| {
        header
            .get(i)
            .and_then(|&col| record.fields.get(col))
            .map_or("", String::as_str)
    };
    let mut problems = Vec::new();
    let id = keep(
        &mut problems,
        if is_id(field(0).trim()) {
            Ok(field(0).trim().to_owned())
        } else {
            Err(format!(
                "id must be 1 to 64 of A-Z, a-z, 0-9, `_`, `-`, `.` and `:`, not `{}`",
                field(0)
            ))
        },
    );
    let chain = keep(
        &mut problems,
        Chain::of(network, field(1).trim()).ok_or_else(|| {
            let known: Vec<_> = Chain::ALL
                .iter()
                .filter(|c| c.network() == network)
                .map(|c| c.name())
                .collect();
            format!(
                "chain `{}` is not in {}'s channel table ({})",
                field(1),
                network.brand(),
                known.join(", ")
            )
        }),
    );
    let name = keep(&mut problems, text(field(2), "name", 100));
    let address = keep(&mut problems, text(field(3), "address", 200));
    let city = keep(&mut problems, text(field(4), "city", 60));
    let lat = keep(&mut problems, coordinate(field(5), "lat"));
    let lon = keep(&mut problems, coordinate(field(6), "lon"));
    if let (Some(lat), Some(lon)) = (lat, lon) {
        let a = area(network);
        if !((a.min_lat..=a.max_lat).contains(&lat) && (a.min_lon..=a.max_lon).contains(&lon)) {
            let country = match network {
                Network::Efecty => "Colombia",
                Network::Pagoefectivo => "Peru",
            };
            problems.push(format!(
                "lat/lon {lat},{lon} is outside {country} (lat {} to {}, lon {} to {})",
                a.min_lat, a.max_lat, a.min_lon, a.max_lon
            ));
        }
    }
    let hours = field(7).trim();
    let hours = if hours.is_empty() {
        Some(None)
    } else {
        keep(
            &mut problems,
            hours::normalise(hours)
                .map(Some)
                .map_err(|e| format!("hours: {e}")),
        )
    };
    let updated_at = keep(&mut problems, date(field(8)));
    if header.get(9).is_some_and(|&c| c != usize::MAX) && field(9).trim() != network.as_str() {
        problems.push(format!(
            "network is `{}`, but the file is imported as {}",
            field(9),
            network.as_str()
        ));
    }
    match (id, chain, name, address, city, lat, lon, hours, updated_at) {
        (
            Some(id),
            Some(chain),
            Some(name),
            Some(address),
            Some(city),
            Some(lat),
            Some(lon),
            Some(hours),
            Some(updated_at),
        ) if problems.is_empty() => Ok(Place {
            id,
            network,
            chain,
            name,
            address,
            city,
            lat,
            lon,
            hours,
            updated_at,
            geohash: Geohash::encode(lat, lon, STORED_PRECISION),
        }),
        _ => Err(problems.join("; ")),
    }
}

/// Checks a whole points file for `network`: every point, or every problem (by line).
///
/// ```
/// use vale_shared::{Network, places::row::read_file};
/// let file = "id,chain,name,address,city,lat,lon,hours,updated_at\n\
///             e1,Efecty,Efecty Centro,Cra 7 # 12-20,Bogotá,4.5981,-74.0761,Mo-Fr 08:00-18:00,2026-09-01\n";
/// let places = read_file(Network::Efecty, file).unwrap();
/// assert_eq!(places[0].geohash.as_str().len(), 6);
/// let bad = read_file(Network::Pagoefectivo, file).unwrap_err();
/// assert!(bad[0].to_string().starts_with("line 2: chain `Efecty`"));
/// ```
pub fn read_file(network: Network, text: &str) -> Result<Vec<Place>, Vec<LineError>> {
    let records = csv::parse(text).map_err(|e| {
        let line = match e {
            csv::CsvError::Unclosed(l) | csv::CsvError::AfterQuote(l) => l,
        };
        vec![LineError {
            line,
            message: e
                .to_string()
                .split_once(": ")
                .map_or(String::new(), |(_, m)| m.to_owned()),
        }]
    })?;
    let mut records = records.into_iter();
    let Some(head) = records.next() else {
        return Err(vec![LineError {
            line: 1,
            message: format!("the file is empty; the header is {}", COLUMNS.join(",")),
        }]);
    };
    let mut header = [usize::MAX; 10];
    let mut errors = Vec::new();
    for (col, name) in head.fields.iter().enumerate() {
        let name = name.trim();
        let slot = COLUMNS
            .iter()
            .position(|c| *c == name)
            .or((name == "network").then_some(9));
        match slot.and_then(|s| header.get_mut(s)) {
            Some(slot) if *slot == usize::MAX => *slot = col,
            Some(_) => errors.push(format!("column `{name}` appears twice")),
            None => errors.push(format!("column `{name}` is not known")),
        }
    }
    for (i, name) in COLUMNS.iter().enumerate() {
        if header.get(i) == Some(&usize::MAX) {
            errors.push(format!("column `{name}` is missing"));
        }
    }
    if !errors.is_empty() {
        return Err(vec![LineError {
            line: head.line,
            message: format!(
                "{} (the header is {})",
                errors.join("; "),
                COLUMNS.join(",")
            ),
        }]);
    }
    let width = head.fields.len();
    let mut seen = HashSet::new();
    let mut places = Vec::new();
    let mut problems = Vec::new();
    for record in records {
        if record.fields.len() != width {
            problems.push(LineError {
                line: record.line,
                message: format!(
                    "{} fields where the header has {width}",
                    record.fields.len()
                ),
            });
            continue;
        }
        match row(network, &header, &record) {
            Ok(place) if !seen.insert(place.id.clone()) => problems.push(LineError {
                line: record.line,
                message: format!("id `{}` appears on an earlier line", place.id),
            }),
            Ok(place) => places.push(place),
            Err(message) => problems.push(LineError {
                line: record.line,
                message,
            }),
        }
    }
    if problems.is_empty() {
        Ok(places)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HEAD: &str = "id,chain,name,address,city,lat,lon,hours,updated_at\n";

    fn one(network: Network, line: &str) -> Result<Vec<Place>, Vec<LineError>> {
        read_file(network, &format!("{HEAD}{line}\n"))
    }

    fn problem(network: Network, line: &str) -> String {
        let errors = one(network, line).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        errors[0].to_string()
    }

    const GOOD_PE: &str =
        "p1,Kasnet,Bodega Rosa,Av. Arequipa 123,Lima,-12.0464,-77.0428,,2026-09-01";

    #[test]
    fn a_good_row_is_read_with_its_cell() {
        let p = &one(Network::Pagoefectivo, GOOD_PE).unwrap()[0];
        assert_eq!(p.chain, Chain::Kasnet);
        assert_eq!(p.hours, None);
        assert_eq!(p.geohash, Geohash::encode(-12.0464, -77.0428, 6));
    }

    #[test]
    fn each_kind_of_bad_row_names_its_line_and_column() {
        let pe = Network::Pagoefectivo;
        let with = |from: &str, to: &str| GOOD_PE.replacen(from, to, 1);
        assert!(problem(pe, &with("p1", "p 1")).contains("id must be"));
        assert!(
            problem(pe, &with("Kasnet", "Efecty"))
                .contains("chain `Efecty` is not in PagoEfectivo")
        );
        assert!(problem(pe, &with("Kasnet", "kasnet")).contains("chain"));
        assert!(problem(pe, &with("Bodega Rosa", " ")).contains("name is empty"));
        assert!(problem(pe, &with("-12.0464", "-12,0")).contains("fields where the header has 9"));
        assert!(problem(pe, &with("-12.0464", "abc")).contains("lat must be"));
        assert!(problem(pe, &with("-12.0464", "NaN")).contains("lat must be"));
        assert!(problem(pe, &with("-12.0464", "1e1")).contains("lat must be"));
        assert!(problem(pe, &with("-77.0428", "-66.0")).contains("outside Peru"));
        assert!(problem(pe, &with("-12.0464", "4.59")).contains("outside Peru"));
        assert!(problem(pe, &with(",,", ",Mo-Fr 8-18,")).contains("hours:"));
        assert!(problem(pe, &with("2026-09-01", "2026-13-01")).contains("updated_at"));
        assert!(problem(pe, &with("2026-09-01", "01/09/2026")).contains("updated_at"));
        // Bogotá is not inside Peru, nor Lima inside Colombia.
        let co = "e1,Efecty,Efecty,Cra 7,Lima,-12.0464,-77.0428,,2026-09-01";
        assert!(problem(Network::Efecty, co).contains("outside Colombia"));
    }

    #[test]
    fn every_bad_line_is_reported_and_duplicates_too() {
        let file = format!(
            "{HEAD}{GOOD_PE}\n{}\n{GOOD_PE}\n{}\n",
            GOOD_PE.replace("Kasnet", "Nope"),
            GOOD_PE.replace("p1", "p2").replace("Lima", "")
        );
        let errors = read_file(Network::Pagoefectivo, &file).unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5], "{errors:?}");
        assert!(errors[1].message.contains("earlier line"));
    }

    #[test]
    fn the_header_is_checked_and_may_name_the_network() {
        let errors = read_file(Network::Efecty, "id,chain,name\n").unwrap_err();
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("column `address` is missing"));
        let reordered = "network,lon,lat,id,chain,name,address,city,hours,updated_at\n\
                         efecty,-74.0761,4.5981,e1,Efecty,N,A,Bogotá,24/7,2026-09-01\n";
        let p = read_file(Network::Efecty, reordered).unwrap();
        assert_eq!((p[0].lat, p[0].lon), (4.5981, -74.0761));
        assert_eq!(p[0].hours.as_deref(), Some("24/7"));
        let wrong = reordered.replace("\nefecty", "\npagoefectivo");
        assert!(
            read_file(Network::Efecty, &wrong).unwrap_err()[0]
                .message
                .contains("network is")
        );
        assert!(read_file(Network::Efecty, "").is_err());
    }
}
