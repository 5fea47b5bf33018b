//! How to pay, step by step in Spanish, for each channel a network takes cash through.
//!
//! Text only, with the words to stress marked, so the view never builds markup from
//! strings. Channels that cannot take the amount are left out (networks.md: some
//! PagoEfectivo agents cap payments far below the per-voucher limit).

use vale_shared::{Currency, Money, Network};

/// A run of step text, stressed or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The words.
    pub text: String,
    /// Whether to show them in bold (the brand to ask for, the code, the amount).
    pub strong: bool,
}

/// One numbered step.
pub type Step = Vec<Part>;

/// A way to pay: at an agent, in a bank app, at a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Heading, such as "En un agente o bodega".
    pub title: &'static str,
    /// Where, such as "Agente BCP, Kasnet, Western Union".
    pub places: String,
    /// What to do, in order.
    pub steps: Vec<Step>,
}

fn plain(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        strong: false,
    }
}

fn strong(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        strong: true,
    }
}

/// A PagoEfectivo agent chain and the largest amount it is reported to take, in céntimos
/// (`None`: no lower cap than the voucher's own). Reported caps are unverified: when in
/// doubt the chain is named only for small amounts.
const PE_AGENTS: [(&str, Option<i64>); 6] = [
    ("Agente BCP", None),
    ("Agente BBVA", None),
    ("Agente Interbank", None),
    ("Kasnet", None),
    ("Western Union", None),
    ("Tambo+", Some(50_000)),
];

/// Banks whose apps and branches take PagoEfectivo.
const PE_BANKS: &str = "BCP, BBVA, Interbank, Scotiabank, BanBif, Caja Arequipa";

/// The largest amount a neighbourhood shop (bodega) agent is reported to take, in céntimos.
const PE_BODEGA_CAP: i64 = 50_000;

/// The channels for a voucher of `amount` on `network`, with `payment_code` to give.
///
/// ```
/// use vale_shared::{Currency, Money, Network};
/// use vale_widget::guidance::channels;
/// let amount = Money::new(2550, Currency::Pen)?;
/// let titles: Vec<_> = channels(Network::Pagoefectivo, amount, "12345678")
///     .into_iter().map(|c| c.title).collect();
/// assert_eq!(titles, ["En un agente o bodega", "En la app o web de tu banco", "En una agencia bancaria"]);
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
pub fn channels(network: Network, amount: Money, payment_code: &str) -> Vec<Channel> {
    let code = vale_shared::voucher::group_for_reading(payment_code);
    let exact = amount.to_string();
    match network {
        Network::Efecty => efecty(&code, &exact),
        Network::Pagoefectivo => pagoefectivo(amount, &code, &exact),
    }
}

fn efecty(code: &str, exact: &str) -> Vec<Channel> {
    vec![Channel {
        title: "En un punto Efecty",
        places:
            "Más de 40.000 puntos en Colombia: oficinas Efecty, tiendas y supermercados aliados"
                .into(),
        steps: vec![
            vec![
                plain("Dile al cajero que vas a hacer un pago en "),
                strong("Efecty"),
                plain("."),
            ],
            vec![
                plain("Muestra el código de barras o dicta el número de referencia "),
                strong(code),
                plain("."),
            ],
            vec![
                plain("Paga en efectivo el valor exacto: "),
                strong(exact),
                plain("."),
            ],
            vec![plain("Guarda el comprobante que te entregan.")],
        ],
    }]
}

fn pagoefectivo(amount: Money, code: &str, exact: &str) -> Vec<Channel> {
    let brand = match amount.currency() {
        Currency::Usd => "PagoEfectivo Dólares",
        Currency::Cop | Currency::Pen => "PagoEfectivo Soles",
    };
    let fits = |cap: Option<i64>| cap.is_none_or(|cap| amount.minor() <= cap);
    let mut agents: Vec<&str> = PE_AGENTS
        .iter()
        .filter(|(_, cap)| fits(*cap))
        .map(|(name, _)| *name)
        .collect();
    if fits(Some(PE_BODEGA_CAP)) {
        agents.push("bodegas con el logo de PagoEfectivo");
    }
    let give_cip = vec![plain("Da el código CIP "), strong(code), plain(".")];
    let pay_exact = vec![plain("Paga el monto exacto: "), strong(exact), plain(".")];
    vec![
        Channel {
            title: "En un agente o bodega",
            places: agents.join(", "),
            steps: vec![
                vec![
                    plain("Dile al cajero que quieres pagar a "),
                    strong("PagoEfectivo"),
                    plain("."),
                ],
                give_cip.clone(),
                pay_exact.clone(),
                vec![plain("Guarda tu voucher o comprobante.")],
            ],
        },
        Channel {
            title: "En la app o web de tu banco",
            places: PE_BANKS.into(),
            steps: vec![
                vec![plain("Entra a "), strong("Pagar servicios"), plain(".")],
                vec![
                    plain("Busca la empresa "),
                    strong("PagoEfectivo"),
                    plain(" y elige "),
                    strong(brand),
                    plain("."),
                ],
                vec![plain("Ingresa el código CIP "), strong(code), plain(".")],
                vec![
                    plain("Revisa que el monto sea "),
                    strong(exact),
                    plain(" y confirma."),
                ],
            ],
        },
        Channel {
            title: "En una agencia bancaria",
            places: PE_BANKS.into(),
            steps: vec![
                vec![
                    plain("En ventanilla, di que vas a pagar a "),
                    strong("PagoEfectivo"),
                    plain("."),
                ],
                give_cip,
                pay_exact,
                vec![plain("Guarda tu comprobante.")],
            ],
        },
    ]
}

/// Where to look for the nearest point, as a sentence and the network's site.
pub fn finder(network: Network) -> (&'static str, &'static str) {
    match network {
        Network::Efecty => (
            "Encuentra el punto Efecty más cercano en",
            "https://www.efecty.com.co",
        ),
        Network::Pagoefectivo => (
            "Encuentra el agente o banco más cercano en",
            "https://www.pagoefectivo.pe",
        ),
    }
}

/// What happens after paying, the same for every channel.
pub const AFTER_PAYING: &str = "La confirmación llega en pocos minutos y esta página se \
    actualiza sola. No necesitas enviar una foto del comprobante.";

#[cfg(test)]
mod tests {
    use super::*;

    fn text(steps: &[Step]) -> String {
        steps.iter().flatten().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn pagoefectivo_says_the_brand_the_cip_and_the_exact_amount() {
        let amount = Money::new(2550, Currency::Pen).unwrap();
        for channel in channels(Network::Pagoefectivo, amount, "12345678") {
            let all = text(&channel.steps);
            assert!(all.contains("PagoEfectivo"), "{all}");
            assert!(all.contains("1234 5678"), "{all}");
            assert!(all.contains("S/\u{a0}25.50"), "{all}");
        }
    }

    #[test]
    fn efecty_says_the_brand_the_reference_and_the_exact_amount() {
        let amount = Money::new(5_000_000, Currency::Cop).unwrap();
        let channels = channels(Network::Efecty, amount, "88001234");
        assert_eq!(channels.len(), 1);
        let all = text(&channels[0].steps);
        assert!(
            all.contains("Efecty") && all.contains("8800 1234") && all.contains("$\u{a0}50.000")
        );
    }

    #[test]
    fn agents_with_a_lower_cap_are_hidden_for_large_amounts() {
        let small = Money::new(10_000, Currency::Pen).unwrap();
        let large = Money::new(200_000, Currency::Pen).unwrap();
        let places = |m| channels(Network::Pagoefectivo, m, "1")[0].places.clone();
        assert!(places(small).contains("Tambo+") && places(small).contains("bodegas"));
        assert!(!places(large).contains("Tambo+") && !places(large).contains("bodegas"));
        assert!(places(large).contains("Agente BCP"));
    }

    #[test]
    fn dollar_cips_are_paid_under_the_dollar_service() {
        let usd = Money::new(1000, Currency::Usd).unwrap();
        let bank = &channels(Network::Pagoefectivo, usd, "1")[1];
        assert!(text(&bank.steps).contains("PagoEfectivo Dólares"));
    }
}
