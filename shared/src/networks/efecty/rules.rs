//! Efecty's facts for [`NetworkRules`]: Colombia, a 12-digit Luhn reference, a GS1-128
//! "recaudo" symbol under the merchant's GLN (else Code 128), and cash pickup among the
//! refund destinations (the money waits at an Efecty point).

use super::{code128_barcode, gs1_barcode, is_valid_reference, reference_from_random};
use crate::barcode::{Barcode, BarcodeError};
use crate::money::Money;
use crate::networks::{Country, Network, NetworkRules};
use time::OffsetDateTime;

/// Efecty, as a [`NetworkRules`] implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Efecty;

impl NetworkRules for Efecty {
    const NETWORK: Network = Network::Efecty;
    const COUNTRY: Country = Country::Colombia;
    const REFUND_DESTINATIONS: &'static [&'static str] = &["cash_pickup", "bank_account", "wallet"];

    fn code_from_random(random: u64) -> String {
        reference_from_random(random)
    }

    fn is_code(text: &str) -> bool {
        is_valid_reference(text)
    }

    fn barcode(
        code: &str,
        amount: Money,
        expires_at: OffsetDateTime,
        gln: Option<&str>,
    ) -> Result<Barcode, BarcodeError> {
        match gln {
            Some(gln) => {
                let due = expires_at.to_offset(Self::NETWORK.utc_offset()).date();
                gs1_barcode(gln, code, amount, due)
            }
            None => code128_barcode(code),
        }
    }
}
