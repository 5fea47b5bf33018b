//! Payment codes and barcodes for a new voucher, from the shared crate's generators.
//!
//! TEMPORARY: until `vale_shared::{pagoefectivo, efecty}` land, the generators here are
//! stand-ins with the same shape (numeric CIP; Efecty reference with a mod-10 check
//! digit; GS1-128 when the merchant has a GLN).

use crate::error::ApiResult;
use time::OffsetDateTime;
use vale_shared::barcode::{Barcode, Symbology};
use vale_shared::{Money, Network};

fn digits(random: [u8; 8], count: usize) -> String {
    let mut n = u64::from_le_bytes(random);
    let mut out = String::with_capacity(count);
    for _ in 0..count {
        out.push(char::from(b'0' + (n % 10) as u8));
        n /= 10;
    }
    out
}

/// A fresh payment code for `network` from 8 random bytes.
pub fn payment_code(network: Network, random: [u8; 8]) -> String {
    match network {
        Network::Pagoefectivo => format!("1{}", digits(random, 7)),
        Network::Efecty => {
            let body = format!("7{}", digits(random, 9));
            let check = vale_shared::barcode::gs1::check_digit(&body).unwrap_or(0);
            format!("{body}{check}")
        }
    }
}

/// The barcode a cashier scans.
pub fn barcode(
    network: Network,
    code: &str,
    amount: Money,
    expires_at: OffsetDateTime,
    gln: Option<&str>,
) -> ApiResult<Barcode> {
    Ok(match (network, gln) {
        (Network::Efecty, Some(gln)) => {
            let local = expires_at.to_offset(network.utc_offset());
            let data = format!(
                "(415){gln}(8020){code}(3900){}(96){:04}{:02}{:02}",
                amount.major_floor(),
                local.year(),
                u8::from(local.month()),
                local.day()
            );
            Barcode { symbology: Symbology::Gs1_128, text: data.clone(), data }
        }
        _ => Barcode { symbology: Symbology::Code128, data: code.to_owned(), text: code.to_owned() },
    })
}
