//! Decimal digits of whole numbers without `core::fmt`. The widget prints a few numbers
//! (amounts, barcode sizes, calendar dates); `to_string` and `write!` would bring the
//! formatting machinery (`Formatter::pad_integral`, the integer `Display`s) into its wasm,
//! which goes over 3G to cheap phones.

/// Appends the decimal digits of `n` to `out`, zero-padded to at least `width` digits.
///
/// ```
/// let mut s = String::from("M");
/// vale_shared::digits::push_decimal(&mut s, 7, 3);
/// vale_shared::digits::push_decimal(&mut s, 1_234, 0);
/// assert_eq!(s, "M0071234");
/// ```
pub fn push_decimal(out: &mut String, n: u64, width: usize) {
    // The largest power of ten not above `n` (1 for 0), and how many digits that makes.
    let (mut place, mut digits) = (1_u64, 1_usize);
    while n / place >= 10 {
        place *= 10;
        digits += 1;
    }
    for _ in digits..width {
        out.push('0');
    }
    loop {
        out.push(char::from(b'0' + (n / place % 10) as u8));
        if place == 1 {
            break;
        }
        place /= 10;
    }
}

/// The decimal digits of `n`: `decimal(50) == "50"`.
///
/// ```
/// assert_eq!(vale_shared::digits::decimal(0), "0");
/// assert_eq!(vale_shared::digits::decimal(u64::MAX), u64::MAX.to_string());
/// ```
pub fn decimal(n: u64) -> String {
    let mut out = String::with_capacity(20);
    push_decimal(&mut out, n, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_the_standard_formatting(n: u64, width in 0_usize..25) {
            let mut out = String::new();
            push_decimal(&mut out, n, width);
            prop_assert_eq!(out, format!("{n:0width$}"));
        }
    }

    #[test]
    fn the_edges() {
        for n in [0, 1, 9, 10, 99, 100, 999, 1000, u64::MAX / 10, u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }
}
