//! How to pay, step by step in Spanish, for each channel a network takes cash through.
//!
//! Text only, with the words to stress marked, so the view never builds markup from
//! strings. Channels that cannot take the amount are left out (networks.md: some
//! PagoEfectivo agents cap payments far below the per-voucher limit).

use vale_shared::places::Chain;
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

/// Where a PagoEfectivo CIP is paid: at an agent, or in a bank's app, web or branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An agent counter (bank agents, Kasnet, Tambo+, bodegas with a payment terminal).
    Agent,
    /// A bank's app, web or branch.
    Bank,
}

/// One place that takes PagoEfectivo: its chain (the name a shopper looks for and the
/// largest amount it is reported to take, from the one channel table,
/// `vale_shared::places::Chain`, which the places import and route use too) and how it is
/// paid there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The chain: its name and its reported cap.
    pub chain: Chain,
    /// Agent or bank.
    pub kind: Kind,
}

impl Place {
    /// The name a shopper looks for.
    pub const fn name(self) -> &'static str {
        self.chain.name()
    }

    /// The reported cap in céntimos of PEN; `None`: none reported below the voucher's.
    pub const fn cap(self) -> Option<i64> {
        self.chain.cap()
    }
}

/// Where [`PE_PLACES`]' caps come from.
pub const PE_CAPS_SOURCE: &str = "Agent and bank caps as reported by payment providers \
    integrating PagoEfectivo (Kushki, PPRO), issue #9; PagoEfectivo's own figures unverified.";

/// Every place named to the shopper (in céntimos: PEN 1 = 100). A place whose cap is below
/// the amount is not named; one with no reported cap always is.
pub const PE_PLACES: [Place; 15] = [
    Place {
        chain: Chain::Bcp,
        kind: Kind::Bank,
    },
    Place {
        chain: Chain::Bbva,
        kind: Kind::Bank,
    },
    Place {
        chain: Chain::Scotiabank,
        kind: Kind::Bank,
    },
    Place {
        chain: Chain::Interbank,
        kind: Kind::Bank,
    },
    Place {
        chain: Chain::Banbif,
        kind: Kind::Bank,
    },
    Place {
        chain: Chain::CajaArequipa,
        kind: Kind::Bank,
    },
    Place {
        chain: Chain::AgenteBbva,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::AgenteBcp,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::Kasnet,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::AgenteInterbank,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::AgenteScotiabank,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::TamboPlus,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::Niubiz,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::RedDigital,
        kind: Kind::Agent,
    },
    Place {
        chain: Chain::WesternUnion,
        kind: Kind::Agent,
    },
];

/// The places of `kind` that can take `amount` (caps are in soles: a dollar CIP is not
/// filtered by them: [`Chain::takes`]).
pub fn places(kind: Kind, amount: Money) -> Vec<&'static str> {
    PE_PLACES
        .iter()
        .filter(|p| p.kind == kind && p.chain.takes(amount))
        .map(|p| p.name())
        .collect()
}

/// The channels for a voucher of `amount` on `network`, with `payment_code` to give (and,
/// for Efecty, the merchant's `convenio` when it has one). A channel with no place that
/// can take the amount is left out.
///
/// ```
/// use vale_shared::{Currency, Money, Network};
/// use vale_views::guidance::channels;
/// let amount = Money::new(2550, Currency::Pen)?;
/// let titles: Vec<_> = channels(Network::Pagoefectivo, amount, "12345678", None)
///     .into_iter().map(|c| c.title).collect();
/// assert_eq!(titles, ["En un agente o bodega", "En la app o web de tu banco", "En una agencia bancaria"]);
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
pub fn channels(
    network: Network,
    amount: Money,
    payment_code: &str,
    convenio: Option<&str>,
) -> Vec<Channel> {
    let code = vale_shared::voucher::group_for_reading(payment_code);
    let exact = amount.to_string();
    match network {
        Network::Efecty => efecty(&code, &exact, convenio),
        Network::Pagoefectivo => pagoefectivo(amount, &code, &exact),
    }
}

fn efecty(code: &str, exact: &str, convenio: Option<&str>) -> Vec<Channel> {
    let say = match convenio {
        Some(convenio) => vec![
            plain("Dile al cajero que vas a hacer un pago en "),
            strong("Efecty"),
            plain(" al convenio "),
            strong(convenio),
            plain("."),
        ],
        None => vec![
            plain("Dile al cajero que vas a hacer un pago en "),
            strong("Efecty"),
            plain("."),
        ],
    };
    vec![Channel {
        title: "En un punto Efecty",
        places:
            "Más de 40.000 puntos en Colombia: oficinas Efecty, tiendas y supermercados aliados"
                .into(),
        steps: vec![
            say,
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
            vec![plain("Guarda el recibo que te entregan.")],
        ],
    }]
}

fn pagoefectivo(amount: Money, code: &str, exact: &str) -> Vec<Channel> {
    let brand = match amount.currency() {
        Currency::Usd => "PagoEfectivo Dólares",
        Currency::Cop | Currency::Pen => "PagoEfectivo Soles",
    };
    let agents = places(Kind::Agent, amount);
    let banks = places(Kind::Bank, amount).join(", ");
    let give_cip = vec![plain("Da el código CIP "), strong(code), plain(".")];
    let pay_exact = vec![plain("Paga el monto exacto: "), strong(exact), plain(".")];
    let mut channels = Vec::with_capacity(3);
    if !agents.is_empty() {
        channels.push(Channel {
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
                vec![plain("Guarda el voucher.")],
            ],
        });
    }
    channels.push(Channel {
        title: "En la app o web de tu banco",
        places: banks.clone(),
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
    });
    channels.push(Channel {
        title: "En una agencia bancaria",
        places: banks,
        steps: vec![
            vec![
                plain("En ventanilla, di que vas a pagar a "),
                strong("PagoEfectivo"),
                plain("."),
            ],
            give_cip,
            pay_exact,
            vec![plain("Guarda el voucher.")],
        ],
    });
    channels
}

/// What happens after paying, the same for every channel: who hears of it, what the
/// shopper will see, and what to do when nothing comes within the network's confirmation
/// window (Efecty 12 hours, PagoEfectivo 1 hour). `store` is the store's name.
pub fn after_paying(network: Network, store: &str, reference: &str) -> String {
    let (brand, window, paper) = match network {
        Network::Efecty => ("Efecty", "12 horas", " y una foto del recibo."),
        Network::Pagoefectivo => ("PagoEfectivo", "1 hora", " y una foto del voucher."),
    };
    [
        brand,
        " le confirma tu pago a ",
        store,
        ", casi siempre en pocos minutos, y aquí verás «¡Pago recibido!». No necesitas \
         enviar una foto. Si en ",
        window,
        " no ha cambiado, escribe a ",
        store,
        " con tu pedido ",
        reference,
        paper,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(steps: &[Step]) -> String {
        steps.iter().flatten().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn pagoefectivo_says_the_brand_the_cip_and_the_exact_amount() {
        let amount = Money::new(2550, Currency::Pen).unwrap();
        for channel in channels(Network::Pagoefectivo, amount, "12345678", None) {
            let all = text(&channel.steps);
            assert!(all.contains("PagoEfectivo"), "{all}");
            assert!(all.contains("1234 5678"), "{all}");
            assert!(all.contains("S/\u{a0}25.50"), "{all}");
        }
    }

    #[test]
    fn efecty_says_the_brand_the_reference_and_the_exact_amount() {
        let amount = Money::new(5_000_000, Currency::Cop).unwrap();
        let channels = channels(Network::Efecty, amount, "88001234", None);
        assert_eq!(channels.len(), 1);
        let all = text(&channels[0].steps);
        assert!(
            all.contains("Efecty") && all.contains("8800 1234") && all.contains("$\u{a0}50.000")
        );
    }

    #[test]
    fn each_place_is_named_exactly_up_to_its_cap() {
        let pen = |soles: i64| Money::new(soles * 100, Currency::Pen).unwrap();
        let agents = |m| places(Kind::Agent, m);
        assert!(agents(pen(500)).contains(&"Tambo+") && agents(pen(500)).contains(&"Red Digital"));
        assert!(!agents(pen(501)).contains(&"Tambo+"));
        assert!(agents(pen(700)).contains(&"Agente Interbank"));
        assert!(!agents(pen(701)).contains(&"Agente Interbank"));
        assert!(
            agents(pen(1_000)).contains(&"Kasnet") && agents(pen(1_000)).contains(&"Agente BCP")
        );
        assert_eq!(agents(pen(1_001)), ["Agente BBVA", "Western Union"]);
        assert_eq!(agents(pen(1_901)), ["Western Union"]);
        let banks = |m| places(Kind::Bank, m);
        assert_eq!(banks(pen(43_000)).len(), 6);
        assert_eq!(banks(pen(43_001)), ["Interbank", "BanBif", "Caja Arequipa"]);
    }

    #[test]
    fn regression_issue_22_the_places_named_are_the_one_chain_table_s_pagoefectivo_chains() {
        // The caps were kept twice (here and in `shared::places::Chain`); now each place is
        // a chain, so the names and caps the voucher shows are the ones the places route
        // filters by, and every PagoEfectivo chain is named once, in the table's order.
        let named: Vec<Chain> = PE_PLACES.iter().map(|p| p.chain).collect();
        let table: Vec<Chain> = Chain::ALL
            .into_iter()
            .filter(|c| c.network() == Network::Pagoefectivo)
            .collect();
        assert_eq!(named, table);
        for place in PE_PLACES {
            assert_eq!(place.cap(), place.chain.cap());
            let pen = |minor| Money::new(minor, Currency::Pen).unwrap();
            let at = place.cap().unwrap_or(100_000_000);
            let named_at = |m| places(place.kind, m).contains(&place.name());
            assert!(named_at(pen(at)), "{} at its cap", place.name());
            assert_eq!(
                named_at(pen(at + 1)),
                place.cap().is_none(),
                "{}",
                place.name()
            );
        }
    }

    #[test]
    fn a_channel_with_no_place_for_the_amount_is_hidden() {
        let titles = |amount| {
            channels(Network::Pagoefectivo, amount, "1", None)
                .into_iter()
                .map(|c| c.title)
                .collect::<Vec<_>>()
        };
        let pen = |soles: i64| Money::new(soles * 100, Currency::Pen).unwrap();
        assert_eq!(titles(pen(3_000)).len(), 3);
        let at = |soles| channels(Network::Pagoefectivo, pen(soles), "1", None);
        assert_eq!(at(3_000)[0].places, "Western Union");
        assert!(at(3_000)[1].places.contains("BCP"));
        assert!(
            !at(50_000)[1].places.contains("BCP"),
            "{}",
            at(50_000)[1].places
        );
    }

    #[test]
    fn efecty_names_the_convenio_when_the_merchant_has_one() {
        let amount = Money::new(5_000_000, Currency::Cop).unwrap();
        let with = text(&channels(Network::Efecty, amount, "1", Some("112233"))[0].steps);
        assert!(with.contains("al convenio 112233"), "{with}");
        let without = text(&channels(Network::Efecty, amount, "1", None)[0].steps);
        assert!(!without.contains("convenio"), "{without}");
    }

    #[test]
    fn dollar_cips_are_paid_under_the_dollar_service() {
        let usd = Money::new(1000, Currency::Usd).unwrap();
        let bank = &channels(Network::Pagoefectivo, usd, "1", None)[1];
        assert!(text(&bank.steps).contains("PagoEfectivo Dólares"));
    }
}
