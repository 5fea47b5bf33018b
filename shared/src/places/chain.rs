//! The chains a network's points belong to, and the largest amount each is reported to
//! take: the one channel table, as a closed enum the import and the places route branch
//! on, and which the voucher's "Cómo pagar" names (`views/src/guidance.rs`, `PE_PLACES`:
//! each place there is a chain, with no caps of its own).
//!
//! PagoEfectivo's caps are in céntimos of PEN and come from payment providers integrating
//! it (Kushki, PPRO; issue #9), PagoEfectivo's own figures unverified; a dollar CIP is not
//! filtered by them. Efecty's recaudo caps are unverified: its points take whatever a
//! voucher may ask for (the voucher limits already bound it).

use crate::money::{Currency, Money};
use crate::network::Network;

/// A chain of points where a network takes cash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    /// Efecty's own offices and its allied shops.
    Efecty,
    /// BCP branch.
    Bcp,
    /// BBVA branch.
    Bbva,
    /// Scotiabank branch.
    Scotiabank,
    /// Interbank branch.
    Interbank,
    /// BanBif branch.
    Banbif,
    /// Caja Arequipa branch.
    CajaArequipa,
    /// Agente BBVA.
    AgenteBbva,
    /// Agente BCP.
    AgenteBcp,
    /// Kasnet agent.
    Kasnet,
    /// Agente Interbank.
    AgenteInterbank,
    /// Agente Scotiabank.
    AgenteScotiabank,
    /// Tambo+ store.
    TamboPlus,
    /// Niubiz terminal.
    Niubiz,
    /// Red Digital agent.
    RedDigital,
    /// Western Union agent.
    WesternUnion,
}

impl Chain {
    /// Every chain, in the order the channel table lists them.
    pub const ALL: [Chain; 16] = [
        Chain::Efecty,
        Chain::Bcp,
        Chain::Bbva,
        Chain::Scotiabank,
        Chain::Interbank,
        Chain::Banbif,
        Chain::CajaArequipa,
        Chain::AgenteBbva,
        Chain::AgenteBcp,
        Chain::Kasnet,
        Chain::AgenteInterbank,
        Chain::AgenteScotiabank,
        Chain::TamboPlus,
        Chain::Niubiz,
        Chain::RedDigital,
        Chain::WesternUnion,
    ];

    /// The name a shopper looks for, as the import file and the API write it.
    ///
    /// ```
    /// assert_eq!(vale_shared::places::Chain::TamboPlus.name(), "Tambo+");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Chain::Efecty => "Efecty",
            Chain::Bcp => "BCP",
            Chain::Bbva => "BBVA",
            Chain::Scotiabank => "Scotiabank",
            Chain::Interbank => "Interbank",
            Chain::Banbif => "BanBif",
            Chain::CajaArequipa => "Caja Arequipa",
            Chain::AgenteBbva => "Agente BBVA",
            Chain::AgenteBcp => "Agente BCP",
            Chain::Kasnet => "Kasnet",
            Chain::AgenteInterbank => "Agente Interbank",
            Chain::AgenteScotiabank => "Agente Scotiabank",
            Chain::TamboPlus => "Tambo+",
            Chain::Niubiz => "Niubiz",
            Chain::RedDigital => "Red Digital",
            Chain::WesternUnion => "Western Union",
        }
    }

    /// The network whose channel table lists it.
    pub const fn network(self) -> Network {
        match self {
            Chain::Efecty => Network::Efecty,
            _ => Network::Pagoefectivo,
        }
    }

    /// The reported cap in the network's minor units (PEN céntimos for PagoEfectivo);
    /// `None`: none reported below the voucher's own limit.
    pub const fn cap(self) -> Option<i64> {
        match self {
            Chain::Bcp | Chain::Bbva | Chain::Scotiabank => Some(4_300_000),
            Chain::AgenteBbva => Some(190_000),
            Chain::AgenteBcp | Chain::Kasnet => Some(100_000),
            Chain::AgenteInterbank => Some(70_000),
            Chain::AgenteScotiabank | Chain::TamboPlus | Chain::Niubiz | Chain::RedDigital => {
                Some(50_000)
            }
            Chain::Efecty
            | Chain::Interbank
            | Chain::Banbif
            | Chain::CajaArequipa
            | Chain::WesternUnion => None,
        }
    }

    /// Whether a point of this chain can take `amount` (caps are in soles: a dollar CIP
    /// is not filtered by them).
    ///
    /// ```
    /// use vale_shared::{Currency, Money, places::Chain};
    /// assert!(Chain::TamboPlus.takes(Money::new(50_000, Currency::Pen)?));
    /// assert!(!Chain::TamboPlus.takes(Money::new(50_001, Currency::Pen)?));
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn takes(self, amount: Money) -> bool {
        amount.currency() != Currency::Pen || self.cap().is_none_or(|cap| amount.minor() <= cap)
    }

    /// The chain named `name` in `network`'s table (exact spelling).
    pub fn of(network: Network, name: &str) -> Option<Chain> {
        Chain::ALL
            .into_iter()
            .find(|c| c.network() == network && c.name() == name)
    }

    /// The chains of `network` that can take `amount`.
    pub fn taking(network: Network, amount: Money) -> Vec<Chain> {
        Chain::ALL
            .into_iter()
            .filter(|c| c.network() == network && c.takes(amount))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pen(soles: i64) -> Money {
        Money::new(soles * 100, Currency::Pen).unwrap()
    }

    #[test]
    fn caps_are_the_channel_tables() {
        // The same boundaries as views/src/guidance.rs's `each_place_is_named_exactly_up_to_its_cap`.
        let names = |m| {
            Chain::taking(Network::Pagoefectivo, m)
                .into_iter()
                .map(Chain::name)
                .collect::<Vec<_>>()
        };
        assert!(names(pen(500)).contains(&"Tambo+"));
        assert!(!names(pen(501)).contains(&"Tambo+"));
        assert!(names(pen(1_000)).contains(&"Kasnet"));
        assert!(!names(pen(1_001)).contains(&"Kasnet"));
        assert!(names(pen(1_901)).contains(&"Western Union"));
        assert!(!names(pen(1_901)).contains(&"Agente BBVA"));
        let usd = Money::new(500_000, Currency::Usd).unwrap();
        assert!(Chain::TamboPlus.takes(usd));
        let cop = Money::new(400_000_000, Currency::Cop).unwrap();
        assert_eq!(Chain::taking(Network::Efecty, cop), [Chain::Efecty]);
    }

    #[test]
    fn names_round_trip_within_their_network_only() {
        for chain in Chain::ALL {
            assert_eq!(Chain::of(chain.network(), chain.name()), Some(chain));
        }
        assert_eq!(Chain::of(Network::Efecty, "Kasnet"), None);
        assert_eq!(Chain::of(Network::Pagoefectivo, "Efecty"), None);
        assert_eq!(Chain::of(Network::Pagoefectivo, "kasnet"), None);
    }
}
