//! What differs per network, as one trait that each network's folder implements (the
//! hyperswitch connector shape: `impl ConnectorIntegration for X` in `connectors/x.rs`),
//! and the [`Network`] methods that dispatch to it. A third network is a new folder with
//! one `impl NetworkRules`, and one arm in each method here (the compiler lists them).

use super::{Country, Network, PaymentCode, efecty::Efecty, pagoefectivo::PagoEfectivo};
use crate::barcode::{Barcode, BarcodeError, Symbology, gs1};
use crate::money::Money;
use time::OffsetDateTime;

/// The facts and rules of one network that code branches on.
pub trait NetworkRules {
    /// The network these rules are for.
    const NETWORK: Network;
    /// The country its vouchers are paid in: its documents, phones and banks for refunds.
    const COUNTRY: Country;
    /// The refund destination types a shopper of this network may choose, as the API
    /// names them (`destination.type`).
    const REFUND_DESTINATIONS: &'static [&'static str];

    /// A fresh payment code from 64 random bits (a CIP, an Efecty reference).
    fn code_from_random(random: u64) -> String;

    /// Whether `text` is a payment code of this network's form.
    fn is_code(text: &str) -> bool;

    /// The barcode a cashier scans for `code`, due at `expires_at` (local to the
    /// network), under the merchant's GLN where the network's symbol carries one.
    fn barcode(
        code: &str,
        amount: Money,
        expires_at: OffsetDateTime,
        gln: Option<&str>,
    ) -> Result<Barcode, BarcodeError>;
}

impl Network {
    /// The country its vouchers are paid in.
    ///
    /// ```
    /// use vale_shared::{Network, networks::Country};
    /// assert_eq!(Network::Efecty.country(), Country::Colombia);
    /// assert_eq!(Network::Pagoefectivo.country(), Country::Peru);
    /// ```
    pub const fn country(self) -> Country {
        match self {
            Network::Efecty => Efecty::COUNTRY,
            Network::Pagoefectivo => PagoEfectivo::COUNTRY,
        }
    }

    /// The refund destination types its shoppers may choose (cash pickup is at Efecty
    /// points, so only Efecty offers it).
    ///
    /// ```
    /// use vale_shared::Network;
    /// assert!(Network::Efecty.refund_destinations().contains(&"cash_pickup"));
    /// assert!(!Network::Pagoefectivo.refund_destinations().contains(&"cash_pickup"));
    /// ```
    pub const fn refund_destinations(self) -> &'static [&'static str] {
        match self {
            Network::Efecty => Efecty::REFUND_DESTINATIONS,
            Network::Pagoefectivo => PagoEfectivo::REFUND_DESTINATIONS,
        }
    }

    /// A fresh payment code from 8 random bytes: a CIP for PagoEfectivo, a Luhn-checked
    /// reference for Efecty.
    ///
    /// ```
    /// use vale_shared::Network;
    /// assert_eq!(Network::Efecty.payment_code(42u64.to_le_bytes()).as_str(), "100000000420");
    /// assert_eq!(Network::Pagoefectivo.payment_code([0; 8]).as_str(), "1000000000");
    /// ```
    pub fn payment_code(self, random: [u8; 8]) -> PaymentCode {
        let random = u64::from_le_bytes(random);
        PaymentCode::issued(match self {
            Network::Efecty => Efecty::code_from_random(random),
            Network::Pagoefectivo => PagoEfectivo::code_from_random(random),
        })
    }

    /// Whether `text` is a payment code of this network's form.
    ///
    /// ```
    /// use vale_shared::Network;
    /// assert!(Network::Efecty.is_payment_code("100000000420"));
    /// assert!(!Network::Efecty.is_payment_code("100000000421"));
    /// assert!(Network::Pagoefectivo.is_payment_code("2592254"));
    /// ```
    pub fn is_payment_code(self, text: &str) -> bool {
        match self {
            Network::Efecty => Efecty::is_code(text),
            Network::Pagoefectivo => PagoEfectivo::is_code(text),
        }
    }

    /// The barcode a cashier scans: Efecty's GS1-128 "recaudo" symbol when the merchant
    /// has a GLN (its due date the deadline's date in Bogotá), else plain Code 128 of the
    /// code; a QR of the CIP for PagoEfectivo.
    pub fn barcode(
        self,
        code: &str,
        amount: Money,
        expires_at: OffsetDateTime,
        gln: Option<&str>,
    ) -> Result<Barcode, BarcodeError> {
        match self {
            Network::Efecty => Efecty::barcode(code, amount, expires_at, gln),
            Network::Pagoefectivo => PagoEfectivo::barcode(code, amount, expires_at, gln),
        }
    }

    /// The barcode of a voucher whose deadline moved to `expires_at`: a GS1-128 symbol
    /// is drawn again under the GLN it was issued with, so its (96) due date follows the
    /// deadline; Code 128 of a reference and the CIP's QR carry no date and stay as they
    /// are. `None` for a stored GS1-128 symbol without its GLN.
    pub fn barcode_with_deadline(
        self,
        issued: &Barcode,
        code: &str,
        amount: Money,
        expires_at: OffsetDateTime,
    ) -> Option<Result<Barcode, BarcodeError>> {
        if issued.symbology != Symbology::Gs1_128 {
            return Some(Ok(issued.clone()));
        }
        let gln = gs1::parse(&issued.data).ok().and_then(|element| {
            element
                .fields()
                .iter()
                .find(|f| f.ai == gs1::Ai::PayToGln)
                .map(|f| f.value.clone())
        })?;
        Some(self.barcode(code, amount, expires_at, Some(&gln)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const GLN: &str = "7709998000018";

    #[test]
    fn each_network_names_itself_and_its_country() {
        assert_eq!(Efecty::NETWORK, Network::Efecty);
        assert_eq!(PagoEfectivo::NETWORK, Network::Pagoefectivo);
        for network in Network::ALL {
            assert_eq!(network.country().network(), network);
        }
    }

    #[test]
    fn cash_pickup_is_offered_on_efecty_only() {
        assert_eq!(
            Network::Efecty.refund_destinations(),
            ["cash_pickup", "bank_account", "wallet"]
        );
        assert_eq!(
            Network::Pagoefectivo.refund_destinations(),
            ["bank_account", "wallet"]
        );
    }

    /// Regression guard (moved from the edge's `networks/codes.rs`): a moved Efecty
    /// deadline must move the barcode's (96) date with it, or a cashier reads the old
    /// last day.
    #[test]
    fn a_moved_deadline_redraws_the_gs1_due_date_under_the_same_gln() {
        let amount = Money::new(5_000_000, Currency::Cop).unwrap();
        let code = "100000000420";
        let first = datetime!(2026-11-25 23:59:59 -5);
        let issued = Network::Efecty
            .barcode(code, amount, first, Some(GLN))
            .unwrap();
        assert!(issued.data.ends_with("(96)20261125"), "{}", issued.data);
        let later = datetime!(2026-12-02 23:59:59 -5);
        let moved = Network::Efecty
            .barcode_with_deadline(&issued, code, amount, later)
            .unwrap()
            .unwrap();
        assert_eq!(
            moved.data,
            format!("(415){GLN}(8020){code}(3900)50000(96)20261202")
        );
        assert_eq!(moved.text, moved.data);
    }

    /// The due date is the deadline's date in Bogotá, not in UTC.
    #[test]
    fn the_gs1_due_date_is_the_local_date() {
        let amount = Money::new(5_000_000, Currency::Cop).unwrap();
        let late_evening = datetime!(2026-11-26 03:00:00 UTC);
        let issued = Network::Efecty
            .barcode("100000000420", amount, late_evening, Some(GLN))
            .unwrap();
        assert!(issued.data.ends_with("(96)20261125"), "{}", issued.data);
    }

    #[test]
    fn barcodes_without_a_date_stay_as_they_are() {
        let cop = Money::new(5_000_000, Currency::Cop).unwrap();
        let later = datetime!(2026-12-02 23:59:59 -5);
        let plain = Network::Efecty
            .barcode("100000000420", cop, later, None)
            .unwrap();
        assert_eq!(plain.symbology, Symbology::Code128);
        assert_eq!(
            Network::Efecty
                .barcode_with_deadline(&plain, "100000000420", cop, later)
                .unwrap()
                .unwrap(),
            plain
        );
        let pen = Money::new(2_500, Currency::Pen).unwrap();
        let qr = Network::Pagoefectivo
            .barcode("1234567890", pen, later, Some(GLN))
            .unwrap();
        assert_eq!(qr.symbology, Symbology::Qr);
        assert_eq!(
            Network::Pagoefectivo
                .barcode_with_deadline(&qr, "1234567890", pen, later)
                .unwrap()
                .unwrap(),
            qr
        );
    }

    proptest! {
        /// Every code a network issues is of its own form, and its barcode draws.
        #[test]
        fn issued_codes_are_valid_and_draw(random in any::<[u8; 8]>()) {
            let at = datetime!(2026-12-02 23:59:59 -5);
            for (network, amount) in [
                (Network::Efecty, Money::new(5_000_000, Currency::Cop).unwrap()),
                (Network::Pagoefectivo, Money::new(2_500, Currency::Pen).unwrap()),
            ] {
                let code = network.payment_code(random);
                prop_assert!(network.is_payment_code(code.as_str()));
                prop_assert_eq!(PaymentCode::parse(network, code.as_str()), Ok(code.clone()));
                prop_assert!(network.barcode(code.as_str(), amount, at, Some(GLN)).is_ok());
                prop_assert!(network.barcode(code.as_str(), amount, at, None).is_ok());
            }
        }
    }
}
