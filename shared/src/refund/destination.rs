//! Where a refund's money goes, as the shopper types it: cash at an Efecty point
//! (Colombia), a bank account (a CCI in Peru), or a wallet (Nequi, Daviplata in Colombia;
//! Yape, Plin in Peru), each field checked so a bad value is refused naming the field.
//!
//! Checks, and what they rest on:
//! - Colombian documents: CC 6–10 digits, CE 6–10 digits, TI 10–11 digits, PEP 15 digits,
//!   PAS 5–12 letters or digits; NIT 9 digits plus the DIAN check digit (weights 3, 7, 13,
//!   17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71 from the right; the sum mod 11 is the
//!   digit when 0 or 1, else 11 minus it). Written by hand: no crate covers them.
//! - Peruvian documents: DNI 8 digits, RUC 11 digits with SUNAT's check digit (weights
//!   5, 4, 3, 2, 7, 6, 5, 4, 3, 2; 11 minus the sum mod 11, 10 → 0, 11 → 1), CE 9 digits,
//!   PAS 6–12 letters or digits.
//! - CCI (Peru): 20 digits whose first three are the code of a bank on Peru's list
//!   ([`super::bank`]). Its two check digits are not verified: no published algorithm was
//!   found to cite.
//! - Banks: a closed list per country ([`super::bank`]), given by code or name; Peru's is
//!   the CCI's own (a `bank` given must be the same one). Stored as the list's name and
//!   code, never as typed.
//! - Phones: Colombian mobiles `+57 3…` (10 digits), Peruvian `+51 9…` (9 digits), written
//!   with or without the prefix, spaces or dashes; stored as E.164.
//!
//! API objects and pages show numbers masked to their last four digits ([`Destination::masked`]);
//! only the payout file carries them whole ([`Destination::full`]).

use super::bank;
use crate::network::Network;
use serde_json::{Map, Value, json};

pub use crate::networks::Country;

/// A field the shopper got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field, as the request names it (`destination.document_number`).
    pub field: String,
    /// A sentence the shopper's page can show.
    pub message: &'static str,
}

fn bad(field: &str, message: &'static str) -> FieldError {
    FieldError {
        field: format!("destination.{field}"),
        message,
    }
}

/// A destination, validated and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Cash at an Efecty point, against the shopper's document (Colombia).
    CashPickup {
        /// The holder's full name.
        name: String,
        /// `CC`, `CE`, `TI`, `PAS` or `PEP`.
        document_type: &'static str,
        /// The document number.
        document_number: String,
        /// A mobile, E.164.
        phone: String,
    },
    /// A bank account: a CCI in Peru, an account number in Colombia.
    BankAccount {
        /// The bank's name, from the country's list ([`super::bank`]).
        bank: String,
        /// Its routing code (ACH Colombia's, or the CCI's first three digits); empty for a
        /// destination stored before banks were a closed list.
        bank_code: String,
        /// `savings` or `checking`.
        account_type: &'static str,
        /// The account number (Colombia) or the CCI (Peru), digits only.
        number: String,
        /// The holder's full name.
        holder_name: String,
        /// The holder's document type.
        document_type: &'static str,
        /// The holder's document number.
        document_number: String,
    },
    /// A wallet, by its phone number.
    Wallet {
        /// `nequi`, `daviplata`, `yape` or `plin`.
        provider: &'static str,
        /// E.164.
        phone: String,
    },
}

/// The destination types a country offers, for the shopper's page.
pub const fn types(country: Country) -> &'static [&'static str] {
    country.network().refund_destinations()
}

fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, FieldError> {
    match fields.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
        Some(Value::String(_)) | None => Err(bad(name, "is required")),
        Some(_) => Err(bad(name, "must be text")),
    }
}

fn one_of(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(value))
}

fn name(fields: &Map<String, Value>, field: &str) -> Result<String, FieldError> {
    let value = text(fields, field)?;
    let count = value.chars().count();
    if !(2..=80).contains(&count)
        || !value
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '-' || c == '.')
    {
        return Err(bad(
            field,
            "must be 2 to 80 letters (the name on the document)",
        ));
    }
    Ok(value.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn digits_only(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .collect()
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn digit(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// The DIAN check digit of a 9-digit NIT.
fn nit_check_digit(nit: &str) -> u32 {
    const WEIGHTS: [u32; 15] = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
    let sum: u32 = nit
        .bytes()
        .rev()
        .zip(WEIGHTS)
        .map(|(b, w)| digit(b) * w)
        .sum();
    match sum % 11 {
        r @ (0 | 1) => r,
        r => 11 - r,
    }
}

/// Whether an 11-digit RUC carries SUNAT's check digit.
fn is_valid_ruc(ruc: &str) -> bool {
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let bytes = ruc.as_bytes();
    let (Some(body), Some(&last)) = (bytes.get(..10), bytes.get(10)) else {
        return false;
    };
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(b, w)| digit(*b) * w).sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 1,
        d => d,
    };
    check == digit(last)
}

/// Checks a document number of `kind` in `country`; answers it normalised.
pub fn document(country: Country, kind: &str, number: &str) -> Result<String, &'static str> {
    let n = digits_only(number).to_ascii_uppercase();
    let len = n.len();
    let alnum = !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric());
    let ok = match (country, kind) {
        (Country::Colombia, "CC" | "CE") => all_digits(&n) && (6..=10).contains(&len),
        (Country::Colombia, "TI") => all_digits(&n) && (10..=11).contains(&len),
        (Country::Colombia, "PEP") => all_digits(&n) && len == 15,
        (Country::Colombia, "NIT") => {
            all_digits(&n)
                && len == 10
                && n.get(..9).is_some_and(|body| {
                    n.as_bytes()
                        .get(9)
                        .is_some_and(|&dv| nit_check_digit(body) == digit(dv))
                })
        }
        (Country::Peru, "DNI") => all_digits(&n) && len == 8,
        (Country::Peru, "RUC") => all_digits(&n) && len == 11 && is_valid_ruc(&n),
        (Country::Peru, "CE") => all_digits(&n) && len == 9,
        (Country::Colombia, "PAS") => alnum && (5..=12).contains(&len),
        (Country::Peru, "PAS") => alnum && (6..=12).contains(&len),
        _ => return Err("is not a document type of this country"),
    };
    if ok {
        Ok(n)
    } else {
        Err(match kind {
            "NIT" => "is not a NIT with a valid check digit (9 digits and the digit)",
            "RUC" => "is not a RUC with a valid check digit (11 digits)",
            _ => "is not a valid number for this document type",
        })
    }
}

/// Checks a mobile number of `country`; answers it in E.164.
pub fn phone(country: Country, value: &str) -> Result<String, &'static str> {
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    let (prefix, local_len, first) = match country {
        Country::Colombia => ("57", 10, b'3'),
        Country::Peru => ("51", 9, b'9'),
    };
    let local = match digits.strip_prefix(prefix) {
        Some(rest) if rest.len() == local_len => rest,
        _ => digits,
    };
    if local.len() == local_len && all_digits(local) && local.as_bytes().first() == Some(&first) {
        Ok(format!("+{prefix}{local}"))
    } else {
        Err(match country {
            Country::Colombia => "must be a Colombian mobile: +57 3 and 9 more digits",
            Country::Peru => "must be a Peruvian mobile: +51 9 and 8 more digits",
        })
    }
}

/// Checks a CCI: 20 digits whose first three are a bank on Peru's list (check digits
/// unverified).
pub fn cci(value: &str) -> Result<String, &'static str> {
    let n = digits_only(value);
    if n.len() == 20 && all_digits(&n) && bank::of_cci(&n).is_some() {
        Ok(n)
    } else {
        Err(
            "must be the 20-digit CCI (código de cuenta interbancario) of a bank on the list: its first three digits name the bank",
        )
    }
}

impl Destination {
    /// Parses and checks a destination for `country` from the submitted JSON object.
    pub fn parse(country: Country, value: &Value) -> Result<Destination, FieldError> {
        let Value::Object(fields) = value else {
            return Err(FieldError {
                field: "destination".into(),
                message: "must be an object",
            });
        };
        let kind = text(fields, "type")?;
        if !types(country).contains(&kind) {
            return Err(bad(
                "type",
                "is not a destination this voucher's country offers",
            ));
        }
        let field = |name: &str, result: Result<String, &'static str>| {
            result.map_err(|message| bad(name, message))
        };
        match kind {
            "cash_pickup" => {
                let document_type = one_of(
                    text(fields, "document_type")?,
                    &["CC", "CE", "TI", "PAS", "PEP"],
                )
                .ok_or_else(|| bad("document_type", "must be CC, CE, TI, PAS or PEP"))?;
                Ok(Destination::CashPickup {
                    name: name(fields, "name")?,
                    document_number: field(
                        "document_number",
                        document(country, document_type, text(fields, "document_number")?),
                    )?,
                    document_type,
                    phone: field("phone", phone(country, text(fields, "phone")?))?,
                })
            }
            "bank_account" => {
                let (documents, number) = match country {
                    Country::Colombia => {
                        let raw = digits_only(text(fields, "account_number")?);
                        let number = if all_digits(&raw) && (6..=20).contains(&raw.len()) {
                            raw
                        } else {
                            return Err(bad("account_number", "must be 6 to 20 digits"));
                        };
                        (&["CC", "CE", "NIT", "PAS", "PEP"][..], number)
                    }
                    Country::Peru => (
                        &["DNI", "RUC", "CE", "PAS"][..],
                        field("cci", cci(text(fields, "cci")?))?,
                    ),
                };
                let document_type =
                    one_of(text(fields, "document_type")?, documents).ok_or_else(|| {
                        bad(
                            "document_type",
                            "is not a document type this country's banks take",
                        )
                    })?;
                let account_type = one_of(text(fields, "account_type")?, &["savings", "checking"])
                    .ok_or_else(|| bad("account_type", "must be savings or checking"))?;
                let bank = match country {
                    Country::Colombia => {
                        bank::find(country, text(fields, "bank")?).ok_or_else(|| {
                            bad(
                                "bank",
                                "is not a bank of the list: give its ACH code or its name",
                            )
                        })?
                    }
                    Country::Peru => {
                        let routed = bank::of_cci(&number)
                            .ok_or_else(|| bad("cci", "does not name a bank of the list"))?;
                        match fields.get("bank") {
                            None | Some(Value::Null) => routed,
                            Some(Value::String(given)) if given.trim().is_empty() => routed,
                            Some(_)
                                if bank::find(country, text(fields, "bank")?) == Some(routed) =>
                            {
                                routed
                            }
                            Some(_) => {
                                return Err(bad(
                                    "bank",
                                    "is not the bank of this CCI (its first three digits); leave it out or give that one",
                                ));
                            }
                        }
                    }
                };
                Ok(Destination::BankAccount {
                    bank: bank.name.to_owned(),
                    bank_code: bank.code.to_owned(),
                    account_type,
                    number,
                    holder_name: name(fields, "holder_name")?,
                    document_number: field(
                        "document_number",
                        document(country, document_type, text(fields, "document_number")?),
                    )?,
                    document_type,
                })
            }
            _ => {
                let providers: &[&'static str] = match country {
                    Country::Colombia => &["nequi", "daviplata"],
                    Country::Peru => &["yape", "plin"],
                };
                let provider = one_of(text(fields, "provider")?, providers)
                    .ok_or_else(|| bad("provider", "is not a wallet of this country"))?;
                Ok(Destination::Wallet {
                    provider,
                    phone: field("phone", phone(country, text(fields, "phone")?))?,
                })
            }
        }
    }

    /// The destination as API objects and pages show it: numbers to their last four.
    pub fn masked(&self) -> Value {
        self.render(mask)
    }

    /// The destination whole, for the payout file only.
    pub fn full(&self) -> Value {
        self.render(str::to_owned)
    }

    /// SHA-256 of [`Destination::full`] (its keys sorted): what an approval binds
    /// ([`super::flow`]). Two destinations differ in it exactly when they differ.
    pub fn fingerprint(&self) -> super::flow::Fingerprint {
        use sha2::Digest as _;
        sha2::Sha256::digest(self.full().to_string().as_bytes()).into()
    }

    /// What the refund flow needs of it ([`super::flow::Payee`]).
    pub fn payee(&self) -> super::flow::Payee {
        super::flow::Payee {
            fingerprint: self.fingerprint(),
            cash_pickup: matches!(self, Destination::CashPickup { .. }),
        }
    }

    /// The type's wire name.
    pub const fn kind(&self) -> &'static str {
        match self {
            Destination::CashPickup { .. } => "cash_pickup",
            Destination::BankAccount { .. } => "bank_account",
            Destination::Wallet { .. } => "wallet",
        }
    }

    /// Whether a voucher of `network` may refund to this kind of destination
    /// ([`Network::refund_destinations`]: cash pickup is at Efecty points only).
    ///
    /// ```
    /// use vale_shared::Network;
    /// use vale_shared::refund::destination::Destination;
    /// let wallet = Destination::Wallet { provider: "yape", phone: "+51987654321".into() };
    /// assert!(wallet.allowed_on(Network::Pagoefectivo));
    /// ```
    pub fn allowed_on(&self, network: Network) -> bool {
        network.refund_destinations().contains(&self.kind())
    }

    fn render(&self, number: impl Fn(&str) -> String) -> Value {
        match self {
            Destination::CashPickup {
                name,
                document_type,
                document_number,
                phone,
            } => json!({"type": "cash_pickup", "network": "efecty", "name": name,
                "document_type": document_type, "document_number": number(document_number),
                "phone": number(phone)}),
            Destination::BankAccount {
                bank,
                bank_code,
                account_type,
                number: account,
                holder_name,
                document_type,
                document_number,
            } => {
                let key = if account.len() == 20 {
                    "cci"
                } else {
                    "account_number"
                };
                let mut value = json!({"type": "bank_account", "bank": bank,
                    "account_type": account_type, key: number(account), "holder_name": holder_name,
                    "document_type": document_type, "document_number": number(document_number)});
                if let (false, Some(map)) = (bank_code.is_empty(), value.as_object_mut()) {
                    map.insert("bank_code".into(), json!(bank_code));
                }
                value
            }
            Destination::Wallet { provider, phone } => {
                json!({"type": "wallet", "provider": provider, "phone": number(phone)})
            }
        }
    }

    /// Reads back a destination [`Destination::full`] wrote (storage), without checking
    /// again.
    pub fn from_stored(value: &Value) -> Option<Destination> {
        let s = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
        let pick = |k: &str, from: &[&'static str]| {
            value
                .get(k)
                .and_then(Value::as_str)
                .and_then(|v| from.iter().copied().find(|a| *a == v))
        };
        const DOCUMENTS: [&str; 9] = ["CC", "CE", "TI", "PAS", "PEP", "NIT", "DNI", "RUC", "NAN"];
        match value.get("type")?.as_str()? {
            "cash_pickup" => Some(Destination::CashPickup {
                name: s("name")?,
                document_type: pick("document_type", &DOCUMENTS)?,
                document_number: s("document_number")?,
                phone: s("phone")?,
            }),
            "bank_account" => Some(Destination::BankAccount {
                bank: s("bank")?,
                bank_code: s("bank_code").unwrap_or_default(),
                account_type: pick("account_type", &["savings", "checking"])?,
                number: s("cci").or_else(|| s("account_number"))?,
                holder_name: s("holder_name")?,
                document_type: pick("document_type", &DOCUMENTS)?,
                document_number: s("document_number")?,
            }),
            "wallet" => Some(Destination::Wallet {
                provider: pick("provider", &["nequi", "daviplata", "yape", "plin"])?,
                phone: s("phone")?,
            }),
            _ => None,
        }
    }
}

/// `••••1234`: all but the last four characters hidden.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().min(4);
    let tail: String = chars
        .get(chars.len() - keep..)
        .unwrap_or(&[])
        .iter()
        .collect();
    format!("••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Cash pickup is at Efecty points: a PagoEfectivo voucher's refund never goes there
    /// (the edge checked this by hand before `Destination::allowed_on`).
    #[test]
    fn cash_pickup_is_allowed_on_efecty_only() {
        let pickup = Destination::CashPickup {
            name: "Ana Pérez".into(),
            document_type: "CC",
            document_number: "1020304050".into(),
            phone: "+573001234567".into(),
        };
        assert!(pickup.allowed_on(Network::Efecty));
        assert!(!pickup.allowed_on(Network::Pagoefectivo));
        let wallet = Destination::Wallet {
            provider: "nequi",
            phone: "+573001234567".into(),
        };
        for network in Network::ALL {
            assert!(wallet.allowed_on(network));
            assert_eq!(types(network.country()), network.refund_destinations());
        }
    }

    #[test]
    fn nit_and_ruc_check_digits() {
        // 800197268-4 (DIAN's own NIT) and 860034313-7.
        assert_eq!(nit_check_digit("800197268"), 4);
        assert!(document(Country::Colombia, "NIT", "800197268-4").is_ok());
        assert!(document(Country::Colombia, "NIT", "860034313-7").is_ok());
        assert!(document(Country::Colombia, "NIT", "800197268-5").is_err());
        // 20100070970 (a public RUC), and one digit off.
        assert!(document(Country::Peru, "RUC", "20100070970").is_ok());
        assert!(document(Country::Peru, "RUC", "20100070971").is_err());
    }

    #[test]
    fn documents_by_country() {
        assert_eq!(
            document(Country::Colombia, "CC", "1.020.304.050"),
            Ok("1020304050".into())
        );
        assert!(document(Country::Colombia, "CC", "12345").is_err());
        assert!(document(Country::Colombia, "DNI", "44556677").is_err());
        assert_eq!(
            document(Country::Peru, "DNI", "44556677"),
            Ok("44556677".into())
        );
        assert!(document(Country::Peru, "DNI", "4455667").is_err());
        assert!(document(Country::Peru, "CE", "001234567").is_ok());
        assert!(document(Country::Colombia, "PEP", "123456789012345").is_ok());
        assert!(document(Country::Colombia, "PAS", "AB12345").is_ok());
        assert!(document(Country::Colombia, "PAS", "AB 12*").is_err());
    }

    #[test]
    fn phones_are_mobiles_in_e164() {
        assert_eq!(
            phone(Country::Colombia, "300 123 4567"),
            Ok("+573001234567".into())
        );
        assert_eq!(
            phone(Country::Colombia, "+57 300-123-4567"),
            Ok("+573001234567".into())
        );
        assert!(
            phone(Country::Colombia, "6011234567").is_err(),
            "a landline"
        );
        assert_eq!(
            phone(Country::Peru, "+51 987 654 321"),
            Ok("+51987654321".into())
        );
        assert!(phone(Country::Peru, "87654321").is_err());
    }

    #[test]
    fn cci_is_twenty_digits_with_a_bank() {
        assert_eq!(
            cci("002-193-001234567890-12"),
            Ok("00219300123456789012".into())
        );
        assert!(cci("000193001234567890123").is_err());
        assert!(cci("99919300123456789012").is_err(), "no bank 999");
        assert!(cci("0021930012345678901").is_err());
    }

    #[test]
    fn a_destination_parses_masks_and_comes_back() {
        let v = json!({"type": "cash_pickup", "name": "Ana  Pérez", "document_type": "cc",
            "document_number": "1020304050", "phone": "3001234567"});
        let d = Destination::parse(Country::Colombia, &v).unwrap();
        assert_eq!(d.masked()["document_number"], "••••4050");
        assert_eq!(d.masked()["phone"], "••••4567");
        assert_eq!(d.masked()["name"], "Ana Pérez");
        assert_eq!(d.full()["document_number"], "1020304050");
        assert_eq!(Destination::from_stored(&d.full()), Some(d.clone()));
        assert!(d.payee().cash_pickup);
        let other = Destination::parse(
            Country::Colombia,
            &json!({"type": "cash_pickup", "name": "Ana Pérez", "document_type": "CC",
                "document_number": "1020304051", "phone": "3001234567"}),
        )
        .unwrap();
        assert_ne!(d.fingerprint(), other.fingerprint(), "one digit apart");
        assert_eq!(
            d.fingerprint(),
            Destination::from_stored(&d.full()).unwrap().fingerprint()
        );
        let pe = json!({"type": "bank_account", "bank": "BCP", "account_type": "savings",
            "cci": "00219300123456789012", "holder_name": "Ana Pérez", "document_type": "DNI",
            "document_number": "44556677"});
        let d = Destination::parse(Country::Peru, &pe).unwrap();
        assert_eq!(d.masked()["cci"], "••••9012");
        assert_eq!(Destination::from_stored(&d.full()), Some(d));
        let w = Destination::parse(
            Country::Peru,
            &json!({"type": "wallet", "provider": "Yape", "phone": "987654321"}),
        )
        .unwrap();
        assert_eq!(
            w.full(),
            json!({"type": "wallet", "provider": "yape", "phone": "+51987654321"})
        );
    }

    /// Regression (review M4): `bank` was free text (a formula reached the payout file).
    #[test]
    fn banks_come_from_the_list_and_a_ccis_bank_is_its_own() {
        let co = |bank: &str| {
            Destination::parse(
                Country::Colombia,
                &json!({"type": "bank_account", "bank": bank, "account_type": "savings",
                    "account_number": "12345678", "holder_name": "Ana Pérez",
                    "document_type": "CC", "document_number": "1020304050"}),
            )
        };
        let d = co("bancolombia").unwrap();
        assert_eq!(d.full()["bank"], "Bancolombia");
        assert_eq!(d.full()["bank_code"], "1007");
        assert_eq!(d.masked()["bank_code"], "1007");
        assert_eq!(Destination::from_stored(&d.full()), Some(d));
        for bad in ["+5+HYPERLINK(\"https://x.example/\")", "=1+1", "Banco", "X"] {
            assert_eq!(co(bad).unwrap_err().field, "destination.bank", "{bad}");
        }
        let pe = |bank: Option<&str>, cci: &str| {
            let mut v = json!({"type": "bank_account", "account_type": "savings", "cci": cci,
                "holder_name": "Ana Pérez", "document_type": "DNI", "document_number": "44556677"});
            if let Some(bank) = bank {
                v["bank"] = json!(bank);
            }
            Destination::parse(Country::Peru, &v)
        };
        let bcp = "00219300123456789012";
        for given in [
            None,
            Some("BCP"),
            Some("002"),
            Some("Banco de Crédito del Perú"),
            Some(" "),
        ] {
            let d = pe(given, bcp).unwrap();
            assert_eq!(
                (d.full()["bank"].clone(), d.full()["bank_code"].clone()),
                (json!("BCP"), json!("002"))
            );
        }
        assert_eq!(
            pe(Some("Interbank"), bcp).unwrap_err().field,
            "destination.bank"
        );
        assert_eq!(pe(Some("=1+1"), bcp).unwrap_err().field, "destination.bank");
        assert_eq!(
            pe(None, "99919300123456789012").unwrap_err().field,
            "destination.cci"
        );
        // A destination stored before the list: read back as it was, with no code.
        let old = json!({"type": "bank_account", "bank": "Mi banco", "account_type": "savings",
            "account_number": "12345678", "holder_name": "Ana", "document_type": "CC",
            "document_number": "1020304050"});
        let d = Destination::from_stored(&old).unwrap();
        assert_eq!(d.full(), old);
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases = [
            (
                Country::Peru,
                json!({"type": "cash_pickup"}),
                "destination.type",
            ),
            (
                Country::Colombia,
                json!({"type": "cash_pickup", "name": "A", "document_type": "CC", "document_number": "1020304050", "phone": "3001234567"}),
                "destination.name",
            ),
            (
                Country::Colombia,
                json!({"type": "cash_pickup", "name": "Ana", "document_type": "DNI", "document_number": "1", "phone": "3001234567"}),
                "destination.document_type",
            ),
            (
                Country::Colombia,
                json!({"type": "cash_pickup", "name": "Ana", "document_type": "CC", "document_number": "1", "phone": "3001234567"}),
                "destination.document_number",
            ),
            (
                Country::Colombia,
                json!({"type": "cash_pickup", "name": "Ana", "document_type": "CC", "document_number": "1020304050"}),
                "destination.phone",
            ),
            (
                Country::Peru,
                json!({"type": "bank_account", "bank": "BCP", "account_type": "savings", "cci": "123", "holder_name": "Ana", "document_type": "DNI", "document_number": "44556677"}),
                "destination.cci",
            ),
            (
                Country::Colombia,
                json!({"type": "bank_account", "bank": "X", "account_type": "other", "account_number": "1234567", "holder_name": "Ana", "document_type": "CC", "document_number": "1020304050"}),
                "destination.account_type",
            ),
            (
                Country::Colombia,
                json!({"type": "wallet", "provider": "yape", "phone": "3001234567"}),
                "destination.provider",
            ),
            (
                Country::Peru,
                json!({"type": "wallet", "provider": "yape", "phone": 987654321}),
                "destination.phone",
            ),
            (Country::Peru, json!("wallet"), "destination"),
        ];
        for (country, value, field) in cases {
            assert_eq!(
                Destination::parse(country, &value).unwrap_err().field,
                field,
                "{value}"
            );
        }
    }
}
