//! The destination form, pure: which fields each choice asks for in each country, what is
//! wrong with each as the shopper types (the shared validators decide, the page words it
//! in Spanish), the object submitted, and the confirmation sentence.
//!
//! A field is judged alone: the document number, the phone and the CCI by their own
//! validators (`destination::{document, phone, cci}`), the others by
//! [`Destination::parse`] on the form with every other free-text field set to a value that
//! passes, so an error in one field never hides or blames another.

use super::words;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use vale_shared::refund::bank;
use vale_shared::refund::destination::{self, Country, Destination, mask};
use vale_shared::{Money, Network};

/// How a field is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text (`inputmode` as given).
    Text(&'static str),
    /// One of fixed values: `(wire value, label)`.
    Select(&'static [(&'static str, &'static str)]),
    /// One of a long list (`(wire value, label)`), nothing chosen until the shopper picks:
    /// the first option is the prompt, with an empty value.
    Pick(&'static [(&'static str, &'static str)], &'static str),
}

/// One field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The wire name (`document_number`).
    pub name: &'static str,
    /// The label.
    pub label: &'static str,
    /// A hint under the label.
    pub hint: Option<&'static str>,
    /// How it is typed.
    pub kind: Kind,
    /// The `autocomplete` token.
    pub autocomplete: &'static str,
}

const CO_PICKUP_DOCS: &[(&str, &str)] = &[
    ("CC", "Cédula de ciudadanía"),
    ("CE", "Cédula de extranjería"),
    ("TI", "Tarjeta de identidad"),
    ("PAS", "Pasaporte"),
    ("PEP", "Permiso especial de permanencia (PEP)"),
];
const CO_BANK_DOCS: &[(&str, &str)] = &[
    ("CC", "Cédula de ciudadanía"),
    ("CE", "Cédula de extranjería"),
    ("NIT", "NIT"),
    ("PAS", "Pasaporte"),
    ("PEP", "Permiso especial de permanencia (PEP)"),
];
const PE_DOCS: &[(&str, &str)] = &[
    ("DNI", "DNI"),
    ("RUC", "RUC"),
    ("CE", "Carné de extranjería"),
    ("PAS", "Pasaporte"),
];
const ACCOUNT_TYPES: &[(&str, &str)] = &[("savings", "Ahorros"), ("checking", "Corriente")];
const CO_WALLETS: &[(&str, &str)] = &[("nequi", "Nequi"), ("daviplata", "Daviplata")];
const PE_WALLETS: &[(&str, &str)] = &[("yape", "Yape"), ("plin", "Plin")];

fn text(name: &'static str, label: &'static str, mode: &'static str, auto: &'static str) -> Field {
    Field {
        name,
        label,
        hint: None,
        kind: Kind::Text(mode),
        autocomplete: auto,
    }
}

fn select(name: &'static str, label: &'static str, options: &'static [(&str, &str)]) -> Field {
    Field {
        name,
        label,
        hint: None,
        kind: Kind::Select(options),
        autocomplete: "off",
    }
}

fn phone_field(country: Country) -> Field {
    Field {
        hint: Some(match country {
            Country::Colombia => "Tu celular, 10 dígitos que empiezan por 3.",
            Country::Peru => "Tu celular, 9 dígitos que empiezan por 9.",
        }),
        ..text("phone", "Celular", "tel", "tel-national")
    }
}

/// The choice's title, in the list of choices.
pub fn title(kind: &str, country: Country) -> &'static str {
    match (kind, country) {
        ("cash_pickup", _) => "Efectivo en un punto Efecty",
        ("bank_account", Country::Peru) => "Cuenta bancaria (CCI)",
        ("bank_account", Country::Colombia) => "Cuenta bancaria",
        (_, Country::Colombia) => "Nequi o Daviplata",
        (_, Country::Peru) => "Yape o Plin",
    }
}

/// What the choice means, under its title.
pub fn blurb(kind: &str) -> &'static str {
    match kind {
        "cash_pickup" => "Lo retiras con tu documento en cualquier punto Efecty del país.",
        "bank_account" => "Te lo enviamos a tu cuenta de ahorros o corriente.",
        _ => "Te lo enviamos a tu billetera, con tu número de celular.",
    }
}

/// The fields `kind` asks for in `country`, in order.
pub fn fields(kind: &str, country: Country) -> Vec<Field> {
    let name = |n, l| Field {
        hint: Some("Como aparece en tu documento."),
        ..text(n, l, "text", "name")
    };
    let number = text("document_number", "Número de documento", "text", "off");
    match (kind, country) {
        ("cash_pickup", _) => vec![
            name("name", "Nombre completo"),
            select("document_type", "Tipo de documento", CO_PICKUP_DOCS),
            number,
            phone_field(country),
        ],
        ("bank_account", _) => {
            let (account, docs) = match country {
                Country::Colombia => (
                    text("account_number", "Número de cuenta", "numeric", "off"),
                    CO_BANK_DOCS,
                ),
                Country::Peru => (
                    Field {
                        hint: Some("20 dígitos; lo ves en tu app o estado de cuenta."),
                        ..text(
                            "cci",
                            "CCI (código de cuenta interbancario)",
                            "numeric",
                            "off",
                        )
                    },
                    PE_DOCS,
                ),
            };
            // Colombia: the bank from the list; Peru: the CCI's first digits name it.
            let bank = (country == Country::Colombia).then_some(Field {
                name: "bank",
                label: "Banco",
                hint: None,
                kind: Kind::Pick(bank::COLOMBIA, "Elige tu banco"),
                autocomplete: "off",
            });
            bank.into_iter()
                .chain([
                    select("account_type", "Tipo de cuenta", ACCOUNT_TYPES),
                    account,
                    name("holder_name", "Nombre del titular"),
                    select("document_type", "Tipo de documento del titular", docs),
                    number,
                ])
                .collect()
        }
        (_, Country::Colombia) => vec![
            select("provider", "Billetera", CO_WALLETS),
            phone_field(country),
        ],
        (_, Country::Peru) => vec![
            select("provider", "Billetera", PE_WALLETS),
            phone_field(country),
        ],
    }
}

/// What the shopper typed, by field name.
pub type Values = BTreeMap<&'static str, String>;

/// The form's values as the object submitted (`type` included).
pub fn object(kind: &str, values: &Values) -> Value {
    let mut map = Map::new();
    map.insert("type".into(), Value::from(kind));
    for (name, value) in values {
        map.insert((*name).into(), Value::from(value.trim()));
    }
    Value::Object(map)
}

/// Values that pass, for judging one free-text field alone (see the module's note).
const PASSING: [(&str, &str); 5] = [
    ("name", "Ana Pérez"),
    ("holder_name", "Ana Pérez"),
    ("bank", "1007"),
    ("account_number", "1234567890"),
    ("cci", "00212345678901234567"),
];

/// What is wrong with `field` (a Spanish sentence), or `None`.
pub fn error(kind: &str, country: Country, values: &Values, field: &str) -> Option<&'static str> {
    let value = values.get(field).map_or("", String::as_str);
    let ok = match field {
        "document_number" => {
            let doc_type = values.get("document_type").map_or("", String::as_str);
            destination::document(country, doc_type, value).is_ok()
        }
        "phone" => destination::phone(country, value).is_ok(),
        "cci" => destination::cci(value).is_ok(),
        _ => {
            let mut trial = values.clone();
            for (name, passing) in PASSING {
                if name != field && trial.contains_key(name) {
                    trial.insert(name, passing.to_owned());
                }
            }
            let wanted = ["destination.", field].concat();
            !Destination::parse(country, &object(kind, &trial)).is_err_and(|e| e.field == wanted)
        }
    };
    (!ok).then(|| message(country, values, field))
}

/// The Spanish sentence for a wrong `field`.
fn message(country: Country, values: &Values, field: &str) -> &'static str {
    match field {
        "name" | "holder_name" => {
            "Escribe el nombre completo como aparece en el documento (de 2 a 80 letras)."
        }
        "bank" => "Elige tu banco de la lista.",
        "account_number" => "El número de cuenta tiene de 6 a 20 dígitos.",
        "cci" => "El CCI tiene 20 dígitos; los 3 primeros son el código de tu banco.",
        "phone" => match country {
            Country::Colombia => "Escribe un celular colombiano: 10 dígitos que empiezan por 3.",
            Country::Peru => "Escribe un celular peruano: 9 dígitos que empiezan por 9.",
        },
        "document_number" => match (country, values.get("document_type").map(String::as_str)) {
            (Country::Colombia, Some("CC" | "CE")) => {
                "Este documento tiene de 6 a 10 dígitos, sin puntos."
            }
            (Country::Colombia, Some("TI")) => "La tarjeta de identidad tiene 10 u 11 dígitos.",
            (Country::Colombia, Some("PEP")) => "El PEP tiene 15 dígitos.",
            (Country::Colombia, Some("NIT")) => {
                "El NIT son 9 dígitos y su dígito de verificación; revisa el último."
            }
            (Country::Colombia, Some("PAS")) => "El pasaporte tiene de 5 a 12 letras o números.",
            (Country::Peru, Some("DNI")) => "El DNI tiene 8 dígitos.",
            (Country::Peru, Some("RUC")) => {
                "El RUC tiene 11 dígitos y su último dígito no coincide; revísalo."
            }
            (Country::Peru, Some("CE")) => "El carné de extranjería tiene 9 dígitos.",
            (Country::Peru, Some("PAS")) => "El pasaporte tiene de 6 a 12 letras o números.",
            _ => "Revisa el número de documento.",
        },
        _ => "Revisa este dato.",
    }
}

/// "Vas a recibir … en …": what the shopper confirms before it is sent.
pub fn confirmation(amount: Money, network: Network, destination: &Destination) -> String {
    let place = match destination {
        Destination::CashPickup {
            name,
            document_type,
            document_number,
            ..
        } => format!(
            "efectivo, en cualquier punto Efecty, a nombre de {name} ({} {})",
            words::document(document_type, network),
            mask(document_number)
        ),
        Destination::BankAccount {
            bank,
            account_type,
            number,
            holder_name,
            ..
        } => format!(
            "tu cuenta {} de {bank} ({}), a nombre de {holder_name}",
            words::account_type(account_type),
            mask(number)
        ),
        Destination::Wallet { provider, phone } => {
            format!("tu {} del celular {}", words::wallet(provider), mask(phone))
        }
    };
    format!("Vas a recibir {amount} en {place}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    fn pickup(doc: &str) -> Values {
        values(&[
            ("name", "Ana María Pérez"),
            ("document_type", "CC"),
            ("document_number", doc),
            ("phone", "300 123 4567"),
        ])
    }

    #[test]
    fn a_bad_document_is_blamed_alone_and_a_good_form_parses() {
        let bad = pickup("12");
        let co = Country::Colombia;
        assert!(error("cash_pickup", co, &bad, "document_number").is_some());
        for other in ["name", "document_type", "phone"] {
            assert_eq!(error("cash_pickup", co, &bad, other), None, "{other}");
        }
        let good = pickup("1.020.304.050");
        assert!(
            fields("cash_pickup", co)
                .iter()
                .all(|f| error("cash_pickup", co, &good, f.name).is_none())
        );
        let parsed = Destination::parse(co, &object("cash_pickup", &good)).unwrap();
        let amount = Money::new(2_000_000, vale_shared::Currency::Cop).unwrap();
        assert_eq!(
            confirmation(amount, Network::Efecty, &parsed),
            "Vas a recibir $\u{a0}20.000 en efectivo, en cualquier punto Efecty, a nombre de \
             Ana María Pérez (cédula de ciudadanía ••••4050)."
        );
    }

    #[test]
    fn a_wrong_name_is_found_even_when_earlier_fields_are_wrong_too() {
        let co = Country::Colombia;
        let form = values(&[
            ("bank", "1007"),
            ("account_type", "savings"),
            ("account_number", "12"),
            ("holder_name", "4"),
            ("document_type", "CC"),
            ("document_number", "1020304050"),
        ]);
        assert!(error("bank_account", co, &form, "account_number").is_some());
        assert!(error("bank_account", co, &form, "holder_name").is_some());
        assert_eq!(error("bank_account", co, &form, "bank"), None);
        // Regression (review M4): the bank is from the list, never free text.
        let mut typed = form.clone();
        typed.insert("bank", "=HYPERLINK(1)".to_owned());
        assert!(error("bank_account", co, &typed, "bank").is_some());
        typed.insert("bank", String::new());
        assert_eq!(
            error("bank_account", co, &typed, "bank"),
            Some("Elige tu banco de la lista.")
        );
        assert!(matches!(
            fields("bank_account", co).first().map(|f| f.kind),
            Some(Kind::Pick(list, _)) if list == bank::COLOMBIA
        ));
    }

    #[test]
    fn peru_asks_for_a_cci_and_peruvian_phones() {
        let pe = Country::Peru;
        let names: Vec<_> = fields("bank_account", pe).iter().map(|f| f.name).collect();
        assert!(names.contains(&"cci") && !names.contains(&"account_number"));
        assert!(!names.contains(&"bank"), "the CCI names the bank");
        let wallet = values(&[("provider", "yape"), ("phone", "3001234567")]);
        assert!(error("wallet", pe, &wallet, "phone").is_some());
        let wallet = values(&[("provider", "yape"), ("phone", "+51 912 345 678")]);
        assert_eq!(error("wallet", pe, &wallet, "phone"), None);
        let cci = values(&[("cci", "000123")]);
        assert_eq!(
            error("bank_account", pe, &cci, "cci"),
            Some("El CCI tiene 20 dígitos; los 3 primeros son el código de tu banco.")
        );
    }
}
