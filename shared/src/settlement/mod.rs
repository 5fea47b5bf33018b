//! Settlement files: what a network says it collected, parsed strictly into one shape
//! for reconciliation, and written back for the sandbox.
//!
//! Each network sends its own format: Efecty a fixed-width Asobancaria 2001 recaudo file
//! ([`efecty`]), PagoEfectivo a CSV with a header row ([`pagoefectivo`]). Both parsers
//! check everything the file states about itself (counts, totals, dates, codes) and
//! return a [`Settlement`]; anything wrong is a [`ParseError`] naming the 1-based line.
//! Amounts are read digit by digit into integer minor units: no float ever holds money.
//! No input makes them panic, and files larger than [`MAX_FILE_BYTES`] are refused
//! before they are read. [`parse`] also refuses dates outside [`YEARS`], so no date of a
//! file can make later date arithmetic overflow.
//!
//! What each line turns out to be is a [`Category`]; [`reconcile`] decides it against
//! the payments a voucher holds.

mod category;
pub mod efecty;
pub mod pagoefectivo;
pub mod reconcile;

pub use category::{Category, UnknownCategory};

use crate::money::Money;
use crate::network::Network;
use std::ops::RangeInclusive;
use time::{Date, OffsetDateTime};

/// The years a settlement file's dates may fall in (in the network's zone): 2000 to
/// 2100, the edge's range for every date from outside. A date outside is a
/// [`ParseError`] naming its line.
pub const YEARS: RangeInclusive<i32> = 2000..=2100;

/// The largest settlement file accepted: 5 MiB, the contract's limit for
/// `POST /v1/settlements`.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// A settlement file, checked and reduced to what reconciliation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The network that sent the file.
    pub network: Network,
    /// The day the file is for. Efecty: the file date of the file header (01).
    /// PagoEfectivo: the date, in Lima (UTC−05:00), of the latest `paid_at` in the file
    /// (a PagoEfectivo file with no payment lines is refused for this reason).
    pub file_date: Date,
    /// One entry per payment line, in file order.
    pub lines: Vec<Line>,
    /// The sum of the lines' amounts (for Efecty, equal to the file control's total).
    pub total: Money,
}

/// One payment the network reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The 1-based line of the file the payment is on (for a CSV record spanning lines
    /// inside quotes: the line it starts on).
    pub line: usize,
    /// The payment code: Efecty's reference with surrounding spaces and leading zeros
    /// removed; PagoEfectivo's CIP.
    pub payment_code: String,
    /// The amount paid, exactly.
    pub amount: Money,
    /// When the shopper paid. Efecty files carry only the collection date, so this is
    /// that day's 00:00 in Bogotá (UTC−05:00): the start of the day, not the instant.
    /// PagoEfectivo: `paid_at` as written, with its offset.
    pub paid_at: Option<OffsetDateTime>,
    /// The network's id of the operation: Efecty's authorization number (`None` when
    /// blank), PagoEfectivo's `operation_number`.
    pub operation: Option<String>,
}

/// Why a settlement file was refused: the 1-based line and what is wrong with it.
///
/// `line` is 0 only when the file as a whole is refused (larger than
/// [`MAX_FILE_BYTES`]). A file that ends too early names the line after its last one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// The 1-based line number (0: the whole file).
    pub line: usize,
    /// What is wrong, as an English sentence fragment a developer can act on.
    pub message: String,
}

impl ParseError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

/// Parses a settlement file as `network` sends it.
///
/// ```
/// use vale_shared::Network;
/// use vale_shared::settlement::parse;
/// let csv = "cip,amount,currency,paid_at,operation_number\n\
///            2592254,25.00,PEN,2026-11-24T16:05:00-05:00,OP-1\n";
/// let settlement = parse(Network::Pagoefectivo, csv.as_bytes())?;
/// assert_eq!(settlement.lines[0].line, 2);
/// assert_eq!(settlement.total.minor(), 2500);
///
/// let error = parse(Network::Pagoefectivo, b"cip,amount\n").unwrap_err();
/// assert_eq!(error.to_string(), "line 1: missing columns `currency`, `paid_at`, `operation_number`");
/// # Ok::<(), vale_shared::settlement::ParseError>(())
/// ```
pub fn parse(network: Network, bytes: &[u8]) -> Result<Settlement, ParseError> {
    match network {
        Network::Efecty => {
            let file = efecty::parse(bytes)?;
            // The dates are the file header's (its first line); every line's `paid_at`
            // is its collection date.
            let header = &file.header;
            for (name, date) in [
                ("collection date", header.collection_date),
                ("file date", header.file_date),
            ] {
                sane(1, name, date)?;
            }
            // A parsed file's amounts are COP and its checked totals fit in 18 digits,
            // so this cannot fail; it is mapped rather than unwrapped all the same.
            file.settlement()
                .map_err(|e| ParseError::new(0, format!("the file's total: {e}")))
        }
        Network::Pagoefectivo => {
            let settlement = pagoefectivo::parse(bytes)?;
            for line in &settlement.lines {
                if let Some(at) = line.paid_at {
                    sane(
                        line.line,
                        "paid_at",
                        at.to_offset(network.utc_offset()).date(),
                    )?;
                }
            }
            Ok(settlement)
        }
    }
}

/// `date` (the field `name` on line `line`) within [`YEARS`], else the error naming it.
fn sane(line: usize, name: &str, date: Date) -> Result<(), ParseError> {
    if YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(ParseError::new(
            line,
            format!(
                "{name} {date} is outside the years {} to {}",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

fn check_size(bytes: &[u8]) -> Result<(), ParseError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ParseError::new(
            0,
            format!("the file is {} bytes, more than 5 MiB", bytes.len()),
        ));
    }
    Ok(())
}

/// A value from the file as an error message shows it: quoted and escaped, and cut
/// after 40 characters so a huge field cannot make a huge message.
fn shown(value: &str) -> String {
    const MAX: usize = 40;
    match value.char_indices().nth(MAX) {
        Some((end, _)) => format!("{:?}…", value.get(..end).unwrap_or_default()),
        None => format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn errors_display_their_line() {
        let error = ParseError::new(7, "lot total 500000 does not match its details (450000)");
        assert_eq!(
            error.to_string(),
            "line 7: lot total 500000 does not match its details (450000)"
        );
    }

    #[test]
    fn files_over_five_mib_are_refused_for_both_networks() {
        let big = vec![b' '; MAX_FILE_BYTES + 1];
        for network in Network::ALL {
            let error = parse(network, &big).unwrap_err();
            assert_eq!(error.line, 0);
            assert!(error.message.contains("more than 5 MiB"), "{error}");
        }
    }

    /// Regression (review M5): a settlement file dated 9999-12-31 panicked the Worker
    /// after its lines were applied. Far dates are refused naming their line.
    #[test]
    fn dates_outside_2000_to_2100_are_refused_naming_their_line() {
        let efecty = efecty::tests_example();
        for (from, to) in [("20261124", "99991231"), ("20261125", "19991231")] {
            let far = efecty.replacen(from, to, 1);
            let error = parse(Network::Efecty, far.as_bytes()).unwrap_err();
            assert_eq!(error.line, 1, "{error}");
            assert!(
                error.message.contains("outside the years 2000 to 2100"),
                "{error}"
            );
        }
        let csv = |paid_at: &str| {
            format!(
                "cip,amount,currency,paid_at,operation_number\n\
                 2592254,25.00,PEN,2026-11-24T16:05:00-05:00,OP-1\n\
                 2592255,25.00,PEN,{paid_at},OP-2\n"
            )
        };
        for far in [
            "9999-12-31T10:00:00-05:00",
            "2101-01-01T00:00:00-05:00",
            "2000-01-01T04:59:59Z",
        ] {
            let error = parse(Network::Pagoefectivo, csv(far).as_bytes()).unwrap_err();
            assert_eq!(error.line, 3, "{far}: {error}");
            assert!(error.message.starts_with("paid_at"), "{error}");
        }
        for near in ["2000-01-01T00:00:00-05:00", "2100-12-31T23:59:59-05:00"] {
            assert!(
                parse(Network::Pagoefectivo, csv(near).as_bytes()).is_ok(),
                "{near}"
            );
        }
    }

    #[test]
    fn shown_values_are_quoted_and_cut() {
        assert_eq!(shown("ab\"c"), "\"ab\\\"c\"");
        let long = "ñ".repeat(100);
        assert_eq!(shown(&long), format!("{:?}…", "ñ".repeat(40)));
    }
}
