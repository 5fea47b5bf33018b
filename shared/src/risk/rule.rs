//! A risk rule is data: what it measures, the threshold and the action. Rules come from
//! merchant configuration as JSON and are parsed and checked once, at load, with errors
//! that name the rule and the field; there is no expression language.
//!
//! Two shapes:
//!
//! ```json
//! {"signal": "document", "metric": "unpaid", "window": "24h",
//!  "comparison": "gt", "threshold": 5, "action": "block"}
//! {"signal": "ip_country", "comparison": "not_network_country", "action": "review"}
//! ```
//!
//! A counted rule may carry a `currency` (required with `metric: "amount"`, whose
//! threshold is in that currency's minor units) and any rule a `name` (1–64 of
//! `[a-z0-9_]`, unique; default `{signal}_{metric}_{window}`, or `ip_country_mismatch`).

use super::signal::{Action, Comparison, Metric, Signal, Window};
use crate::money::Currency;
use serde::Deserialize;
use serde_json::Value;

/// Most rules a merchant may configure.
pub const MAX_RULES: usize = 50;

/// One validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its name: recorded with a decision and shown as a review's `reason`, never to the
    /// caller of a blocked create.
    pub name: String,
    /// When it matches.
    pub condition: Condition,
    /// What it does when it matches.
    pub action: Action,
}

/// When a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// A measure of one signal's vouchers (including the one being created) compared with
    /// a threshold. Applies only when the request carries the signal (and, for
    /// [`Metric::Amount`], when the voucher is in `currency`).
    Count {
        /// Whose vouchers.
        signal: Signal,
        /// What about them.
        metric: Metric,
        /// Over how long.
        window: Window,
        /// Only with [`Metric::Amount`]: the currency the threshold is in.
        currency: Option<Currency>,
        /// How.
        comparison: Comparison,
        /// Against what (a count, or minor units).
        threshold: i64,
    },
    /// The shopper's `risk.ip_country` is sent and is not the network's country.
    IpCountryNotNetwork,
}

/// Why a rule set was refused. The message names the rule (0-based) and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The rules are not a JSON array, or there are too many.
    #[error("risk rules must be a JSON array of at most {MAX_RULES} rules")]
    NotAList,
    /// One rule is wrong.
    #[error("risk rule {index}: {message}")]
    Invalid {
        /// Which rule, 0-based.
        index: usize,
        /// What is wrong, naming the field.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<String>,
    signal: String,
    metric: Option<String>,
    window: Option<String>,
    currency: Option<String>,
    comparison: String,
    threshold: Option<i64>,
    action: String,
}

/// The name of the one comparison an `ip_country` rule takes.
pub const NOT_NETWORK_COUNTRY: &str = "not_network_country";

fn pick<T: std::str::FromStr>(field: &str, value: &str, names: String) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("`{field}` is `{value}`; expected one of {names}"))
}

fn present<T>(field: &str, value: Option<T>) -> Result<T, String> {
    value.ok_or_else(|| format!("`{field}` is required"))
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn one(raw: Raw) -> Result<Rule, String> {
    let action: Action = pick("action", &raw.action, Action::names())?;
    let condition = if raw.signal == "ip_country" {
        if raw.comparison != NOT_NETWORK_COUNTRY {
            return Err(format!(
                "`comparison` of an ip_country rule must be `{NOT_NETWORK_COUNTRY}`"
            ));
        }
        for (field, set) in [
            ("metric", raw.metric.is_some()),
            ("window", raw.window.is_some()),
            ("currency", raw.currency.is_some()),
            ("threshold", raw.threshold.is_some()),
        ] {
            if set {
                return Err(format!("`{field}` does not apply to an ip_country rule"));
            }
        }
        Condition::IpCountryNotNetwork
    } else {
        let signal: Signal = pick(
            "signal",
            &raw.signal,
            format!("{}, ip_country", Signal::names()),
        )?;
        let metric: Metric = pick("metric", &present("metric", raw.metric)?, Metric::names())?;
        let window: Window = pick("window", &present("window", raw.window)?, Window::names())?;
        let comparison: Comparison = pick("comparison", &raw.comparison, Comparison::names())?;
        let threshold = present("threshold", raw.threshold)?;
        if threshold < 0 {
            return Err("`threshold` must be 0 or more".into());
        }
        let currency = match (metric, raw.currency) {
            (Metric::Amount, Some(c)) => {
                Some(pick::<Currency>("currency", &c, "COP, PEN, USD".into())?)
            }
            (Metric::Amount, None) => {
                return Err("`currency` is required with metric `amount`".into());
            }
            (_, Some(_)) => return Err("`currency` applies only to metric `amount`".into()),
            (_, None) => None,
        };
        Condition::Count {
            signal,
            metric,
            window,
            currency,
            comparison,
            threshold,
        }
    };
    let name = match raw.name {
        Some(name) if valid_name(&name) => name,
        Some(_) => return Err("`name` must be 1 to 64 of a-z, 0-9 and _".into()),
        None => default_name(&condition),
    };
    Ok(Rule {
        name,
        condition,
        action,
    })
}

fn default_name(condition: &Condition) -> String {
    match condition {
        Condition::Count {
            signal,
            metric,
            window,
            ..
        } => format!(
            "{}_{}_{}",
            signal.as_str(),
            metric.as_str(),
            window.as_str()
        ),
        Condition::IpCountryNotNetwork => "ip_country_mismatch".into(),
    }
}

/// Parses and checks a rule set from configuration JSON.
///
/// ```
/// use vale_shared::risk::{parse_rules, RuleError};
/// let json = serde_json::json!([{"signal": "ip", "metric": "created", "window": "1h",
///     "comparison": "gt", "threshold": 3, "action": "review"}]);
/// assert_eq!(parse_rules(&json).unwrap()[0].name, "ip_created_1h");
/// let bad = serde_json::json!([{"signal": "ip", "metric": "created", "window": "2h",
///     "comparison": "gt", "threshold": 3, "action": "review"}]);
/// assert_eq!(
///     parse_rules(&bad).unwrap_err().to_string(),
///     "risk rule 0: `window` is `2h`; expected one of 1h, 24h, 7d"
/// );
/// ```
pub fn parse_rules(json: &Value) -> Result<Vec<Rule>, RuleError> {
    let list = json.as_array().ok_or(RuleError::NotAList)?;
    if list.len() > MAX_RULES {
        return Err(RuleError::NotAList);
    }
    let mut rules: Vec<Rule> = Vec::with_capacity(list.len());
    for (index, value) in list.iter().enumerate() {
        let invalid = |message: String| RuleError::Invalid { index, message };
        let raw: Raw = Raw::deserialize(value).map_err(|e| invalid(e.to_string()))?;
        let rule = one(raw).map_err(invalid)?;
        if rules.iter().any(|r| r.name == rule.name) {
            return Err(invalid(format!(
                "another rule is already named `{}`; give one a `name`",
                rule.name
            )));
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// The rules a merchant has when its configuration names none (documented in
/// `docs/api.md`): more than 5 unpaid vouchers for one document in 24 h → block;
/// `ip_country` not the network's country → review; more than 3 vouchers per IP in an
/// hour → review.
pub fn default_rules() -> Vec<Rule> {
    vec![
        Rule {
            name: "document_unpaid_24h".into(),
            condition: Condition::Count {
                signal: Signal::Document,
                metric: Metric::Unpaid,
                window: Window::Day,
                currency: None,
                comparison: Comparison::Gt,
                threshold: 5,
            },
            action: Action::Block,
        },
        Rule {
            name: "ip_country_mismatch".into(),
            condition: Condition::IpCountryNotNetwork,
            action: Action::Review,
        },
        Rule {
            name: "ip_created_1h".into(),
            condition: Condition::Count {
                signal: Signal::Ip,
                metric: Metric::Created,
                window: Window::Hour,
                currency: None,
                comparison: Comparison::Gt,
                threshold: 3,
            },
            action: Action::Review,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn message(json: Value) -> String {
        parse_rules(&json).unwrap_err().to_string()
    }

    #[test]
    fn the_documented_defaults_parse_from_their_documented_json() {
        let json = json!([
            {"signal": "document", "metric": "unpaid", "window": "24h",
             "comparison": "gt", "threshold": 5, "action": "block"},
            {"signal": "ip_country", "comparison": "not_network_country", "action": "review"},
            {"signal": "ip", "metric": "created", "window": "1h",
             "comparison": "gt", "threshold": 3, "action": "review"}
        ]);
        assert_eq!(parse_rules(&json).unwrap(), default_rules());
    }

    #[test]
    fn errors_name_the_rule_and_the_field() {
        let ok = json!({"signal": "email", "metric": "created", "window": "7d",
            "comparison": "gte", "threshold": 10, "action": "review"});
        let with = |key: &str, value: Value| {
            let mut rule = ok.clone();
            rule[key] = value;
            json!([ok.clone(), rule])
        };
        assert_eq!(
            message(with("signal", json!("ssn"))),
            "risk rule 1: `signal` is `ssn`; expected one of email, phone, document, ip, device, ip_country"
        );
        assert_eq!(
            message(with("action", json!("deny"))),
            "risk rule 1: `action` is `deny`; expected one of block, review, allow"
        );
        assert_eq!(
            message(with("comparison", json!("lt"))),
            "risk rule 1: `comparison` is `lt`; expected one of gt, gte"
        );
        assert_eq!(
            message(with("threshold", json!(-1))),
            "risk rule 1: `threshold` must be 0 or more"
        );
        assert!(message(with("threshold", json!(1.5))).starts_with("risk rule 1: invalid type"));
        assert!(message(with("colour", json!("red"))).contains("unknown field `colour`"));
        assert_eq!(
            message(with("currency", json!("COP"))),
            "risk rule 1: `currency` applies only to metric `amount`"
        );
        assert_eq!(
            message(with("metric", json!("amount"))),
            "risk rule 1: `currency` is required with metric `amount`"
        );
        assert_eq!(
            message(json!([ok.clone(), ok.clone()])),
            "risk rule 1: another rule is already named `email_created_7d`; give one a `name`"
        );
        assert_eq!(
            message(with("name", json!("Bad Name"))),
            "risk rule 1: `name` must be 1 to 64 of a-z, 0-9 and _"
        );
        let mut no_window = ok.clone();
        no_window.as_object_mut().unwrap().remove("window");
        assert_eq!(
            message(json!([no_window])),
            "risk rule 0: `window` is required"
        );
        assert_eq!(
            message(
                json!([{"signal": "ip_country", "comparison": "not_network_country",
                "threshold": 1, "action": "review"}])
            ),
            "risk rule 0: `threshold` does not apply to an ip_country rule"
        );
        assert_eq!(
            message(json!([{"signal": "ip_country", "comparison": "gt", "action": "review"}])),
            "risk rule 0: `comparison` of an ip_country rule must be `not_network_country`"
        );
        assert_eq!(
            message(json!({"rules": []})),
            RuleError::NotAList.to_string()
        );
        assert_eq!(
            message(json!(vec![ok.clone(); MAX_RULES + 1])),
            RuleError::NotAList.to_string()
        );
    }

    #[test]
    fn an_amount_rule_keeps_its_currency_and_a_name_may_be_given() {
        let rules = parse_rules(&json!([{"name": "big_spender", "signal": "document",
            "metric": "amount", "window": "24h", "currency": "PEN",
            "comparison": "gt", "threshold": 200000, "action": "review"}]))
        .unwrap();
        assert_eq!(rules[0].name, "big_spender");
        assert!(matches!(
            rules[0].condition,
            Condition::Count {
                currency: Some(Currency::Pen),
                threshold: 200_000,
                ..
            }
        ));
        assert_eq!(parse_rules(&json!([])), Ok(vec![]));
    }
}
