//! Efecty recaudo files in the Asobancaria 2001 layout: parsed strictly, and written for
//! the sandbox.
//!
//! A file is fixed-width records of 162 printable ASCII characters, one a line (LF or
//! CRLF): one file header (01), then lots, each a lot header (05), its details (06) and
//! a lot control (08), then one file control (09). The record counts of 08 and 09 count
//! detail records; totals have two implied decimals, which for COP are minor units.
//!
//! | record | fields (width)                                                                |
//! |--------|-------------------------------------------------------------------------------|
//! | 01     | type 2, NIT 10, collection date 8, bank code 3, account 17, file date 8, file time 4, modifier 1, account type 2, reserved 107 |
//! | 05     | type 2, service code 13, lot number 4, reserved 143                           |
//! | 06     | type 2, reference 48, amount 14, origin 2, payment method 2, operation number 6, authorization 6, bank code 3, branch 4, sequence 7, return cause 3, reserved 65 |
//! | 08     | type 2, record count 9, lot total 18, lot number 4, reserved 129              |
//! | 09     | type 2, record count 9, file total 18, reserved 133                           |
//!
//! Strict means: every count, total and lot number is checked; numbers and dates are
//! digits; the reserved filler is blank; a record may be shorter than 162 characters
//! only by trailing blanks of its reserved filler (a record cut inside a field is
//! refused); blank lines are accepted only at the end of the file. Fields whose code
//! tables are unknown (origin, payment method, return cause and the other codes) are
//! kept raw, exactly as written.

use super::{Line, ParseError, Settlement, check_size, shown};
use crate::money::{Currency, Money, MoneyError};
use crate::network::Network;
use time::{Date, Month, PrimitiveDateTime, Time};

/// Characters in every record.
pub const RECORD_LEN: usize = 162;

/// Characters in a detail's reference field.
pub const REFERENCE_WIDTH: usize = 48;

/// The largest detail amount, in minor units: 14 digits.
pub const MAX_AMOUNT: i64 = 99_999_999_999_999;

/// The largest lot or file total, in minor units: 18 digits.
pub const MAX_TOTAL: i64 = 999_999_999_999_999_999;

type Layout = &'static [(&'static str, usize)];

const FILE_HEADER: [(&str, usize); 10] = [
    ("record type", 2),
    ("NIT", 10),
    ("collection date", 8),
    ("bank code", 3),
    ("account", 17),
    ("file date", 8),
    ("file time", 4),
    ("modifier", 1),
    ("account type", 2),
    ("reserved filler", 107),
];
const LOT_HEADER: [(&str, usize); 4] = [
    ("record type", 2),
    ("service code", 13),
    ("lot number", 4),
    ("reserved filler", 143),
];
const DETAIL: [(&str, usize); 12] = [
    ("record type", 2),
    ("reference", 48),
    ("amount", 14),
    ("origin", 2),
    ("payment method", 2),
    ("operation number", 6),
    ("authorization", 6),
    ("bank code", 3),
    ("branch", 4),
    ("sequence", 7),
    ("return cause", 3),
    ("reserved filler", 65),
];
const LOT_CONTROL: [(&str, usize); 5] = [
    ("record type", 2),
    ("record count", 9),
    ("lot total", 18),
    ("lot number", 4),
    ("reserved filler", 129),
];
const FILE_CONTROL: [(&str, usize); 4] = [
    ("record type", 2),
    ("record count", 9),
    ("file total", 18),
    ("reserved filler", 133),
];

/// A parsed recaudo file: its header and its lots, every control record checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recaudo {
    /// The file header (01).
    pub header: FileHeader,
    /// The lots, in file order.
    pub lots: Vec<Lot>,
}

/// The file header (01). Raw fields hold exactly the characters of the file, blanks
/// included, and the writer wants exactly that many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// The collecting company's NIT, raw (10 characters).
    pub nit: String,
    /// The day the payments were collected (AAAAMMDD).
    pub collection_date: Date,
    /// The collecting bank's code, raw (3 characters).
    pub bank_code: String,
    /// The account credited, raw (17 characters).
    pub account: String,
    /// The day the file was made (AAAAMMDD).
    pub file_date: Date,
    /// The time the file was made (HHMM: seconds are always zero).
    pub file_time: Time,
    /// The file modifier, raw (1 character).
    pub modifier: String,
    /// The account type code, raw (2 characters).
    pub account_type: String,
}

/// A lot: a lot header (05), its details (06) and its lot control (08).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// The service code, raw (13 characters).
    pub service_code: String,
    /// The lot number (0 to 9999), the same in the lot header and the lot control.
    pub number: u16,
    /// The detail records, in file order.
    pub details: Vec<Detail>,
}

/// A detail record (06): one payment. Raw fields hold exactly the characters of the
/// file (their code tables are not public), and the writer wants exactly that many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The 1-based line of the record in the file. The writer ignores it.
    pub line: usize,
    /// The payment code: the reference field with surrounding spaces and leading zeros
    /// removed (never empty). The writer pads it back with leading zeros.
    pub reference: String,
    /// The amount, in COP (14 digits with two implied decimals: minor units).
    pub amount: Money,
    /// The origin of the payment, raw (2 characters).
    pub origin: String,
    /// The payment method, raw (2 characters).
    pub payment_method: String,
    /// The operation number, raw (6 characters).
    pub operation_number: String,
    /// The authorization number, raw (6 characters).
    pub authorization: String,
    /// The code of the bank that took the payment, raw (3 characters).
    pub bank_code: String,
    /// The branch, raw (4 characters).
    pub branch: String,
    /// The sequence number, raw (7 characters).
    pub sequence: String,
    /// The return cause, raw (3 characters).
    pub return_cause: String,
}

/// Why [`write`] refused a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// A raw field is not exactly its width of printable ASCII.
    #[error("{field} must be exactly {width} printable ASCII characters")]
    Width {
        /// The field, as the layout names it.
        field: &'static str,
        /// Its width in the layout.
        width: usize,
    },
    /// A reference is empty, longer than 48 characters, not printable ASCII, or starts
    /// or ends with a space or starts with a zero (it would not read back the same).
    #[error(
        "a reference must be 1 to 48 printable ASCII characters with no surrounding spaces and no leading zero"
    )]
    Reference,
    /// An amount is not in COP.
    #[error("Efecty files carry COP only")]
    Currency,
    /// An amount or a total does not fit its field.
    #[error("{0} does not fit its field")]
    TooLarge(&'static str),
    /// A date's year is outside 0000–9999.
    #[error("{0} is outside the years 0000 to 9999")]
    Date(&'static str),
    /// The file time has seconds or fractions (the field is HHMM).
    #[error("the file time must be whole minutes")]
    Time,
    /// A lot number is above 9999.
    #[error("a lot number must be 0 to 9999")]
    LotNumber,
}

impl Recaudo {
    /// The sum of every detail's amount. Fails only for a hand-built file whose amounts
    /// are not COP or overflow; a parsed file always has a total.
    ///
    /// ```
    /// use vale_shared::settlement::efecty;
    /// # let text = efecty::tests_example();
    /// let file = efecty::parse(text.as_bytes())?;
    /// assert_eq!(file.total()?.minor(), 7_500_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.details()
            .try_fold(Money::new(0, Currency::Cop)?, |sum, d| {
                sum.checked_add(d.amount)
            })
    }

    /// Every detail of every lot, in file order.
    pub fn details(&self) -> impl Iterator<Item = &Detail> {
        self.lots.iter().flat_map(|lot| lot.details.iter())
    }

    /// The file in the shape both networks share: the header's file date, one
    /// [`Line`] per detail (paid at 00:00 Bogotá time on the collection date; the
    /// authorization as the operation, `None` when blank), and the total. Fails like
    /// [`Recaudo::total`].
    ///
    /// ```
    /// use vale_shared::settlement::efecty;
    /// # let text = efecty::tests_example();
    /// let settlement = efecty::parse(text.as_bytes())?.settlement()?;
    /// assert_eq!(settlement.lines[0].payment_code, "100000000420");
    /// assert_eq!(settlement.lines[0].line, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn settlement(&self) -> Result<Settlement, MoneyError> {
        let start_of_day = PrimitiveDateTime::new(self.header.collection_date, Time::MIDNIGHT)
            .assume_offset(Network::Efecty.utc_offset());
        let lines = self
            .details()
            .map(|d| {
                let authorization = d.authorization.trim();
                Line {
                    line: d.line,
                    payment_code: d.reference.clone(),
                    amount: d.amount,
                    paid_at: Some(start_of_day),
                    operation: (!authorization.is_empty()).then(|| authorization.to_owned()),
                }
            })
            .collect();
        Ok(Settlement {
            network: Network::Efecty,
            file_date: self.header.file_date,
            lines,
            total: self.total()?,
        })
    }
}

/// A doctest fixture: a valid file with one lot of two details (COP 50,000 and 25,000).
#[doc(hidden)]
pub fn tests_example() -> String {
    let details = [("100000000420", 5_000_000), ("100000000438", 2_500_000)];
    let record = |text: String| format!("{text:<162}\r\n");
    let mut file = record("01900123456720261124007000123456789012  202611250930A01".into());
    file += &record("0577099980000010001".into());
    for (i, (reference, minor)) in details.iter().enumerate() {
        file += &record(format!(
            "06{reference:0>48}{minor:014}0101000{i:03}1234560070001000000{}000",
            i + 1
        ));
    }
    file += &record("08000000002000000000007500000 0001".replace(' ', ""));
    file += &record("09000000002000000000007500000".into());
    file
}

/// What a record is, from its first two characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    FileHeader,
    LotHeader,
    Detail,
    LotControl,
    FileControl,
}

impl Kind {
    fn from_code(code: &[u8]) -> Option<Kind> {
        Some(match code {
            b"01" => Kind::FileHeader,
            b"05" => Kind::LotHeader,
            b"06" => Kind::Detail,
            b"08" => Kind::LotControl,
            b"09" => Kind::FileControl,
            _ => return None,
        })
    }

    fn layout(self) -> Layout {
        match self {
            Kind::FileHeader => &FILE_HEADER,
            Kind::LotHeader => &LOT_HEADER,
            Kind::Detail => &DETAIL,
            Kind::LotControl => &LOT_CONTROL,
            Kind::FileControl => &FILE_CONTROL,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::FileHeader => "file header (01)",
            Kind::LotHeader => "lot header (05)",
            Kind::Detail => "detail (06)",
            Kind::LotControl => "lot control (08)",
            Kind::FileControl => "file control (09)",
        }
    }
}

/// The 1-based first and last columns of every field of a layout.
fn columns(layout: Layout) -> impl Iterator<Item = (&'static str, usize, usize)> {
    layout.iter().scan(0, |start, &(name, width)| {
        let first = *start + 1;
        *start += width;
        Some((name, first, *start))
    })
}

/// Splits a full-width record into its fields (a record always has [`RECORD_LEN`]
/// ASCII characters here, so every split lands).
fn split<'a, const N: usize>(record: &'a str, layout: &[(&str, usize); N]) -> [&'a str; N] {
    let mut fields = [""; N];
    let mut rest = record;
    for (field, &(_, width)) in fields.iter_mut().zip(layout) {
        let (head, tail) = rest.split_at_checked(width).unwrap_or((rest, ""));
        *field = head;
        rest = tail;
    }
    fields
}

/// Checks a raw record and widens it to [`RECORD_LEN`] characters with blanks.
fn widen<'b>(
    line: usize,
    raw: &[u8],
    buffer: &'b mut [u8; RECORD_LEN],
) -> Result<(Kind, &'b str), ParseError> {
    if let Some(column) = raw.iter().position(|b| !(b' '..=b'~').contains(b)) {
        let byte = raw.get(column).copied().unwrap_or_default();
        return Err(ParseError::new(
            line,
            format!(
                "column {}: byte 0x{byte:02X} is not printable ASCII",
                column + 1
            ),
        ));
    }
    if raw.len() > RECORD_LEN {
        return Err(ParseError::new(
            line,
            format!(
                "the record is {} characters long, more than {RECORD_LEN}",
                raw.len()
            ),
        ));
    }
    let code = raw.get(..2).ok_or_else(|| {
        ParseError::new(
            line,
            format!(
                "the record is {} character long, too short for a record type",
                raw.len()
            ),
        )
    })?;
    let kind = Kind::from_code(code).ok_or_else(|| {
        ParseError::new(
            line,
            format!(
                "unknown record type {}; expected 01, 05, 06, 08 or 09",
                shown(&String::from_utf8_lossy(code))
            ),
        )
    })?;
    if let Some((name, first, last)) = columns(kind.layout())
        .find(|&(name, _, last)| raw.len() < last && name != "reserved filler")
    {
        return Err(ParseError::new(
            line,
            format!(
                "the {} is {} characters long: it is cut inside the {name} (columns {first}–{last})",
                kind.name(),
                raw.len()
            ),
        ));
    }
    *buffer = [b' '; RECORD_LEN];
    if let Some(start) = buffer.get_mut(..raw.len()) {
        start.copy_from_slice(raw);
    }
    let text = std::str::from_utf8(buffer)
        .map_err(|_| ParseError::new(line, "the record is not ASCII"))?;
    Ok((kind, text))
}

fn blank_filler(line: usize, kind: Kind, filler: &str) -> Result<(), ParseError> {
    if filler.bytes().all(|b| b == b' ') {
        return Ok(());
    }
    let (_, first, last) = columns(kind.layout())
        .find(|&(name, _, _)| name == "reserved filler")
        .unwrap_or(("reserved filler", 0, RECORD_LEN));
    Err(ParseError::new(
        line,
        format!("the reserved filler (columns {first}–{last}) is not blank"),
    ))
}

fn number(line: usize, name: &str, text: &str) -> Result<i64, ParseError> {
    // At most 18 digits: always fits in an i64.
    let digits = || {
        text.bytes()
            .try_fold(0_i64, |n, b| {
                b.is_ascii_digit()
                    .then(|| n.checked_mul(10)?.checked_add(i64::from(b - b'0')))
                    .flatten()
            })
            .filter(|_| !text.is_empty() && text.len() <= 18)
    };
    digits().ok_or_else(|| {
        ParseError::new(
            line,
            format!("{name} {} is not {} digits", shown(text), text.len()),
        )
    })
}

fn date(line: usize, name: &str, text: &str) -> Result<Date, ParseError> {
    let invalid = || {
        ParseError::new(
            line,
            format!("{name} {} is not a date (AAAAMMDD)", shown(text)),
        )
    };
    let n = number(line, name, text).map_err(|_| invalid())?;
    let year = i32::try_from(n / 10_000).map_err(|_| invalid())?;
    let month = u8::try_from(n / 100 % 100)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(invalid)?;
    let day = u8::try_from(n % 100).map_err(|_| invalid())?;
    Date::from_calendar_date(year, month, day).map_err(|_| invalid())
}

fn hhmm(line: usize, text: &str) -> Result<Time, ParseError> {
    let invalid = || {
        ParseError::new(
            line,
            format!("file time {} is not a time (HHMM)", shown(text)),
        )
    };
    let n = number(line, "file time", text).map_err(|_| invalid())?;
    let hour = u8::try_from(n / 100).map_err(|_| invalid())?;
    let minute = u8::try_from(n % 100).map_err(|_| invalid())?;
    Time::from_hms(hour, minute, 0).map_err(|_| invalid())
}

fn lot_number(line: usize, text: &str) -> Result<u16, ParseError> {
    let n = number(line, "lot number", text)?;
    u16::try_from(n).map_err(|_| ParseError::new(line, "lot number is out of range"))
}

/// The lot being read: its header's line and what its details add up to.
struct OpenLot {
    line: usize,
    lot: Lot,
    total: i64,
}

/// Where the reader is in the file.
enum State {
    Start,
    BetweenLots,
    InLot(OpenLot),
    Done,
}

/// Parses an Efecty recaudo file, checking every count, total and lot number.
///
/// ```
/// use vale_shared::settlement::efecty;
/// # let text = efecty::tests_example();
/// let file = efecty::parse(text.as_bytes())?;
/// assert_eq!(file.lots[0].details[1].amount.minor(), 2_500_000);
///
/// let wrong = text.replace("08000000002000000000007500000", "08000000002000000000007400000");
/// assert_eq!(
///     efecty::parse(wrong.as_bytes()).unwrap_err().to_string(),
///     "line 5: lot total 7400000 does not match its details (7500000)"
/// );
/// # Ok::<(), vale_shared::settlement::ParseError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<Recaudo, ParseError> {
    check_size(bytes)?;
    // Trailing blank lines (and the last record's trailing blanks, which can only be
    // its reserved filler) are dropped; a blank line anywhere else is an error.
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\r' | b'\n'))
        .map_or(0, |last| last + 1);
    let content = bytes.get(..end).unwrap_or_default();
    if content.is_empty() {
        return Err(ParseError::new(1, "the file is empty"));
    }

    let mut header = None;
    let mut lots = Vec::new();
    let mut state = State::Start;
    let mut file_count: usize = 0;
    let mut file_total: i64 = 0;
    let mut last_line = 0;
    let mut buffer = [b' '; RECORD_LEN];

    for (index, raw) in content.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        last_line = line;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|&b| b == b' ') {
            return Err(ParseError::new(line, "blank line inside the file"));
        }
        let (kind, record) = widen(line, raw, &mut buffer)?;
        state = match (state, kind) {
            (State::Start, Kind::FileHeader) => {
                let [
                    _,
                    nit,
                    collection,
                    bank,
                    account,
                    file_date,
                    file_time,
                    modifier,
                    account_type,
                    filler,
                ] = split(record, &FILE_HEADER);
                blank_filler(line, kind, filler)?;
                header = Some(FileHeader {
                    nit: nit.to_owned(),
                    collection_date: date(line, "collection date", collection)?,
                    bank_code: bank.to_owned(),
                    account: account.to_owned(),
                    file_date: date(line, "file date", file_date)?,
                    file_time: hhmm(line, file_time)?,
                    modifier: modifier.to_owned(),
                    account_type: account_type.to_owned(),
                });
                State::BetweenLots
            }
            (State::Start, _) => {
                return Err(ParseError::new(
                    line,
                    format!(
                        "the file must start with a file header (01), not a {}",
                        kind.name()
                    ),
                ));
            }
            (State::BetweenLots, Kind::LotHeader) => {
                let [_, service_code, number, filler] = split(record, &LOT_HEADER);
                blank_filler(line, kind, filler)?;
                State::InLot(OpenLot {
                    line,
                    lot: Lot {
                        service_code: service_code.to_owned(),
                        number: lot_number(line, number)?,
                        details: Vec::new(),
                    },
                    total: 0,
                })
            }
            (State::InLot(mut open), Kind::Detail) => {
                let [
                    _,
                    reference,
                    amount,
                    origin,
                    method,
                    operation,
                    authorization,
                    bank,
                    branch,
                    sequence,
                    cause,
                    filler,
                ] = split(record, &DETAIL);
                blank_filler(line, kind, filler)?;
                let payment_code = reference.trim_matches(' ').trim_start_matches('0');
                if payment_code.is_empty() {
                    return Err(ParseError::new(
                        line,
                        format!("reference {} has no payment code", shown(reference)),
                    ));
                }
                let minor = number(line, "amount", amount)?;
                open.total = open
                    .total
                    .checked_add(minor)
                    .ok_or_else(|| ParseError::new(line, "the lot's amounts overflow"))?;
                let amount = Money::new(minor, Currency::Cop)
                    .map_err(|e| ParseError::new(line, format!("amount: {e}")))?;
                open.lot.details.push(Detail {
                    line,
                    reference: payment_code.to_owned(),
                    amount,
                    origin: origin.to_owned(),
                    payment_method: method.to_owned(),
                    operation_number: operation.to_owned(),
                    authorization: authorization.to_owned(),
                    bank_code: bank.to_owned(),
                    branch: branch.to_owned(),
                    sequence: sequence.to_owned(),
                    return_cause: cause.to_owned(),
                });
                State::InLot(open)
            }
            (State::InLot(open), Kind::LotControl) => {
                let [_, count, total, lot_no, filler] = split(record, &LOT_CONTROL);
                blank_filler(line, kind, filler)?;
                let count = number_of_records(line, count)?;
                let total = number(line, "lot total", total)?;
                let number = lot_number(line, lot_no)?;
                let details = open.lot.details.len();
                if count != details {
                    return Err(ParseError::new(
                        line,
                        format!("lot record count {count} does not match its details ({details})"),
                    ));
                }
                if total != open.total {
                    return Err(ParseError::new(
                        line,
                        format!(
                            "lot total {total} does not match its details ({})",
                            open.total
                        ),
                    ));
                }
                if number != open.lot.number {
                    return Err(ParseError::new(
                        line,
                        format!(
                            "lot number {number:04} does not match the lot header's ({:04}, line {})",
                            open.lot.number, open.line
                        ),
                    ));
                }
                file_count = file_count.saturating_add(details);
                file_total = file_total
                    .checked_add(total)
                    .ok_or_else(|| ParseError::new(line, "the file's amounts overflow"))?;
                lots.push(open.lot);
                State::BetweenLots
            }
            (State::BetweenLots, Kind::FileControl) => {
                let [_, count, total, filler] = split(record, &FILE_CONTROL);
                blank_filler(line, kind, filler)?;
                let count = number_of_records(line, count)?;
                let total = number(line, "file total", total)?;
                if count != file_count {
                    return Err(ParseError::new(
                        line,
                        format!(
                            "file record count {count} does not match its details ({file_count})"
                        ),
                    ));
                }
                if total != file_total {
                    return Err(ParseError::new(
                        line,
                        format!("file total {total} does not match its details ({file_total})"),
                    ));
                }
                State::Done
            }
            (State::Done, _) => {
                return Err(ParseError::new(
                    line,
                    format!("a {} after the file control (09)", kind.name()),
                ));
            }
            (State::InLot(open), kind) => {
                return Err(ParseError::new(
                    line,
                    format!(
                        "a {} inside lot {:04} (line {}), before its lot control (08)",
                        kind.name(),
                        open.lot.number,
                        open.line
                    ),
                ));
            }
            (State::BetweenLots, kind) => {
                return Err(ParseError::new(
                    line,
                    format!(
                        "a {} outside a lot (expected a lot header (05) or the file control (09))",
                        kind.name()
                    ),
                ));
            }
        };
    }

    match (state, header) {
        (State::Done, Some(header)) => Ok(Recaudo { header, lots }),
        (State::InLot(open), _) => Err(ParseError::new(
            last_line + 1,
            format!(
                "the file ends inside lot {:04} (line {}), without its lot control (08)",
                open.lot.number, open.line
            ),
        )),
        _ => Err(ParseError::new(
            last_line + 1,
            "the file ends without a file control (09)",
        )),
    }
}

fn number_of_records(line: usize, text: &str) -> Result<usize, ParseError> {
    let n = number(line, "record count", text)?;
    usize::try_from(n).map_err(|_| ParseError::new(line, "record count is out of range"))
}

/// Writes `file` as an Asobancaria 2001 recaudo file, CRLF after every record, with
/// the counts and totals its control records need. [`parse`] reads it back the same
/// (line numbers aside, which it fills in).
///
/// ```
/// use vale_shared::settlement::efecty;
/// # let text = efecty::tests_example();
/// let file = efecty::parse(text.as_bytes())?;
/// assert_eq!(efecty::write(&file)?, text);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(file: &Recaudo) -> Result<String, WriteError> {
    let header = &file.header;
    let details: usize = file.lots.iter().map(|lot| lot.details.len()).sum();
    let mut out = String::with_capacity((details + 2 * file.lots.len() + 2) * (RECORD_LEN + 2));
    let mut record = |fields: std::fmt::Arguments<'_>| {
        let start = out.len();
        std::fmt::Write::write_fmt(&mut out, fields).ok();
        let written = out.len() - start;
        out.extend(std::iter::repeat_n(' ', RECORD_LEN.saturating_sub(written)));
        out.push_str("\r\n");
    };
    let raw = |field: &'static str, value: &str, width: usize| {
        if value.len() == width && value.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            Ok(())
        } else {
            Err(WriteError::Width { field, width })
        }
    };
    raw("NIT", &header.nit, 10)?;
    raw("bank code", &header.bank_code, 3)?;
    raw("account", &header.account, 17)?;
    raw("modifier", &header.modifier, 1)?;
    raw("account type", &header.account_type, 2)?;
    if header.file_time.second() != 0 || header.file_time.nanosecond() != 0 {
        return Err(WriteError::Time);
    }
    record(format_args!(
        "01{}{}{}{}{}{:02}{:02}{}{}",
        header.nit,
        aaaammdd(header.collection_date, "the collection date")?,
        header.bank_code,
        header.account,
        aaaammdd(header.file_date, "the file date")?,
        header.file_time.hour(),
        header.file_time.minute(),
        header.modifier,
        header.account_type,
    ));
    let mut file_total: i64 = 0;
    for lot in &file.lots {
        raw("service code", &lot.service_code, 13)?;
        if lot.number > 9999 {
            return Err(WriteError::LotNumber);
        }
        record(format_args!("05{}{:04}", lot.service_code, lot.number));
        let mut lot_total: i64 = 0;
        for d in &lot.details {
            let reference_ok = !d.reference.is_empty()
                && d.reference.len() <= REFERENCE_WIDTH
                && d.reference.bytes().all(|b| (b' '..=b'~').contains(&b))
                && !d.reference.starts_with(['0', ' '])
                && !d.reference.ends_with(' ');
            if !reference_ok {
                return Err(WriteError::Reference);
            }
            if d.amount.currency() != Currency::Cop {
                return Err(WriteError::Currency);
            }
            if d.amount.minor() > MAX_AMOUNT {
                return Err(WriteError::TooLarge("an amount"));
            }
            raw("origin", &d.origin, 2)?;
            raw("payment method", &d.payment_method, 2)?;
            raw("operation number", &d.operation_number, 6)?;
            raw("authorization", &d.authorization, 6)?;
            raw("bank code", &d.bank_code, 3)?;
            raw("branch", &d.branch, 4)?;
            raw("sequence", &d.sequence, 7)?;
            raw("return cause", &d.return_cause, 3)?;
            lot_total = lot_total
                .checked_add(d.amount.minor())
                .filter(|t| *t <= MAX_TOTAL)
                .ok_or(WriteError::TooLarge("a lot total"))?;
            record(format_args!(
                "06{:0>48}{:014}{}{}{}{}{}{}{}{}",
                d.reference,
                d.amount.minor(),
                d.origin,
                d.payment_method,
                d.operation_number,
                d.authorization,
                d.bank_code,
                d.branch,
                d.sequence,
                d.return_cause,
            ));
        }
        file_total = file_total
            .checked_add(lot_total)
            .filter(|t| *t <= MAX_TOTAL)
            .ok_or(WriteError::TooLarge("the file total"))?;
        if lot.details.len() > 999_999_999 {
            return Err(WriteError::TooLarge("a lot's record count"));
        }
        record(format_args!(
            "08{:09}{lot_total:018}{:04}",
            lot.details.len(),
            lot.number
        ));
    }
    if details > 999_999_999 {
        return Err(WriteError::TooLarge("the file's record count"));
    }
    record(format_args!("09{details:09}{file_total:018}"));
    Ok(out)
}

fn aaaammdd(date: Date, name: &'static str) -> Result<String, WriteError> {
    if !(0..=9999).contains(&date.year()) {
        return Err(WriteError::Date(name));
    }
    Ok(format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn example() -> String {
        tests_example()
    }

    /// The example with record `line` (1-based) replaced by `record`.
    fn with_record(line: usize, record: &str) -> String {
        example()
            .split_inclusive("\r\n")
            .enumerate()
            .map(|(i, r)| {
                if i + 1 == line {
                    format!("{record}\r\n")
                } else {
                    r.to_owned()
                }
            })
            .collect()
    }

    fn record_of(line: usize) -> String {
        example().split("\r\n").nth(line - 1).unwrap().to_owned()
    }

    fn error(text: &str) -> ParseError {
        parse(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn every_layout_is_162_characters() {
        for layout in [
            &FILE_HEADER[..],
            &LOT_HEADER,
            &DETAIL,
            &LOT_CONTROL,
            &FILE_CONTROL,
        ] {
            assert_eq!(layout.iter().map(|(_, w)| w).sum::<usize>(), RECORD_LEN);
            assert_eq!(layout.last().unwrap().0, "reserved filler");
        }
    }

    #[test]
    fn parses_every_field() {
        let file = parse(example().as_bytes()).unwrap();
        let h = &file.header;
        assert_eq!(h.nit, "9001234567");
        assert_eq!(h.collection_date, time::macros::date!(2026 - 11 - 24));
        assert_eq!(h.bank_code, "007");
        assert_eq!(h.account, "000123456789012  ");
        assert_eq!(h.file_date, time::macros::date!(2026 - 11 - 25));
        assert_eq!(h.file_time, time::macros::time!(09:30));
        assert_eq!(h.modifier, "A");
        assert_eq!(h.account_type, "01");
        let lot = &file.lots[0];
        assert_eq!(lot.service_code, "7709998000001");
        assert_eq!(lot.number, 1);
        let d = &lot.details[1];
        assert_eq!(d.line, 4);
        assert_eq!(d.reference, "100000000438");
        assert_eq!(d.amount, Money::new(2_500_000, Currency::Cop).unwrap());
        assert_eq!((d.origin.as_str(), d.payment_method.as_str()), ("01", "01"));
        assert_eq!(d.operation_number, "000001");
        assert_eq!(d.authorization, "123456");
        assert_eq!((d.bank_code.as_str(), d.branch.as_str()), ("007", "0001"));
        assert_eq!(d.sequence, "0000002");
        assert_eq!(d.return_cause, "000");

        let s = file.settlement().unwrap();
        assert_eq!(s.network, Network::Efecty);
        assert_eq!(s.file_date, h.file_date);
        assert_eq!(s.total.minor(), 7_500_000);
        assert_eq!(
            s.lines[0].paid_at,
            Some(time::macros::datetime!(2026-11-24 00:00 -5))
        );
        assert_eq!(s.lines[0].operation.as_deref(), Some("123456"));
    }

    #[test]
    fn reference_loses_surrounding_spaces_and_leading_zeros() {
        let record = record_of(3).replacen(
            &format!("{:0>48}", "100000000420"),
            &format!("{:<48}", "  000100000000420"),
            1,
        );
        let file = parse(with_record(3, &record).as_bytes()).unwrap();
        assert_eq!(file.lots[0].details[0].reference, "100000000420");
        let zeros = record_of(3).replacen(&format!("{:0>48}", "100000000420"), &"0".repeat(48), 1);
        assert_eq!(
            error(&with_record(3, &zeros)).to_string(),
            format!(
                "line 3: reference {:?}… has no payment code",
                "0".repeat(40)
            )
        );
    }

    #[test]
    fn a_wrong_total_names_its_line() {
        let lot = example().replace(
            "08000000002000000000007500000",
            "08000000002000000000007500001",
        );
        assert_eq!(
            error(&lot).to_string(),
            "line 5: lot total 7500001 does not match its details (7500000)"
        );
        let file = example().replace(
            "09000000002000000000007500000",
            "09000000002000000000007000000",
        );
        assert_eq!(
            error(&file).to_string(),
            "line 6: file total 7000000 does not match its details (7500000)"
        );
    }

    #[test]
    fn a_lot_count_off_by_one_names_its_line() {
        let lot = example().replace("08000000002", "08000000003");
        assert_eq!(
            error(&lot).to_string(),
            "line 5: lot record count 3 does not match its details (2)"
        );
        let file = example().replace("09000000002", "09000000001");
        assert_eq!(
            error(&file).to_string(),
            "line 6: file record count 1 does not match its details (2)"
        );
    }

    #[test]
    fn lot_numbers_must_match() {
        let control = record_of(5);
        let changed = format!("{}0002{}", &control[..29], &control[33..]);
        assert_eq!(
            error(&with_record(5, &changed)).to_string(),
            "line 5: lot number 0002 does not match the lot header's (0001, line 2)"
        );
    }

    #[test]
    fn a_short_record_cut_inside_a_field_is_refused() {
        let cut = &record_of(3)[..60];
        assert_eq!(
            error(&with_record(3, cut)).to_string(),
            "line 3: the detail (06) is 60 characters long: it is cut inside the amount (columns 51–64)"
        );
        assert_eq!(
            error(&with_record(4, "0")).to_string(),
            "line 4: the record is 1 character long, too short for a record type"
        );
    }

    #[test]
    fn a_record_short_only_by_its_blank_filler_is_accepted() {
        let mut text = String::new();
        for record in example().split("\r\n") {
            text.push_str(record.trim_end_matches(' '));
            text.push('\n');
        }
        let lf = parse(text.as_bytes()).unwrap();
        assert_eq!(lf, parse(example().as_bytes()).unwrap());
    }

    #[test]
    fn a_long_record_or_a_dirty_filler_is_refused() {
        let long = format!("{} ", record_of(3));
        assert_eq!(
            error(&with_record(3, &long)).to_string(),
            "line 3: the record is 163 characters long, more than 162"
        );
        let dirty = format!("{}X", &record_of(3)[..161]);
        assert_eq!(
            error(&with_record(3, &dirty)).to_string(),
            "line 3: the reserved filler (columns 98–162) is not blank"
        );
    }

    #[test]
    fn a_non_digit_amount_is_refused() {
        let record = record_of(4).replacen("00000002500000", "0000000250000O", 1);
        assert_eq!(
            error(&with_record(4, &record)).to_string(),
            "line 4: amount \"0000000250000O\" is not 14 digits"
        );
        let record = record_of(4).replacen("00000002500000", "-0000002500000", 1);
        assert!(
            error(&with_record(4, &record))
                .message
                .starts_with("amount")
        );
    }

    #[test]
    fn trailing_blank_lines_are_accepted_and_inner_ones_are_not() {
        for tail in ["\r\n", "\n", "\n\n", "   \r\n  "] {
            assert!(
                parse(format!("{}{tail}", example()).as_bytes()).is_ok(),
                "{tail:?}"
            );
        }
        let inner = example().replacen("\r\n", "\r\n\r\n", 1);
        assert_eq!(
            error(&inner).to_string(),
            "line 2: blank line inside the file"
        );
    }

    #[test]
    fn structure_is_checked() {
        assert_eq!(error("").to_string(), "line 1: the file is empty");
        assert_eq!(error(" \n\r\n").to_string(), "line 1: the file is empty");
        let without_control: String = example().split_inclusive("\r\n").take(5).collect();
        assert_eq!(
            error(&without_control).to_string(),
            "line 6: the file ends without a file control (09)"
        );
        let open_lot: String = example().split_inclusive("\r\n").take(4).collect();
        assert_eq!(
            error(&open_lot).to_string(),
            "line 5: the file ends inside lot 0001 (line 2), without its lot control (08)"
        );
        let after = format!("{}{}\r\n", example(), record_of(6));
        assert_eq!(
            error(&after).to_string(),
            "line 7: a file control (09) after the file control (09)"
        );
        assert_eq!(
            error(&with_record(1, &record_of(2))).to_string(),
            "line 1: the file must start with a file header (01), not a lot header (05)"
        );
        assert_eq!(
            error(&with_record(2, &record_of(3))).to_string(),
            "line 2: a detail (06) outside a lot (expected a lot header (05) or the file control (09))"
        );
        assert_eq!(
            error(&with_record(4, &record_of(6))).to_string(),
            "line 4: a file control (09) inside lot 0001 (line 2), before its lot control (08)"
        );
        assert_eq!(
            error(&with_record(3, &record_of(3).replacen("06", "07", 1))).to_string(),
            "line 3: unknown record type \"07\"; expected 01, 05, 06, 08 or 09"
        );
        let tab = record_of(3).replacen(' ', "\t", 1);
        assert_eq!(
            error(&with_record(3, &tab)).to_string(),
            "line 3: column 98: byte 0x09 is not printable ASCII"
        );
    }

    #[test]
    fn dates_and_times_are_checked() {
        let header = record_of(1).replacen("20261124", "20261131", 1);
        assert_eq!(
            error(&with_record(1, &header)).to_string(),
            "line 1: collection date \"20261131\" is not a date (AAAAMMDD)"
        );
        let header = record_of(1).replacen("0930", "2460", 1);
        assert_eq!(
            error(&with_record(1, &header)).to_string(),
            "line 1: file time \"2460\" is not a time (HHMM)"
        );
    }

    #[test]
    fn an_empty_lot_and_several_lots_are_fine() {
        let mut file = parse(example().as_bytes()).unwrap();
        file.lots.insert(
            0,
            Lot {
                service_code: "7709998000002".into(),
                number: 7,
                details: vec![],
            },
        );
        file.lots.push(file.lots[1].clone());
        let text = write(&file).unwrap();
        let back = parse(text.as_bytes()).unwrap();
        assert_eq!(back.lots.len(), 3);
        assert_eq!(back.total().unwrap().minor(), 15_000_000);
        assert_eq!(back.lots[2].details[0].line, 9);
    }

    #[test]
    fn writer_refuses_what_would_not_read_back() {
        let good = parse(example().as_bytes()).unwrap();
        let mut bad = good.clone();
        bad.lots[0].details[0].reference = "0123".into();
        assert_eq!(write(&bad), Err(WriteError::Reference));
        let mut bad = good.clone();
        bad.lots[0].details[0].origin = "1".into();
        assert_eq!(
            write(&bad),
            Err(WriteError::Width {
                field: "origin",
                width: 2
            })
        );
        let mut bad = good.clone();
        bad.lots[0].details[0].amount = Money::new(100, Currency::Pen).unwrap();
        assert_eq!(write(&bad), Err(WriteError::Currency));
        let mut bad = good.clone();
        bad.lots[0].details[0].amount = Money::new(MAX_AMOUNT + 1, Currency::Cop).unwrap();
        assert_eq!(write(&bad), Err(WriteError::TooLarge("an amount")));
        let mut bad = good.clone();
        bad.lots[0].number = 10_000;
        assert_eq!(write(&bad), Err(WriteError::LotNumber));
        let mut bad = good;
        bad.header.file_time = time::macros::time!(09:30:01);
        assert_eq!(write(&bad), Err(WriteError::Time));
    }

    fn raw(width: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[ -~]{{{width}}}")).unwrap()
    }

    fn detail() -> impl Strategy<Value = Detail> {
        (
            "[1-9A-Za-z]([ -~]{0,46}[!-~])?",
            0..=MAX_AMOUNT,
            (raw(2), raw(2), raw(6), raw(6)),
            (raw(3), raw(4), raw(7), raw(3)),
        )
            .prop_map(|(reference, minor, (o, m, op, au), (b, br, s, c))| Detail {
                line: 0,
                reference,
                amount: Money::new(minor, Currency::Cop).unwrap(),
                origin: o,
                payment_method: m,
                operation_number: op,
                authorization: au,
                bank_code: b,
                branch: br,
                sequence: s,
                return_cause: c,
            })
    }

    fn date_strategy() -> impl Strategy<Value = Date> {
        (0..=9999_i32, 1..=365_u16).prop_map(|(y, d)| Date::from_ordinal_date(y, d).unwrap())
    }

    fn recaudo() -> impl Strategy<Value = Recaudo> {
        let header = (
            (raw(10), date_strategy(), raw(3), raw(17)),
            (date_strategy(), 0..24_u8, 0..60_u8, raw(1), raw(2)),
        )
            .prop_map(
                |((nit, cd, bank, account), (fd, h, m, modifier, at))| FileHeader {
                    nit,
                    collection_date: cd,
                    bank_code: bank,
                    account,
                    file_date: fd,
                    file_time: Time::from_hms(h, m, 0).unwrap(),
                    modifier,
                    account_type: at,
                },
            );
        let lot = (
            raw(13),
            0..=9999_u16,
            proptest::collection::vec(detail(), 0..6),
        )
            .prop_map(|(service_code, number, details)| Lot {
                service_code,
                number,
                details,
            });
        (header, proptest::collection::vec(lot, 0..4))
            .prop_map(|(header, lots)| Recaudo { header, lots })
    }

    /// `file` with each detail's line set to where [`write`] puts it.
    fn numbered(mut file: Recaudo) -> Recaudo {
        let mut line = 1;
        for lot in &mut file.lots {
            line += 1;
            for detail in &mut lot.details {
                line += 1;
                detail.line = line;
            }
            line += 1;
        }
        file
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn write_then_parse_round_trips(file in recaudo()) {
            let text = write(&file).unwrap();
            prop_assert!(text.split("\r\n").all(|r| r.is_empty() || r.len() == RECORD_LEN));
            let back = parse(text.as_bytes()).unwrap();
            prop_assert_eq!(&back, &numbered(file));
            let settlement = back.settlement().unwrap();
            prop_assert_eq!(settlement.lines.len(), back.details().count());
            prop_assert_eq!(write(&back).unwrap(), text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn arbitrary_records_never_panic(records in proptest::collection::vec("(0[15689])?[ -~]{0,170}", 0..8)) {
            let _ = parse(records.join("\n").as_bytes());
        }

        #[test]
        fn mutated_files_never_panic(
            file in recaudo(),
            at in any::<prop::sample::Index>(),
            cut in 0_usize..200,
            insert in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut bytes = write(&file).unwrap().into_bytes();
            let at = at.index(bytes.len() + 1);
            let cut = cut.min(bytes.len() - at);
            bytes.splice(at..at + cut, insert);
            match parse(&bytes) {
                // What still parses is still consistent.
                Ok(parsed) => {
                    let sum: i64 = parsed.details().map(|d| d.amount.minor()).sum();
                    prop_assert_eq!(parsed.total().unwrap().minor(), sum);
                }
                Err(e) => prop_assert!(e.line >= 1 && e.line <= bytes.split(|&b| b == b'\n').count() + 1, "{}", e),
            }
        }

        #[test]
        fn a_changed_digit_of_an_amount_is_caught(file in recaudo(), which in any::<prop::sample::Index>(), digit in 0_usize..14) {
            prop_assume!(file.details().count() > 0);
            let text = write(&file).unwrap();
            let records: Vec<&str> = text.split("\r\n").collect();
            let details: Vec<usize> = (0..records.len()).filter(|&i| records[i].starts_with("06")).collect();
            let row = details[which.index(details.len())];
            let column = 50 + digit;
            let old = records[row].as_bytes()[column];
            let new = if old == b'9' { b'0' } else { old + 1 };
            let mut bytes = text.into_bytes();
            bytes[row * (RECORD_LEN + 2) + column] = new;
            let error = parse(&bytes).unwrap_err();
            prop_assert!(error.message.contains("lot total"), "{}", error);
        }
    }
}
