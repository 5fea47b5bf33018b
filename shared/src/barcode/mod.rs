//! Barcodes a cashier scans: what the API carries (`Barcode`) and the modules to draw.
//!
//! [`symbol`] turns a [`Barcode`] into a [`Symbol`]: a row of bar modules (Code 128,
//! GS1-128) or a square of QR modules, each a whole unit the widget scales by an integer
//! number of pixels and surrounds with the quiet zone given. Fractional bar widths and
//! missing quiet zones are what make printed vouchers fail at the counter.

pub mod code128;
pub mod draw;
pub mod gs1;
pub mod qr;

use serde::{Deserialize, Serialize};

/// The symbology of a voucher's barcode, as named in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Symbology {
    /// GS1-128: Code 128 with FNC1 and GS1 application identifiers (Colombian "recaudo").
    #[serde(rename = "gs1-128")]
    Gs1_128,
    /// Plain Code 128 of the data.
    #[serde(rename = "code128")]
    Code128,
    /// A QR code of the data.
    #[serde(rename = "qr")]
    Qr,
}

/// A voucher's barcode as the API carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barcode {
    /// Which symbology `data` is drawn in.
    pub symbology: Symbology,
    /// What the symbol encodes. For GS1-128, the bracketed element string
    /// `(415)…(8020)…(3900)…(96)…`.
    pub data: String,
    /// The human-readable line printed under the bars.
    pub text: String,
}

/// Why a barcode could not be built or drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// There is nothing to encode.
    #[error("the barcode data is empty")]
    Empty,
    /// The data is longer than the symbology (or this encoder) allows.
    #[error("the barcode data is too long (at most {max})")]
    TooLong {
        /// The most the symbology takes, in its own units (characters or bytes).
        max: usize,
    },
    /// A character Code 128 cannot carry (only ASCII 0–127 is supported).
    #[error("the barcode data holds a character Code 128 cannot carry")]
    UnencodableCharacter,
    /// A GS1 element string is not a sequence of `(AI)value` pairs.
    #[error("the GS1 element string is malformed")]
    MalformedElementString,
    /// A GS1 application identifier this crate does not know.
    #[error("unknown GS1 application identifier")]
    UnknownApplicationIdentifier,
    /// A GS1 field's value has the wrong length or characters.
    #[error("invalid value for GS1 application identifier ({ai})")]
    InvalidField {
        /// The application identifier, such as `"8020"`.
        ai: &'static str,
    },
    /// A GLN whose GS1 mod-10 check digit is wrong.
    #[error("the GLN's check digit is wrong")]
    InvalidGln,
    /// An amount that is not whole pesos (COP) or not in the expected currency.
    #[error("the amount is not whole pesos")]
    InvalidAmount,
    /// A due date that cannot be written as `YYYYMMDD`.
    #[error("the due date cannot be written as YYYYMMDD")]
    InvalidDate,
    /// The data does not fit in any QR code at error-correction level M.
    #[error("the data does not fit in a QR code")]
    QrCapacity,
}

/// The modules to draw for a barcode, without its quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbol {
    /// A linear symbol (Code 128, GS1-128), drawn as full-height bars.
    Linear {
        /// One entry per module, left to right; `true` is dark.
        modules: Vec<bool>,
        /// Light modules to leave on each side (at least 10).
        quiet_zone: u32,
    },
    /// A matrix symbol (QR).
    Matrix {
        /// Modules per side.
        size: u32,
        /// `size * size` entries, row-major from the top left; `true` is dark.
        modules: Vec<bool>,
        /// Light modules to leave on every side (at least 4).
        quiet_zone: u32,
    },
}

/// The quiet zone of a Code 128 symbol, in modules: ten is the standard's minimum.
pub const LINEAR_QUIET_ZONE: u32 = 10;

/// The quiet zone of a QR code, in modules: four is the standard's minimum.
pub const MATRIX_QUIET_ZONE: u32 = 4;

/// The modules to draw for `barcode`.
///
/// GS1-128 data is the bracketed element string (`(415)…(8020)…`); Code 128 data is
/// ASCII; QR data is any text.
///
/// ```
/// use vale_shared::barcode::{symbol, Barcode, Symbol, Symbology};
/// let barcode = Barcode {
///     symbology: Symbology::Code128,
///     data: "123456789012".into(),
///     text: "123456789012".into(),
/// };
/// let Symbol::Linear { modules, quiet_zone } = symbol(&barcode)? else { unreachable!() };
/// // Start C, six digit pairs, check symbol: 8 × 11 modules, then the 13-module stop.
/// assert_eq!(modules.len(), 8 * 11 + 13);
/// assert!(quiet_zone >= 10);
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn symbol(barcode: &Barcode) -> Result<Symbol, BarcodeError> {
    match barcode.symbology {
        Symbology::Gs1_128 => {
            let units = gs1::parse(&barcode.data)?.to_code128_units();
            linear(&units)
        }
        Symbology::Code128 => linear(&code128::units_from_str(&barcode.data)?),
        Symbology::Qr => {
            let (size, modules) = qr::encode(&barcode.data)?;
            Ok(Symbol::Matrix {
                size,
                modules,
                quiet_zone: MATRIX_QUIET_ZONE,
            })
        }
    }
}

fn linear(units: &[code128::Unit]) -> Result<Symbol, BarcodeError> {
    let codewords = code128::encode(units)?;
    Ok(Symbol::Linear {
        modules: codewords.modules(),
        quiet_zone: LINEAR_QUIET_ZONE,
    })
}
