//! A new voucher's payment code and barcode, from the shared generators, and the barcode
//! again when its deadline moves.

use crate::http::error::{ApiError, ApiResult};
use time::OffsetDateTime;
use vale_shared::barcode::{Barcode, Symbology, gs1};
use vale_shared::{Money, Network, efecty, pagoefectivo};

/// A fresh payment code for `network` from 8 random bytes: a CIP for PagoEfectivo, a
/// Luhn-checked reference for Efecty.
pub fn payment_code(network: Network, random: [u8; 8]) -> String {
    let random = u64::from_le_bytes(random);
    match network {
        Network::Pagoefectivo => pagoefectivo::cip_from_random(random),
        Network::Efecty => efecty::reference_from_random(random),
    }
}

/// The barcode a cashier scans: Efecty's GS1-128 "recaudo" symbol when the merchant has a
/// GLN (due date = the deadline's date in Bogotá), else plain Code 128 of the code; a QR
/// of the CIP for PagoEfectivo.
pub fn barcode(
    network: Network,
    code: &str,
    amount: Money,
    expires_at: OffsetDateTime,
    gln: Option<&str>,
) -> ApiResult<Barcode> {
    let barcode = match (network, gln) {
        (Network::Efecty, Some(gln)) => {
            let due = expires_at.to_offset(network.utc_offset()).date();
            efecty::gs1_barcode(gln, code, amount, due)
        }
        (Network::Efecty, None) => efecty::code128_barcode(code),
        (Network::Pagoefectivo, _) => pagoefectivo::qr_barcode(code),
    };
    barcode.map_err(|e| ApiError::internal(format!("barcode: {e}")))
}

/// The barcode of a voucher whose deadline moved to `expires_at`: a GS1-128 symbol is
/// drawn again under the GLN it was issued with, so its (96) due date follows the
/// deadline; Code 128 of a reference and the CIP's QR carry no date and stay as they are.
pub fn with_deadline(
    issued: &Barcode,
    network: Network,
    code: &str,
    amount: Money,
    expires_at: OffsetDateTime,
) -> ApiResult<Barcode> {
    if issued.symbology != Symbology::Gs1_128 {
        return Ok(issued.clone());
    }
    let gln = gs1::parse(&issued.data)
        .ok()
        .and_then(|element| {
            element
                .fields()
                .iter()
                .find(|f| f.ai == gs1::Ai::PayToGln)
                .map(|f| f.value.clone())
        })
        .ok_or_else(|| ApiError::internal("barcode: a stored GS1-128 symbol without its GLN"))?;
    barcode(network, code, amount, expires_at, Some(&gln))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use vale_shared::Currency;

    const GLN: &str = "7709998000018";

    /// Regression guard: a moved Efecty deadline must move the barcode's (96) date with
    /// it, or a cashier reads the old last day.
    #[test]
    fn a_moved_deadline_redraws_the_gs1_due_date_under_the_same_gln() {
        let amount = Money::new(5_000_000, Currency::Cop).unwrap();
        let code = "100000000420";
        let first = datetime!(2026-11-25 23:59:59 -5);
        let issued = barcode(Network::Efecty, code, amount, first, Some(GLN)).unwrap();
        assert!(issued.data.ends_with("(96)20261125"), "{}", issued.data);
        let later = datetime!(2026-12-02 23:59:59 -5);
        let moved = with_deadline(&issued, Network::Efecty, code, amount, later).unwrap();
        assert_eq!(
            moved.data,
            format!("(415){GLN}(8020){code}(3900)50000(96)20261202")
        );
        assert_eq!(moved.text, moved.data);
    }

    #[test]
    fn barcodes_without_a_date_stay_as_they_are() {
        let cop = Money::new(5_000_000, Currency::Cop).unwrap();
        let later = datetime!(2026-12-02 23:59:59 -5);
        let plain = barcode(Network::Efecty, "100000000420", cop, later, None).unwrap();
        assert_eq!(
            with_deadline(&plain, Network::Efecty, "100000000420", cop, later).unwrap(),
            plain
        );
        let pen = Money::new(2_500, Currency::Pen).unwrap();
        let qr = barcode(Network::Pagoefectivo, "1234567890", pen, later, None).unwrap();
        assert_eq!(
            with_deadline(&qr, Network::Pagoefectivo, "1234567890", pen, later).unwrap(),
            qr
        );
    }
}
