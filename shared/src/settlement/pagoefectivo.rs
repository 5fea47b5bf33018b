//! PagoEfectivo settlement files: a CSV with a header row, parsed strictly, and written
//! for the sandbox.
//!
//! Columns `cip`, `amount` (a decimal with at most two places, as
//! [`Money::parse_decimal`] reads it), `currency` (`PEN` or `USD`, one per file),
//! `paid_at` (RFC 3339 with an offset) and `operation_number` are required, in any
//! order; header names are matched ignoring ASCII case and surrounding blanks, and other
//! columns are ignored. Fields follow RFC 4180: quoted fields may hold commas, line
//! breaks and doubled quotes. A UTF-8 byte order mark, CRLF or LF line ends and
//! trailing blank lines are fine; a blank line between records is not.
//!
//! The `csv` crate is not a dependency of this crate, and a CSV reader is small: the
//! splitter below is written by hand.

use super::{Line, ParseError, Settlement, check_size, shown};
use crate::money::{Currency, Money, MoneyError};
use crate::network::Network;
use crate::pagoefectivo::{MAX_CIP_LEN, MAX_TOKEN_LEN, MIN_CIP_LEN, is_valid_cip};
use std::borrow::Cow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The columns a settlement file must have, in the order [`write`] writes them.
pub const COLUMNS: [&str; 5] = ["cip", "amount", "currency", "paid_at", "operation_number"];

/// One payment, as [`write`] takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The CIP paid.
    pub cip: String,
    /// The amount, in PEN or USD.
    pub amount: Money,
    /// When it was paid, with its offset.
    pub paid_at: OffsetDateTime,
    /// PagoEfectivo's id of the operation.
    pub operation_number: String,
}

/// Why [`write`] refused a list of payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// There are no payments: a file needs at least one line to have a date.
    #[error("a settlement file needs at least one payment")]
    Empty,
    /// A CIP is not valid ([`is_valid_cip`]).
    #[error("a CIP is not 5 to 20 digits without a leading zero")]
    Cip,
    /// An amount is not in PEN or USD, or not in the file's one currency.
    #[error("every amount must be in the same currency, PEN or USD")]
    Currency,
    /// An operation number is empty, longer than 64 characters or has a control
    /// character.
    #[error("an operation number must be 1 to 64 characters without control characters")]
    OperationNumber,
    /// A `paid_at` cannot be written as RFC 3339 (a year outside 0000–9999 or an
    /// offset with seconds).
    #[error("a paid_at cannot be written as RFC 3339")]
    PaidAt,
}

/// Parses a PagoEfectivo settlement CSV. The settlement's `file_date` is the Lima date
/// of the latest `paid_at`, so a file with no payment lines is refused.
///
/// ```
/// use vale_shared::settlement::pagoefectivo::parse;
/// let csv = "\u{feff}operation_number,cip,paid_at,amount,currency,agent\r\n\
///            \"OP-1,a\",2592254,2026-11-24T23:30:00-05:00,25.5,PEN,\"Agente \"\"Sol\"\"\"\r\n";
/// let settlement = parse(csv.as_bytes())?;
/// assert_eq!(settlement.lines[0].amount.minor(), 2550);
/// assert_eq!(settlement.lines[0].operation.as_deref(), Some("OP-1,a"));
/// assert_eq!(settlement.file_date, time::macros::date!(2026 - 11 - 24));
///
/// let bad = csv.replace("25.5", "25,5");
/// assert_eq!(parse(bad.as_bytes()).unwrap_err().to_string(), "line 2: 7 fields, but the header has 6");
/// # Ok::<(), vale_shared::settlement::ParseError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<Settlement, ParseError> {
    check_size(bytes)?;
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let before = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        ParseError::new(line, "the file is not UTF-8")
    })?;
    let text = text.trim_end_matches(['\r', '\n']);
    if text.is_empty() {
        return Err(ParseError::new(1, "the file is empty"));
    }
    let mut records = Records {
        text,
        position: 0,
        line: 1,
    };
    let (_, header) = records
        .next()
        .ok_or_else(|| ParseError::new(1, "the file is empty"))??;
    let columns = Columns::find(&header)?;

    let mut lines = Vec::new();
    let mut total: Option<Money> = None;
    let mut latest: Option<OffsetDateTime> = None;
    for record in records {
        let (line, fields) = record?;
        if let [only] = fields.as_slice()
            && only.is_empty()
        {
            return Err(ParseError::new(line, "blank line inside the file"));
        }
        if fields.len() != header.len() {
            return Err(ParseError::new(
                line,
                format!(
                    "{} fields, but the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let field = |i: usize| fields.get(i).map_or("", |f| f.as_ref());

        let cip = field(columns.cip);
        if !is_valid_cip(cip) {
            return Err(ParseError::new(
                line,
                format!(
                    "cip {} is not {MIN_CIP_LEN} to {MAX_CIP_LEN} digits without a leading zero",
                    shown(cip)
                ),
            ));
        }
        let currency_text = field(columns.currency);
        let currency = currency_text
            .parse::<Currency>()
            .ok()
            .filter(|c| Network::Pagoefectivo.accepts(*c))
            .ok_or_else(|| {
                ParseError::new(
                    line,
                    format!("currency {} is not PEN or USD", shown(currency_text)),
                )
            })?;
        let amount_text = field(columns.amount);
        let amount = Money::parse_decimal(amount_text, currency).map_err(|e| {
            let why = match e {
                MoneyError::TooPrecise => "has more than two decimal places",
                MoneyError::Overflow => "is too large",
                _ => "is not a decimal amount such as 25.00",
            };
            ParseError::new(line, format!("amount {} {why}", shown(amount_text)))
        })?;
        let paid_at_text = field(columns.paid_at);
        let paid_at = OffsetDateTime::parse(paid_at_text, &Rfc3339).map_err(|_| {
            ParseError::new(
                line,
                format!(
                    "paid_at {} is not an RFC 3339 date and time with an offset",
                    shown(paid_at_text)
                ),
            )
        })?;
        let operation = field(columns.operation_number);
        if !is_operation_number(operation) {
            return Err(ParseError::new(
                line,
                format!(
                    "operation_number {} is not 1 to {MAX_TOKEN_LEN} characters without control characters",
                    shown(operation)
                ),
            ));
        }
        total = Some(match total {
            None => amount,
            Some(sum) => sum.checked_add(amount).map_err(|e| match e {
                MoneyError::CurrencyMismatch => ParseError::new(
                    line,
                    format!(
                        "currency {} differs from the file's {}",
                        currency.code(),
                        sum.currency().code()
                    ),
                ),
                _ => ParseError::new(line, "the file's total is too large"),
            })?,
        });
        latest = Some(latest.map_or(paid_at, |l| l.max(paid_at)));
        lines.push(Line {
            line,
            payment_code: cip.to_owned(),
            amount,
            paid_at: Some(paid_at),
            operation: Some(operation.to_owned()),
        });
    }
    match (total, latest) {
        (Some(total), Some(latest)) => Ok(Settlement {
            network: Network::Pagoefectivo,
            file_date: latest.to_offset(Network::Pagoefectivo.utc_offset()).date(),
            lines,
            total,
        }),
        _ => Err(ParseError::new(2, "the file lists no payments")),
    }
}

fn is_operation_number(text: &str) -> bool {
    !text.is_empty() && text.chars().count() <= MAX_TOKEN_LEN && !text.chars().any(char::is_control)
}

/// Where each required column is in the header.
struct Columns {
    cip: usize,
    amount: usize,
    currency: usize,
    paid_at: usize,
    operation_number: usize,
}

impl Columns {
    fn find(header: &[Cow<'_, str>]) -> Result<Columns, ParseError> {
        let mut found = [None; COLUMNS.len()];
        for (index, name) in header.iter().enumerate() {
            let name = name.trim().to_ascii_lowercase();
            if let Some(slot) = COLUMNS
                .iter()
                .position(|c| *c == name)
                .and_then(|i| found.get_mut(i))
            {
                if slot.is_some() {
                    return Err(ParseError::new(1, format!("column `{name}` appears twice")));
                }
                *slot = Some(index);
            }
        }
        match found {
            [
                Some(cip),
                Some(amount),
                Some(currency),
                Some(paid_at),
                Some(operation_number),
            ] => Ok(Columns {
                cip,
                amount,
                currency,
                paid_at,
                operation_number,
            }),
            _ => {
                let missing: Vec<String> = COLUMNS
                    .iter()
                    .zip(found)
                    .filter(|(_, f)| f.is_none())
                    .map(|(c, _)| format!("`{c}`"))
                    .collect();
                let s = if missing.len() == 1 { "" } else { "s" };
                Err(ParseError::new(
                    1,
                    format!("missing column{s} {}", missing.join(", ")),
                ))
            }
        }
    }
}

/// RFC 4180 records of a text, each with the line it starts on. Fields are borrowed
/// unless they are quoted and hold a doubled quote.
struct Records<'a> {
    text: &'a str,
    position: usize,
    line: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(usize, Vec<Cow<'a, str>>), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.position >= self.text.len() {
            return None;
        }
        let result = self.record();
        if result.is_err() {
            // Stop after an error: the position is no longer at a record's start.
            self.position = self.text.len();
        }
        Some(result)
    }
}

impl<'a> Records<'a> {
    fn record(&mut self) -> Result<(usize, Vec<Cow<'a, str>>), ParseError> {
        let start_line = self.line;
        let bytes = self.text.as_bytes();
        let mut fields = Vec::new();
        loop {
            let field = if bytes.get(self.position) == Some(&b'"') {
                self.quoted(start_line)?
            } else {
                let start = self.position;
                let end = bytes
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .position(|b| matches!(b, b',' | b'\r' | b'\n' | b'"'))
                    .map_or(bytes.len(), |p| start + p);
                if bytes.get(end) == Some(&b'"') {
                    return Err(ParseError::new(
                        self.line,
                        "a quote inside an unquoted field (quote the whole field and double the quote)",
                    ));
                }
                self.position = end;
                Cow::Borrowed(self.text.get(start..end).unwrap_or_default())
            };
            fields.push(field);
            match bytes.get(self.position) {
                Some(b',') => self.position += 1,
                Some(b'\n') => {
                    self.position += 1;
                    self.line += 1;
                    return Ok((start_line, fields));
                }
                Some(b'\r') if bytes.get(self.position + 1) == Some(&b'\n') => {
                    self.position += 2;
                    self.line += 1;
                    return Ok((start_line, fields));
                }
                Some(b'\r') => {
                    return Err(ParseError::new(
                        self.line,
                        "a carriage return not followed by a line feed",
                    ));
                }
                None => return Ok((start_line, fields)),
                Some(_) => {
                    return Err(ParseError::new(
                        self.line,
                        "a closing quote must end its field (a comma or a line end after it)",
                    ));
                }
            }
        }
    }

    /// A quoted field, the position at its opening quote; leaves the position after
    /// the closing quote.
    fn quoted(&mut self, start_line: usize) -> Result<Cow<'a, str>, ParseError> {
        let bytes = self.text.as_bytes();
        self.position += 1;
        let mut segment = self.position;
        let mut owned: Option<String> = None;
        loop {
            match bytes.get(self.position) {
                None => {
                    return Err(ParseError::new(start_line, "a quoted field is not closed"));
                }
                Some(b'"') if bytes.get(self.position + 1) == Some(&b'"') => {
                    // A doubled quote: keep one.
                    let piece = self.text.get(segment..=self.position).unwrap_or_default();
                    owned.get_or_insert_with(String::new).push_str(piece);
                    self.position += 2;
                    segment = self.position;
                }
                Some(b'"') => {
                    let piece = self.text.get(segment..self.position).unwrap_or_default();
                    self.position += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(piece),
                        Some(mut s) => {
                            s.push_str(piece);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b) => {
                    if *b == b'\n' {
                        self.line += 1;
                    }
                    self.position += 1;
                }
            }
        }
    }
}

/// Writes `payments` as a settlement CSV: the header row in [`COLUMNS`] order, CRLF
/// line ends, fields quoted only when they need it. [`parse`] reads it back the same.
///
/// ```
/// use vale_shared::settlement::pagoefectivo::{Payment, parse, write};
/// use vale_shared::{Currency, Money};
/// let payment = Payment {
///     cip: "2592254".into(),
///     amount: Money::new(2500, Currency::Pen)?,
///     paid_at: time::macros::datetime!(2026-11-24 16:05 -5),
///     operation_number: "OP-1".into(),
/// };
/// let csv = write(&[payment])?;
/// assert_eq!(
///     csv,
///     "cip,amount,currency,paid_at,operation_number\r\n\
///      2592254,25.00,PEN,2026-11-24T16:05:00-05:00,OP-1\r\n"
/// );
/// assert_eq!(parse(csv.as_bytes())?.lines[0].payment_code, "2592254");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(payments: &[Payment]) -> Result<String, WriteError> {
    let currency = payments.first().ok_or(WriteError::Empty)?.amount.currency();
    if !Network::Pagoefectivo.accepts(currency) {
        return Err(WriteError::Currency);
    }
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for p in payments {
        if !is_valid_cip(&p.cip) {
            return Err(WriteError::Cip);
        }
        if p.amount.currency() != currency {
            return Err(WriteError::Currency);
        }
        if !is_operation_number(&p.operation_number) {
            return Err(WriteError::OperationNumber);
        }
        let paid_at = p.paid_at.format(&Rfc3339).map_err(|_| WriteError::PaidAt)?;
        out.push_str(&p.cip);
        out.push(',');
        out.push_str(&p.amount.to_decimal_string());
        out.push(',');
        out.push_str(currency.code());
        out.push(',');
        out.push_str(&paid_at);
        out.push(',');
        push_field(&mut out, &p.operation_number);
        out.push_str("\r\n");
    }
    Ok(out)
}

fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) || field.trim() != field {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HEADER: &str = "cip,amount,currency,paid_at,operation_number";

    fn file(rows: &[&str]) -> String {
        let mut text = format!("{HEADER}\n");
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text
    }

    fn error(text: &str) -> String {
        parse(text.as_bytes()).unwrap_err().to_string()
    }

    const ROW: &str = "2592254,25.00,PEN,2026-11-24T16:05:00-05:00,OP-1";

    #[test]
    fn parses_lines_total_and_file_date() {
        let text = file(&[
            ROW,
            "2592255,10.5,PEN,2026-11-25T03:00:00Z,OP-2",
            "2592256,1,PEN,2026-11-24T23:59:59-05:00,OP-3",
        ]);
        let s = parse(text.as_bytes()).unwrap();
        assert_eq!(s.network, Network::Pagoefectivo);
        assert_eq!(s.lines.len(), 3);
        assert_eq!(s.total, Money::new(3650, Currency::Pen).unwrap());
        // 03:00 UTC on the 25th is 22:00 on the 24th in Lima; 23:59:59 is the latest.
        assert_eq!(s.file_date, date!(2026 - 11 - 24));
        assert_eq!(s.lines[1].line, 3);
        assert_eq!(s.lines[1].paid_at, Some(datetime!(2026-11-25 03:00 UTC)));
        assert_eq!(s.lines[2].operation.as_deref(), Some("OP-3"));
    }

    #[test]
    fn columns_in_any_order_extra_ignored_names_loosely_matched() {
        let text = "Extra, OPERATION_NUMBER ,paid_at,currency,amount,cip\r\n\
                    x,OP-1,2026-11-24T16:05:00-05:00,USD,25.00,2592254\r\n";
        let s = parse(text.as_bytes()).unwrap();
        assert_eq!(s.lines[0].payment_code, "2592254");
        assert_eq!(s.total, Money::new(2500, Currency::Usd).unwrap());
    }

    #[test]
    fn missing_or_repeated_columns_are_an_error_on_line_1() {
        assert_eq!(
            error("cip,amount,currency,paid_at\n"),
            "line 1: missing column `operation_number`"
        );
        assert_eq!(
            error("cip,amount,currency,paid_at,operation_number,CIP\n"),
            "line 1: column `cip` appears twice"
        );
    }

    #[test]
    fn quotes_bom_and_crlf() {
        let text = format!(
            "\u{feff}{HEADER},note\r\n\"2592254\",\"25.00\",PEN,2026-11-24T16:05:00-05:00,\"a \"\"b\"\", c\",\"two\r\nlines\"\r\n{ROW},\r\n"
        );
        let s = parse(text.as_bytes()).unwrap();
        assert_eq!(s.lines[0].operation.as_deref(), Some("a \"b\", c"));
        assert_eq!(s.lines[0].line, 2);
        // The second record starts after the quoted line break.
        assert_eq!(s.lines[1].line, 4);
    }

    #[test]
    fn malformed_quotes_name_the_line() {
        assert_eq!(
            error(&file(&[
                ROW,
                "2592254,25.00,PEN,2026-11-24T16:05:00-05:00,\"OP"
            ])),
            "line 3: a quoted field is not closed"
        );
        assert_eq!(
            error(&file(&["2592254,25.00,PEN,2026-11-24T16:05:00-05:00,O\"P"])),
            "line 2: a quote inside an unquoted field (quote the whole field and double the quote)"
        );
        assert_eq!(
            error(&file(&[
                "2592254,25.00,PEN,2026-11-24T16:05:00-05:00,\"OP\"x"
            ])),
            "line 2: a closing quote must end its field (a comma or a line end after it)"
        );
        assert_eq!(
            error(&format!("{HEADER}\r{ROW}")),
            "line 1: a carriage return not followed by a line feed"
        );
    }

    #[test]
    fn bad_values_name_the_line() {
        let cases = [
            (
                "0592254,25.00,PEN,2026-11-24T16:05:00-05:00,OP-1",
                "line 2: cip \"0592254\" is not 5 to 20 digits without a leading zero",
            ),
            (
                "2592254,25.0O,PEN,2026-11-24T16:05:00-05:00,OP-1",
                "line 2: amount \"25.0O\" is not a decimal amount such as 25.00",
            ),
            (
                "2592254,25.001,PEN,2026-11-24T16:05:00-05:00,OP-1",
                "line 2: amount \"25.001\" has more than two decimal places",
            ),
            (
                "2592254,-25.00,PEN,2026-11-24T16:05:00-05:00,OP-1",
                "line 2: amount \"-25.00\" is not a decimal amount such as 25.00",
            ),
            (
                "2592254,25.00,COP,2026-11-24T16:05:00-05:00,OP-1",
                "line 2: currency \"COP\" is not PEN or USD",
            ),
            (
                "2592254,25.00,PEN,2026-11-24T16:05:00,OP-1",
                "line 2: paid_at \"2026-11-24T16:05:00\" is not an RFC 3339 date and time with an offset",
            ),
            (
                "2592254,25.00,PEN,2026-11-24T16:05:00-05:00,",
                "line 2: operation_number \"\" is not 1 to 64 characters without control characters",
            ),
            (
                "2592254,25.00,PEN,2026-11-24T16:05:00-05:00",
                "line 2: 4 fields, but the header has 5",
            ),
        ];
        for (row, expected) in cases {
            assert_eq!(error(&file(&[row])), expected);
        }
        assert_eq!(
            error(&file(&[
                ROW,
                "2592255,25.00,USD,2026-11-24T16:05:00-05:00,OP-2"
            ])),
            "line 3: currency USD differs from the file's PEN"
        );
    }

    #[test]
    fn blank_lines_and_empty_files() {
        assert!(parse(format!("{}\r\n\n", file(&[ROW])).as_bytes()).is_ok());
        assert!(parse(format!("{HEADER}\n{ROW}").as_bytes()).is_ok());
        assert_eq!(
            error(&file(&[ROW, "", ROW])),
            "line 3: blank line inside the file"
        );
        assert_eq!(error(""), "line 1: the file is empty");
        assert_eq!(error("\u{feff}\r\n"), "line 1: the file is empty");
        assert_eq!(error(&file(&[])), "line 2: the file lists no payments");
        assert_eq!(
            parse(&[HEADER.as_bytes(), b"\n\xff"].concat())
                .unwrap_err()
                .to_string(),
            "line 2: the file is not UTF-8"
        );
    }

    #[test]
    fn writer_refuses_what_would_not_read_back() {
        let good = Payment {
            cip: "2592254".into(),
            amount: Money::new(2500, Currency::Pen).unwrap(),
            paid_at: datetime!(2026-11-24 16:05 -5),
            operation_number: "OP-1".into(),
        };
        assert_eq!(write(&[]), Err(WriteError::Empty));
        let bad = Payment {
            cip: "12".into(),
            ..good.clone()
        };
        assert_eq!(write(&[bad]), Err(WriteError::Cip));
        let bad = Payment {
            amount: Money::new(1, Currency::Usd).unwrap(),
            ..good.clone()
        };
        assert_eq!(write(&[good.clone(), bad]), Err(WriteError::Currency));
        let bad = Payment {
            amount: Money::new(1, Currency::Cop).unwrap(),
            ..good.clone()
        };
        assert_eq!(write(&[bad]), Err(WriteError::Currency));
        let bad = Payment {
            operation_number: "a\tb".into(),
            ..good.clone()
        };
        assert_eq!(write(&[bad]), Err(WriteError::OperationNumber));
        let bad = Payment {
            paid_at: datetime!(-0001-01-01 0:00 UTC),
            ..good
        };
        assert_eq!(write(&[bad]), Err(WriteError::PaidAt));
    }

    fn payment(currency: Currency) -> impl Strategy<Value = Payment> {
        (
            "[1-9][0-9]{4,19}",
            0..=i64::MAX,
            // Years 0000–9999 less a day at each end, so that moving to any offset (up to
            // ±23:59) stays inside the `time` crate's range; offsets in whole minutes, any
            // nanosecond. Regression: a time in 9999-12-31 moved east panicked the generator
            // ("local datetime out of valid range") in one CI run on wasm32.
            -62_167_132_800_i64..253_402_214_399,
            0..1_000_000_000_u32,
            -1439_i16..=1439,
            "[^\\p{Cc}]{1,64}",
        )
            .prop_map(
                move |(cip, minor, secs, nanos, offset_min, operation_number)| {
                    let offset =
                        time::UtcOffset::from_whole_seconds(i32::from(offset_min) * 60).unwrap();
                    let paid_at = OffsetDateTime::from_unix_timestamp(secs)
                        .unwrap()
                        .replace_nanosecond(nanos)
                        .unwrap()
                        .to_offset(offset);
                    Payment {
                        cip,
                        amount: Money::new(minor, currency).unwrap(),
                        paid_at,
                        operation_number,
                    }
                },
            )
            .prop_filter("years 0000 to 9999 in its own offset", |p| {
                (0..=9999).contains(&p.paid_at.year())
            })
    }

    fn payments() -> impl Strategy<Value = Vec<Payment>> {
        prop_oneof![Just(Currency::Pen), Just(Currency::Usd)]
            .prop_flat_map(|c| proptest::collection::vec(payment(c), 1..12))
            // Keep the total inside i64.
            .prop_map(|mut ps| {
                for p in &mut ps {
                    p.amount = Money::new(p.amount.minor() / 16, p.amount.currency()).unwrap();
                }
                ps
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn write_then_parse_round_trips(ps in payments()) {
            let text = write(&ps).unwrap();
            let s = parse(text.as_bytes()).unwrap();
            prop_assert_eq!(s.lines.len(), ps.len());
            for (i, (line, p)) in s.lines.iter().zip(&ps).enumerate() {
                prop_assert_eq!(&line.payment_code, &p.cip);
                prop_assert_eq!(line.amount, p.amount);
                prop_assert_eq!(line.paid_at.map(|t| (t, t.offset())), Some((p.paid_at, p.paid_at.offset())));
                prop_assert_eq!(line.operation.as_deref(), Some(p.operation_number.as_str()));
                // Operation numbers may hold quoted line breaks: lines only grow.
                prop_assert!(line.line >= i + 2);
            }
            let latest = ps.iter().map(|p| p.paid_at).max().unwrap();
            prop_assert_eq!(s.file_date, latest.to_offset(Network::Pagoefectivo.utc_offset()).date());
            let sum: i64 = ps.iter().map(|p| p.amount.minor()).sum();
            prop_assert_eq!(s.total.minor(), sum);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn arbitrary_csv_never_panics(text in "[a-z_,\"\r\n0-9.:TZ+-]{0,300}") {
            let _ = parse(text.as_bytes());
            let _ = parse(format!("{HEADER}\n{text}").as_bytes());
        }

        #[test]
        fn mutated_files_never_panic(
            ps in payments(),
            at in any::<prop::sample::Index>(),
            cut in 0_usize..40,
            insert in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b','), Just(b'\n'), Just(b'\r'), any::<u8>()], 0..6),
        ) {
            let mut bytes = write(&ps).unwrap().into_bytes();
            let at = at.index(bytes.len() + 1);
            let cut = cut.min(bytes.len() - at);
            bytes.splice(at..at + cut, insert);
            if let Err(e) = parse(&bytes) {
                prop_assert!(e.line >= 1 && e.line <= bytes.split(|&b| b == b'\n').count() + 1, "{}", e);
            }
        }
    }
}
