//! PagoEfectivo's facts for [`NetworkRules`]: Peru, a CIP of digits, a QR of the CIP
//! (no due date in it, no GLN), and refunds to a bank account (CCI) or a wallet.

use super::{cip_from_random, is_valid_cip, qr_barcode};
use crate::barcode::{Barcode, BarcodeError};
use crate::money::Money;
use crate::networks::{Country, Network, NetworkRules};
use time::OffsetDateTime;

/// PagoEfectivo, as a [`NetworkRules`] implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagoEfectivo;

impl NetworkRules for PagoEfectivo {
    const NETWORK: Network = Network::Pagoefectivo;
    const COUNTRY: Country = Country::Peru;
    const REFUND_DESTINATIONS: &'static [&'static str] = &["bank_account", "wallet"];

    fn code_from_random(random: u64) -> String {
        cip_from_random(random)
    }

    fn is_code(text: &str) -> bool {
        is_valid_cip(text)
    }

    fn barcode(
        code: &str,
        _amount: Money,
        _expires_at: OffsetDateTime,
        _gln: Option<&str>,
    ) -> Result<Barcode, BarcodeError> {
        qr_barcode(code)
    }
}
