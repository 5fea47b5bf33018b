//! Risk controls before a payment code exists: rules as data, counted signals, and one
//! pure decision.
//!
//! A merchant's [`Rule`]s (or [`default_rules`]) are evaluated by [`evaluate`] against
//! the [`Facts`] of one create: the network, the voucher's currency, the shopper's
//! `ip_country` if sent, and a [`Tally`] for each counted [`Signal`] the request carries
//! (the vouchers already counted for that value, plus the one being created). Rules run
//! by action — every `block` rule in configured order, then every `review`, then every
//! `allow` — and the first that matches decides. A rule whose signal the request lacks
//! never matches. Nothing matching is [`Action::Allow`] with no rule.
//!
//! Thresholds: `gt` is strict and `gte` inclusive; windows are half-open (a voucher
//! created exactly one window ago has left it).

mod key;
mod rule;
mod signal;
mod signals;
mod tally;

pub use key::counter_key;
pub use rule::{
    Condition, MAX_RULES, NOT_NETWORK_COUNTRY, Rule, RuleError, default_rules, parse_rules,
};
pub use signal::{Action, Comparison, Country, CountryError, Metric, Signal, Window};
pub use signals::{MAX_RISK_FIELD, RiskSignals};
pub use tally::{Entry, Standing, Tally};

use crate::Network;
use crate::money::Currency;

/// What is known about one create when rules are evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The voucher's network (its country is the one `ip_country` is compared with).
    pub network: Network,
    /// The voucher's currency (amount rules in another currency do not apply).
    pub currency: Currency,
    /// `risk.ip_country`, when sent.
    pub ip_country: Option<Country>,
    /// One tally per counted signal the request carries, each including this voucher.
    pub tallies: Vec<(Signal, Tally)>,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// The rule that decided, by name; `None` when no rule matched.
    pub rule: Option<String>,
}

impl Condition {
    /// Whether the condition holds for `facts`.
    pub fn matches(&self, facts: &Facts) -> bool {
        match *self {
            Condition::IpCountryNotNetwork => facts
                .ip_country
                .is_some_and(|c| c != Country::of(facts.network)),
            Condition::Count {
                signal,
                metric,
                window,
                currency,
                comparison,
                threshold,
            } => {
                if metric == Metric::Amount && currency != Some(facts.currency) {
                    return false;
                }
                facts
                    .tallies
                    .iter()
                    .find(|(s, _)| *s == signal)
                    .is_some_and(|(_, tally)| {
                        comparison.holds(tally.get(metric, window, currency), threshold)
                    })
            }
        }
    }
}

/// Decides one create: the first matching rule in the order block → review → allow
/// (configured order within one action); allow when none matches.
///
/// ```
/// use vale_shared::{Currency, Network, risk::*};
/// let facts = Facts {
///     network: Network::Efecty,
///     currency: Currency::Cop,
///     ip_country: Country::parse("PE").ok(),
///     tallies: vec![],
/// };
/// let decision = evaluate(&default_rules(), &facts);
/// assert_eq!(decision.action, Action::Review);
/// assert_eq!(decision.rule.as_deref(), Some("ip_country_mismatch"));
/// ```
pub fn evaluate(rules: &[Rule], facts: &Facts) -> Decision {
    [Action::Block, Action::Review, Action::Allow]
        .iter()
        .flat_map(|&action| rules.iter().filter(move |r| r.action == action))
        .find(|rule| rule.condition.matches(facts))
        .map_or(
            Decision {
                action: Action::Allow,
                rule: None,
            },
            |rule| Decision {
                action: rule.action,
                rule: Some(rule.name.clone()),
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    use time::{Duration, OffsetDateTime};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: OffsetDateTime = datetime!(2026-12-05 12:00 UTC);

    /// A tally of `n` open vouchers created a minute apart, plus the new one.
    fn open(n: usize, amount: i64) -> Tally {
        let entries: Vec<Entry> = (0..n)
            .map(|i| Entry {
                created_at: NOW - Duration::minutes(i as i64 + 1),
                amount,
                currency: Currency::Cop,
                standing: Standing::Open,
            })
            .collect();
        Tally::of(&entries, NOW).with_new(amount, Currency::Cop)
    }

    fn facts(tallies: Vec<(Signal, Tally)>, ip_country: Option<&str>) -> Facts {
        Facts {
            network: Network::Efecty,
            currency: Currency::Cop,
            ip_country: ip_country.and_then(|c| Country::parse(c).ok()),
            tallies,
        }
    }

    fn decide(f: &Facts) -> (Action, Option<String>) {
        let d = evaluate(&default_rules(), f);
        (d.action, d.rule)
    }

    #[test]
    fn the_document_rule_blocks_the_sixth_unpaid_voucher_not_the_fifth() {
        // Four already unpaid + this one = 5: not more than 5.
        assert_eq!(
            decide(&facts(vec![(Signal::Document, open(4, 100))], None)).0,
            Action::Allow
        );
        assert_eq!(
            decide(&facts(vec![(Signal::Document, open(5, 100))], None)),
            (Action::Block, Some("document_unpaid_24h".into()))
        );
    }

    #[test]
    fn the_ip_rule_reviews_the_fourth_voucher_in_an_hour_not_the_third() {
        assert_eq!(
            decide(&facts(vec![(Signal::Ip, open(2, 100))], None)).0,
            Action::Allow
        );
        assert_eq!(
            decide(&facts(vec![(Signal::Ip, open(3, 100))], None)),
            (Action::Review, Some("ip_created_1h".into()))
        );
        // Three created more than an hour ago do not count.
        let old: Vec<Entry> = (0..3)
            .map(|i| Entry {
                created_at: NOW - Duration::minutes(60 + i),
                amount: 1,
                currency: Currency::Cop,
                standing: Standing::Open,
            })
            .collect();
        let tally = Tally::of(&old, NOW).with_new(1, Currency::Cop);
        assert_eq!(
            decide(&facts(vec![(Signal::Ip, tally)], None)).0,
            Action::Allow
        );
    }

    #[test]
    fn ip_country_reviews_only_when_sent_and_foreign() {
        assert_eq!(decide(&facts(vec![], None)).0, Action::Allow);
        assert_eq!(decide(&facts(vec![], Some("co"))).0, Action::Allow);
        assert_eq!(decide(&facts(vec![], Some("PE"))).0, Action::Review);
        let mut peru = facts(vec![], Some("PE"));
        peru.network = Network::Pagoefectivo;
        peru.currency = Currency::Pen;
        assert_eq!(decide(&peru).0, Action::Allow);
    }

    #[test]
    fn block_beats_review_whatever_the_configured_order() {
        let f = facts(
            vec![(Signal::Document, open(9, 100)), (Signal::Ip, open(9, 100))],
            Some("US"),
        );
        let mut rules = default_rules();
        rules.reverse();
        assert_eq!(evaluate(&rules, &f).action, Action::Block);
    }

    #[test]
    fn a_rule_without_its_signal_never_matches() {
        // A document tally says nothing about the IP rule, and vice versa.
        assert_eq!(
            decide(&facts(vec![(Signal::Email, open(50, 100))], None)).0,
            Action::Allow
        );
    }

    #[test]
    fn amount_rules_apply_in_their_own_currency_only() {
        let rules = parse_rules(
            &serde_json::json!([{"signal": "document", "metric": "amount",
            "window": "24h", "currency": "COP", "comparison": "gte", "threshold": 300,
            "action": "review"}]),
        )
        .unwrap();
        let at = |n: usize| evaluate(&rules, &facts(vec![(Signal::Document, open(n, 100))], None));
        assert_eq!(at(1).action, Action::Allow); // 200
        assert_eq!(at(2).action, Action::Review); // 300, inclusive
        let mut soles = facts(vec![(Signal::Document, open(5, 100))], None);
        soles.currency = Currency::Pen;
        assert_eq!(evaluate(&rules, &soles).action, Action::Allow);
    }

    fn arb_rule() -> impl Strategy<Value = Rule> {
        (
            0usize..5,
            0usize..4,
            0usize..3,
            any::<bool>(),
            0i64..8,
            0usize..3,
            any::<bool>(),
        )
            .prop_map(|(s, m, w, strict, threshold, a, country)| {
                let metric = Metric::ALL[m % 3]; // counts only: amount needs a currency
                let condition = if country {
                    Condition::IpCountryNotNetwork
                } else {
                    Condition::Count {
                        signal: Signal::ALL[s],
                        metric,
                        window: Window::ALL[w],
                        currency: None,
                        comparison: if strict {
                            Comparison::Gt
                        } else {
                            Comparison::Gte
                        },
                        threshold,
                    }
                };
                Rule {
                    name: String::new(),
                    condition,
                    action: Action::ALL[a],
                }
            })
    }

    proptest! {
        /// First match wins: the decision is the action of the first matching rule once
        /// rules are ordered block → review → allow, and every earlier rule did not match.
        #[test]
        fn first_match_wins(
            rules in proptest::collection::vec(arb_rule(), 0..12)
                .prop_map(|mut rs| { for (i, r) in rs.iter_mut().enumerate() { r.name = format!("r{i}"); } rs }),
            counts in proptest::collection::vec(0usize..8, 5),
            country in proptest::option::of(prop_oneof![Just("CO"), Just("PE")]),
        ) {
            let tallies = Signal::ALL.iter().zip(&counts).map(|(s, &n)| (*s, open(n, 1))).collect();
            let f = facts(tallies, country);
            let decision = evaluate(&rules, &f);
            let rank = |a: Action| Action::ALL.iter().position(|x| *x == a).unwrap_or(3);
            let mut ordered: Vec<&Rule> = rules.iter().collect();
            ordered.sort_by_key(|r| rank(r.action)); // stable: keeps configured order
            match ordered.iter().position(|r| r.condition.matches(&f)) {
                None => prop_assert_eq!(decision, Decision { action: Action::Allow, rule: None }),
                Some(i) => {
                    prop_assert_eq!(decision.rule.as_deref(), Some(ordered[i].name.as_str()));
                    prop_assert_eq!(decision.action, ordered[i].action);
                }
            }
        }

        /// Boundaries: `gt t` first matches at t + 1 and `gte t` at t, for every window.
        #[test]
        fn thresholds_match_at_their_documented_boundary(threshold in 2i64..20, w in 0usize..3, strict: bool) {
            let comparison = if strict { Comparison::Gt } else { Comparison::Gte };
            let rule = Rule {
                name: "r".into(),
                condition: Condition::Count {
                    signal: Signal::Phone, metric: Metric::Created, window: Window::ALL[w],
                    currency: None, comparison, threshold,
                },
                action: Action::Block,
            };
            let first = if strict { threshold + 1 } else { threshold };
            // `open(n)` holds n earlier vouchers plus this one: n + 1 created.
            let at = |created: i64| evaluate(std::slice::from_ref(&rule),
                &facts(vec![(Signal::Phone, open((created - 1) as usize, 1))], None)).action;
            prop_assert_eq!(at(first), Action::Block);
            prop_assert_eq!(at(first - 1), Action::Allow);
        }
    }
}
