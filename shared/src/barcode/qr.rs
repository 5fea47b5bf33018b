//! QR codes through the `qrcode` crate (default features off: no image rendering), at
//! error-correction level M, which survives a creased or smudged printout while staying
//! small enough to scan from a cheap phone's screen.

use super::BarcodeError;
use qrcode::{Color, EcLevel, QrCode};

/// Encodes `data` as a QR code at level M: `(modules per side, row-major modules)`.
///
/// ```
/// let (size, modules) = vale_shared::barcode::qr::encode("1234567890")?;
/// assert_eq!(size, 21); // version 1
/// assert_eq!(modules.len(), 21 * 21);
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn encode(data: &str) -> Result<(u32, Vec<bool>), BarcodeError> {
    if data.is_empty() {
        return Err(BarcodeError::Empty);
    }
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|_| BarcodeError::QrCapacity)?;
    let size = u32::try_from(code.width()).map_err(|_| BarcodeError::QrCapacity)?;
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((size, modules))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn finder_patterns_are_in_the_corners() {
        let (size, m) = encode("https://vale.example/v/vch_123?cs=abc").unwrap();
        let at = |x: u32, y: u32| m[(y * size + x) as usize];
        for (ox, oy) in [(0, 0), (size - 7, 0), (0, size - 7)] {
            // Outer ring dark, next ring light, 3x3 centre dark.
            assert!((0..7).all(|i| at(ox + i, oy) && at(ox, oy + i) && at(ox + 6, oy + i)));
            assert!((1..6).all(|i| !at(ox + i, oy + 1)));
            assert!((2..5).all(|i| (2..5).all(|j| at(ox + i, oy + j))));
        }
    }

    #[test]
    fn capacity_is_bounded() {
        assert_eq!(encode(""), Err(BarcodeError::Empty));
        // Version 40-M holds 2331 bytes.
        assert!(encode(&"a".repeat(2331)).is_ok());
        assert_eq!(encode(&"a".repeat(2332)), Err(BarcodeError::QrCapacity));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn any_short_text_encodes(text in "\\PC{1,100}") {
            let (size, modules) = encode(&text).unwrap();
            prop_assert_eq!(modules.len(), (size * size) as usize);
            prop_assert_eq!((size - 17) % 4, 0);
        }
    }
}
