//! The payment code as a shopper reads it out at a counter or types it into a bank app:
//! short groups instead of one long run of digits.

/// Splits `code` into groups for reading aloud, ignoring any spaces or dashes it came with.
///
/// Groups of four, or of three when that divides the code evenly and four does not; a
/// remainder is spread over the last groups (`123456789` reads `123 456 789`,
/// `1234567890` reads `1234 567 890`, `1234567890123` reads `1234 5678 901 23`).
///
/// ```
/// use vale_widget::code::groups;
/// assert_eq!(groups("12345678"), ["1234", "5678"]);
/// assert_eq!(groups("123456789"), ["123", "456", "789"]);
/// assert_eq!(groups("1234 5678 9012 3"), ["1234", "5678", "901", "23"]);
/// assert_eq!(groups("1234567890"), ["1234", "567", "890"]);
/// ```
pub fn groups(code: &str) -> Vec<String> {
    let chars: Vec<char> = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let len = chars.len();
    let sizes: Vec<usize> = if len <= 4 {
        vec![len]
    } else if len.is_multiple_of(4) {
        vec![4; len / 4]
    } else if len.is_multiple_of(3) {
        vec![3; len / 3]
    } else if len % 4 == 1 {
        // 4…4 then 3 + 2 instead of a lone last character.
        let mut sizes = vec![4; (len - 5) / 4];
        sizes.extend([3, 2]);
        sizes
    } else if len % 4 == 2 {
        // 4…4 then 3 + 3 instead of a short pair: a 10-digit CIP reads `1234 567 890`.
        let mut sizes = vec![4; (len - 6) / 4];
        sizes.extend([3, 3]);
        sizes
    } else {
        let mut sizes = vec![4; len / 4];
        sizes.push(len % 4);
        sizes
    };
    let mut rest = chars.as_slice();
    let mut out = Vec::with_capacity(sizes.len());
    for size in sizes {
        let (head, tail) = rest.split_at(size.min(rest.len()));
        if !head.is_empty() {
            out.push(head.iter().collect());
        }
        rest = tail;
    }
    out
}

/// The code with its groups separated by spaces, for screen readers and the clipboard
/// fallback message.
pub fn spoken(code: &str) -> String {
    groups(code).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_never_lose_or_add_characters() {
        for len in 0..40 {
            let code: String = (0..len)
                .map(|i| char::from(b'0' + (i % 10) as u8))
                .collect();
            let g = groups(&code);
            assert_eq!(g.concat(), code, "len {len}");
            if len > 1 {
                assert!(g.iter().all(|g| g.chars().count() >= 2), "len {len}: {g:?}");
            }
            assert!(g.iter().all(|g| g.chars().count() <= 4), "len {len}: {g:?}");
        }
    }

    #[test]
    fn a_pagoefectivo_cip_reads_in_two_fours() {
        assert_eq!(spoken("12345678"), "1234 5678");
    }

    #[test]
    fn alphanumeric_references_group_too() {
        assert_eq!(groups("AB-12cd-34"), ["AB12", "cd34"]);
    }
}
