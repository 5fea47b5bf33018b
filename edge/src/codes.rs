//! A new voucher's payment code and barcode, from the shared generators.

use crate::error::{ApiError, ApiResult};
use time::OffsetDateTime;
use vale_shared::barcode::Barcode;
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
