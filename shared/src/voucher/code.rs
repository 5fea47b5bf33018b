//! How a payment code reads aloud at a counter or types into a bank app.

/// A payment code split into short groups for reading aloud at a counter or typing into a
/// bank app, ignoring any spaces or dashes it came with: groups of four, or of three when
/// that divides the code evenly and four does not; a remainder is spread over the last
/// groups, so no group is a lone character.
///
/// ```
/// use vale_shared::voucher::code_groups;
/// assert_eq!(code_groups("12345678"), ["1234", "5678"]);
/// assert_eq!(code_groups("123456789"), ["123", "456", "789"]);
/// assert_eq!(code_groups("1234567890"), ["1234", "567", "890"]);
/// assert_eq!(code_groups("1234 5678 9012 3"), ["1234", "5678", "901", "23"]);
/// ```
pub fn code_groups(code: &str) -> Vec<String> {
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
    } else {
        // Fours, then the tail as 3 + 2 (len % 4 == 1), 3 + 3 (== 2) or 3 (== 3).
        let tail: &[usize] = match len % 4 {
            1 => &[3, 2],
            2 => &[3, 3],
            _ => &[3],
        };
        let mut sizes = vec![4; (len - tail.iter().sum::<usize>()) / 4];
        sizes.extend_from_slice(tail);
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

/// The code's [`code_groups`] separated by spaces: `1234567890` → `1234 567 890`.
///
/// ```
/// use vale_shared::voucher::group_for_reading;
/// assert_eq!(group_for_reading("1234567890"), "1234 567 890");
/// assert_eq!(group_for_reading("AB-12cd-34"), "AB12 cd34");
/// ```
pub fn group_for_reading(code: &str) -> String {
    code_groups(code).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    proptest! {
        #[test]
        fn grouping_keeps_every_character(code in "[0-9A-Z]{0,40}") {
            let groups = code_groups(&code);
            prop_assert_eq!(groups.concat(), code.clone());
            prop_assert!(groups.iter().all(|g| g.len() <= 4));
            if code.len() > 1 {
                prop_assert!(groups.iter().all(|g| g.len() >= 2), "{:?}", groups);
            }
        }
    }
}
