//! The points file's CSV (RFC 4180): comma-separated, `"` quotes a field and `""` is a
//! quote inside one, lines end in LF or CRLF. Each record keeps the line it starts on, so
//! a bad row can be named. Written by hand: twenty lines, and the import must report every
//! bad line rather than stop at the first.

/// One record: the line it starts on (1 is the header) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line number where it starts.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Why the text is not CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A quoted field is never closed.
    #[error("line {0}: a quoted field is never closed")]
    Unclosed(usize),
    /// Text right after a closing quote.
    #[error("line {0}: text after a closing quote")]
    AfterQuote(usize),
}

/// Splits `text` into records; blank lines are skipped.
///
/// ```
/// use vale_shared::places::csv::parse;
/// let r = parse("a,b\n\"x, \"\"y\"\"\",2\n")?;
/// assert_eq!(r[1].fields, ["x, \"y\"", "2"]);
/// assert_eq!(r[1].line, 2);
/// # Ok::<(), vale_shared::places::csv::CsvError>(())
/// ```
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut after_quote = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    after_quote = true;
                }
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !after_quote => quoted = true,
            ',' => {
                fields.push(std::mem::take(&mut field));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields.first().is_some_and(String::is_empty)) {
                    records.push(Record {
                        line: start,
                        fields: std::mem::take(&mut fields),
                    });
                }
                fields.clear();
                after_quote = false;
                line += 1;
                start = line;
            }
            _ if after_quote => return Err(CsvError::AfterQuote(line)),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError::Unclosed(start));
    }
    if !field.is_empty() || !fields.is_empty() || after_quote {
        fields.push(field);
        records.push(Record {
            line: start,
            fields,
        });
    }
    Ok(records)
}

/// `value` as one CSV field (quoted when it has to be).
pub fn quote(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lines_crlf_blank_lines_and_errors() {
        let r = parse("a,b\r\n\r\n1,2\r\n3,\"4\n5\"\n6,7").unwrap();
        let lines: Vec<_> = r.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 4, 6]);
        assert_eq!(r[2].fields, ["3", "4\n5"]);
        assert_eq!(parse("a\n\"b"), Err(CsvError::Unclosed(2)));
        assert_eq!(parse("a\n\"b\"c"), Err(CsvError::AfterQuote(2)));
    }

    proptest! {
        #[test]
        fn quoting_round_trips(rows in proptest::collection::vec(proptest::collection::vec("[a-z ,\"\r\nñ+]{0,8}", 1..5), 1..5)) {
            let text: String = rows
                .iter()
                .map(|r| r.iter().map(|f| quote(f)).collect::<Vec<_>>().join(",") + "\n")
                .collect();
            let parsed = parse(&text).unwrap();
            let wanted: Vec<_> = rows
                .iter()
                .filter(|r| !(r.len() == 1 && r[0].is_empty()))
                .cloned()
                .collect();
            let got: Vec<_> = parsed.into_iter().map(|r| r.fields).collect();
            prop_assert_eq!(got, wanted);
        }
    }
}
