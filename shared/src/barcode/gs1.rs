//! GS1 element strings for GS1-128: the bracketed form `(415)…(8020)…(3900)…(96)…` of
//! Colombian bill-payment ("recaudo") barcodes, parsed, checked and laid out for Code 128.
//!
//! Only the application identifiers recaudo uses are known; anything else is refused
//! rather than guessed. A field is followed by FNC1 unless its AI has a predefined
//! length in the GS1 table (the `41x` family does: 415 is always 13 digits) or it is the
//! last field. AI 96 holds `YYYYMMDD` here, but 96 is not in GS1's predefined-length
//! table, so it still needs FNC1 when another field follows it.
//!
//! Recaudo symbols routinely exceed GS1's recommended 48 data characters (a 12-digit
//! reference plus amount and date already do); the only bound here is Code 128's
//! [`MAX_UNITS`](super::code128::MAX_UNITS).

use super::BarcodeError;
use super::code128::Unit;

/// A GS1 application identifier this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ai {
    /// (415) Global Location Number of the invoicing party (the biller): 13 digits, the
    /// last a GS1 mod-10 check digit.
    PayToGln,
    /// (8020) Payment slip reference number: up to 25 characters.
    PaymentReference,
    /// (3900) Amount payable, single monetary area, no decimals: up to 15 digits.
    AmountPayable,
    /// (96) Company-internal information; recaudo puts the due date `YYYYMMDD` here.
    DueDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// Digits only.
    Numeric,
    /// GS1 character set 82 without `(` and `)`, which would break the bracketed form.
    Cset82,
}

impl Ai {
    /// Every known AI.
    pub const ALL: [Ai; 4] = [
        Ai::PayToGln,
        Ai::PaymentReference,
        Ai::AmountPayable,
        Ai::DueDate,
    ];

    /// The AI's digits, such as `"8020"`.
    ///
    /// ```
    /// assert_eq!(vale_shared::barcode::gs1::Ai::PaymentReference.code(), "8020");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Ai::PayToGln => "415",
            Ai::PaymentReference => "8020",
            Ai::AmountPayable => "3900",
            Ai::DueDate => "96",
        }
    }

    /// Whether GS1's predefined-length table fixes this AI's length (so no FNC1 follows).
    ///
    /// ```
    /// use vale_shared::barcode::gs1::Ai;
    /// assert!(Ai::PayToGln.has_predefined_length());
    /// assert!(!Ai::DueDate.has_predefined_length());
    /// ```
    pub const fn has_predefined_length(self) -> bool {
        matches!(self, Ai::PayToGln)
    }

    const fn format(self) -> (Charset, usize, usize) {
        match self {
            Ai::PayToGln => (Charset::Numeric, 13, 13),
            Ai::PaymentReference => (Charset::Cset82, 1, 25),
            Ai::AmountPayable => (Charset::Numeric, 1, 15),
            Ai::DueDate => (Charset::Numeric, 8, 8),
        }
    }

    fn from_code(code: &str) -> Option<Ai> {
        Ai::ALL.into_iter().find(|ai| ai.code() == code)
    }

    /// Whether `value` fits this AI's format (and, for (415), its check digit).
    ///
    /// ```
    /// use vale_shared::barcode::gs1::Ai;
    /// assert!(Ai::PaymentReference.accepts("100000000420"));
    /// assert!(!Ai::PaymentReference.accepts("a(b"));
    /// ```
    pub fn accepts(self, value: &str) -> bool {
        let (charset, min, max) = self.format();
        let chars_ok = match charset {
            Charset::Numeric => value.bytes().all(|b| b.is_ascii_digit()),
            Charset::Cset82 => value.bytes().all(is_cset82_unbracketed),
        };
        chars_ok
            && (min..=max).contains(&value.len())
            && (self != Ai::PayToGln || is_valid_check_digit(value))
    }
}

/// GS1 character set 82 (ISO/IEC 646 invariant subset), less `(` and `)`.
fn is_cset82_unbracketed(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'"'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b','
                | b'-'
                | b'.'
                | b'/'
                | b':'
                | b';'
                | b'<'
                | b'='
                | b'>'
                | b'?'
                | b'_'
        )
}

/// One `(AI)value` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The application identifier.
    pub ai: Ai,
    /// The value, already checked against the AI's format.
    pub value: String,
}

/// A parsed, checked GS1 element string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementString {
    fields: Vec<Field>,
}

/// The longest bracketed element string parsed, in bytes.
pub const MAX_ELEMENT_STRING: usize = 256;

/// Parses a bracketed element string such as `(415)7709998000001(8020)123(3900)50000`.
///
/// ```
/// use vale_shared::barcode::gs1::{parse, Ai};
/// let parsed = parse("(415)7709998000001(8020)12345678901(3900)50000(96)20261125")?;
/// assert_eq!(parsed.fields()[1].ai, Ai::PaymentReference);
/// assert_eq!(parsed.fields()[1].value, "12345678901");
/// assert!(parse("(415)7709998000002").is_err()); // wrong GLN check digit
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn parse(text: &str) -> Result<ElementString, BarcodeError> {
    if text.is_empty() {
        return Err(BarcodeError::Empty);
    }
    if text.len() > MAX_ELEMENT_STRING {
        return Err(BarcodeError::TooLong {
            max: MAX_ELEMENT_STRING,
        });
    }
    let mut fields: Vec<Field> = Vec::new();
    let mut rest = text
        .strip_prefix('(')
        .ok_or(BarcodeError::MalformedElementString)?;
    loop {
        let (code, after) = rest
            .split_once(')')
            .ok_or(BarcodeError::MalformedElementString)?;
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BarcodeError::MalformedElementString);
        }
        let ai = Ai::from_code(code).ok_or(BarcodeError::UnknownApplicationIdentifier)?;
        let (value, next) = match after.split_once('(') {
            Some((value, next)) => (value, Some(next)),
            None => (after, None),
        };
        if !ai.accepts(value) {
            return Err(BarcodeError::InvalidField { ai: ai.code() });
        }
        if fields.iter().any(|f| f.ai == ai) {
            return Err(BarcodeError::MalformedElementString);
        }
        fields.push(Field {
            ai,
            value: value.to_owned(),
        });
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    Ok(ElementString { fields })
}

impl ElementString {
    /// The fields in order.
    ///
    /// ```
    /// use vale_shared::barcode::gs1::{parse, Ai};
    /// let element = parse("(415)7709998000018(8020)12345678903(3900)50000(96)20261125")?;
    /// assert_eq!(element.fields().len(), 4);
    /// assert_eq!(element.fields()[0].ai, Ai::PayToGln);
    /// # Ok::<(), vale_shared::barcode::BarcodeError>(())
    /// ```
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The bracketed form, as printed under the bars.
    ///
    /// ```
    /// let text = "(415)7709998000001(8020)12345678901(3900)50000(96)20261125";
    /// assert_eq!(vale_shared::barcode::gs1::parse(text)?.to_bracketed(), text);
    /// # Ok::<(), vale_shared::barcode::BarcodeError>(())
    /// ```
    pub fn to_bracketed(&self) -> String {
        self.fields
            .iter()
            .map(|f| ["(", f.ai.code(), ")", &f.value].concat())
            .collect()
    }

    /// The Code 128 input: FNC1 first, then each AI and value, with FNC1 after every
    /// field whose length is not predefined, except the last.
    ///
    /// ```
    /// use vale_shared::barcode::code128::Unit;
    /// let parsed = vale_shared::barcode::gs1::parse("(8020)12(96)20261125")?;
    /// let units = parsed.to_code128_units();
    /// assert_eq!(units[0], Unit::Fnc1);
    /// assert_eq!(units[7], Unit::Fnc1); // after "8020" "12"
    /// assert_eq!(units.iter().filter(|u| **u == Unit::Fnc1).count(), 2);
    /// # Ok::<(), vale_shared::barcode::BarcodeError>(())
    /// ```
    pub fn to_code128_units(&self) -> Vec<Unit> {
        let mut units = vec![Unit::Fnc1];
        let last = self.fields.len().saturating_sub(1);
        for (i, field) in self.fields.iter().enumerate() {
            units.extend(field.ai.code().bytes().map(Unit::Char));
            units.extend(field.value.bytes().map(Unit::Char));
            if i != last && !field.ai.has_predefined_length() {
                units.push(Unit::Fnc1);
            }
        }
        units
    }
}

/// The GS1 mod-10 check digit for `digits` (the digits before the check digit): weights
/// 3, 1, 3, … from the right. `None` if any byte is not a digit.
///
/// ```
/// assert_eq!(vale_shared::barcode::gs1::check_digit("770999800000"), Some(1));
/// ```
pub fn check_digit(digits: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum += u32::from(b - b'0') * weight;
    }
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// Whether the last digit of `digits` is the GS1 mod-10 check digit of the others.
///
/// ```
/// use vale_shared::barcode::gs1::is_valid_check_digit;
/// assert!(is_valid_check_digit("7709998000001"));
/// assert!(!is_valid_check_digit("7709998000002"));
/// ```
pub fn is_valid_check_digit(digits: &str) -> bool {
    match digits.as_bytes().split_last() {
        Some((&last, body)) if last.is_ascii_digit() && !body.is_empty() => {
            std::str::from_utf8(body).ok().and_then(check_digit) == Some(last - b'0')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::code128;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const RECAUDO: &str = "(415)7709998000001(8020)123456789012(3900)150000(96)20261125";

    #[test]
    fn check_digits_match_published_gtins() {
        // GS1's own examples: GTIN-13 4006381333931, GTIN-12 036000291452, and the
        // GS1 check-digit calculator's "629104150021" -> 3.
        assert!(is_valid_check_digit("4006381333931"));
        assert!(is_valid_check_digit("036000291452"));
        assert_eq!(check_digit("629104150021"), Some(3));
        assert_eq!(check_digit("12a"), None);
        assert!(!is_valid_check_digit("5"));
        assert!(!is_valid_check_digit(""));
    }

    #[test]
    fn fnc1_goes_first_and_after_variable_fields_but_not_last() {
        let units = parse(RECAUDO).unwrap().to_code128_units();
        let text: String = units
            .iter()
            .map(|u| match u {
                Unit::Fnc1 => '|',
                Unit::Char(c) => *c as char,
            })
            .collect();
        assert_eq!(
            text,
            "|41577099980000018020123456789012|3900150000|9620261125"
        );
        // 96 in the middle still needs a separator; 415 never does.
        let units = parse("(96)20261125(415)7709998000001(3900)1")
            .unwrap()
            .to_code128_units();
        let fnc1s: Vec<usize> = units
            .iter()
            .enumerate()
            .filter(|(_, u)| **u == Unit::Fnc1)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(fnc1s, vec![0, 11]);
    }

    #[test]
    fn recaudo_string_encodes_compactly() {
        let symbol = code128::encode(&parse(RECAUDO).unwrap().to_code128_units()).unwrap();
        let cw = symbol.codewords();
        // Start C, FNC1, 41 57 70 99 98 00 00 01 80 20 …: even all-digit runs stay in C.
        assert_eq!(&cw[..12], &[105, 102, 41, 57, 70, 99, 98, 0, 0, 1, 80, 20]);
        assert!(
            !cw[1..cw.len() - 2].contains(&100),
            "no switch to B needed: {cw:?}"
        );
    }

    #[test]
    fn refuses_malformed_strings() {
        let cases: [(&str, BarcodeError); 14] = [
            ("", BarcodeError::Empty),
            ("415)7709998000001", BarcodeError::MalformedElementString),
            ("(415", BarcodeError::MalformedElementString),
            ("()123", BarcodeError::MalformedElementString),
            ("(41a)1", BarcodeError::MalformedElementString),
            (
                "(01)12345678901231",
                BarcodeError::UnknownApplicationIdentifier,
            ),
            (
                "(415)770999800000",
                BarcodeError::InvalidField { ai: "415" },
            ),
            (
                "(415)7709998000002",
                BarcodeError::InvalidField { ai: "415" },
            ),
            ("(8020)", BarcodeError::InvalidField { ai: "8020" }),
            (
                "(8020)12345678901234567890123456",
                BarcodeError::InvalidField { ai: "8020" },
            ),
            ("(8020)ab cd", BarcodeError::InvalidField { ai: "8020" }),
            ("(3900)1.5", BarcodeError::InvalidField { ai: "3900" }),
            ("(96)2026112", BarcodeError::InvalidField { ai: "96" }),
            ("(3900)1(3900)2", BarcodeError::MalformedElementString),
        ];
        for (text, err) in cases {
            assert_eq!(parse(text), Err(err), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
            if let Ok(parsed) = parse(&text) {
                prop_assert_eq!(parsed.to_bracketed(), text);
            }
        }

        #[test]
        fn bracket_like_text_never_panics(text in "[()0-9A-Z.]{0,60}") {
            if let Ok(parsed) = parse(&text) {
                prop_assert_eq!(parsed.to_bracketed(), text);
            }
        }

        #[test]
        fn valid_strings_round_trip_through_code128(
            gln in "[0-9]{12}",
            reference in "[0-9A-Z-]{1,25}",
            amount in "[1-9][0-9]{0,14}",
            date in "[0-9]{8}",
        ) {
            let gln = format!("{gln}{}", check_digit(&gln).unwrap());
            let text = format!("(415){gln}(8020){reference}(3900){amount}(96){date}");
            let parsed = parse(&text).unwrap();
            prop_assert_eq!(parsed.to_bracketed(), text);
            let units = parsed.to_code128_units();
            let symbol = code128::encode(&units).unwrap();
            prop_assert_eq!(code128::tests::decode(&symbol.modules()), Some(units));
        }
    }
}
