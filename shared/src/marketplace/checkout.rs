//! A checkout: a cart of several sellers issued as one voucher for the whole cart, or
//! (`split_vouchers: true`) as one voucher per seller, so each stays under the agent
//! points' caps (Kasnet and Agente BCP take PEN 1,000, Tambo+ PEN 500) and each seller's
//! stock is released on its own voucher's expiry.

use super::account::invalid;
use super::split::{Split, Taken};
use crate::money::{Currency, Money};
use crate::network::{Limits, Network};
use crate::places::Chain;
use crate::voucher::InvalidParam;

/// One voucher of a checkout cut per seller (`split_vouchers: true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherPlan {
    /// What this voucher asks the shopper for: the seller's gross.
    pub amount: Money,
    /// Its split: that one seller and its part of the fee.
    pub split: Split,
    /// The chains of the network whose reported cap takes this amount (all of them
    /// when none is reported below it), so the storefront can say where it can be paid.
    pub payable_at: Vec<Chain>,
}

/// Cuts a checkout of `amount` split as `split` into one voucher per seller, each for
/// that seller's gross (its share and its part of the fee), each within the network's
/// voucher `limits` (else `400` naming `splits[i].amount`). The amounts add up to the
/// checkout's exactly.
///
/// ```
/// use vale_shared::{Currency, Money, Network, network::Limits};
/// use vale_shared::marketplace::{checkout::plan_vouchers, split::Taken};
/// let body = br#"{"splits": [{"account": "acct_000000000000000000000001", "amount": 90000},
///                            {"account": "acct_000000000000000000000002", "amount": 45000}]}"#;
/// let (_, taken) = Taken::from_body(body);
/// let amount = Money::new(150_000, Currency::Pen)?;
/// let split = taken.split(amount, None).unwrap().unwrap();
/// let limits = Limits { min: 100, max: 500_000 };
/// let plans = plan_vouchers(&split, Network::Pagoefectivo, limits).unwrap();
/// assert_eq!(plans.iter().map(|p| p.amount.minor()).collect::<Vec<_>>(), [100_000, 50_000]);
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
pub fn plan_vouchers(
    split: &Split,
    network: Network,
    limits: Limits,
) -> Result<Vec<VoucherPlan>, InvalidParam> {
    split
        .shares
        .iter()
        .enumerate()
        .map(|(i, share)| {
            let amount = Money::new(share.gross(), split.currency).map_err(|_| {
                invalid(
                    &format!("splits[{i}].amount"),
                    "amount_invalid",
                    "amount is invalid.",
                )
            })?;
            if !limits.contains(amount) {
                let code = if amount.minor() < limits.min {
                    "amount_too_small"
                } else {
                    "amount_too_large"
                };
                return Err(invalid(
                    &format!("splits[{i}].amount"),
                    code,
                    format!(
                        "This seller's voucher would be {}, outside {}'s limits {} to {}.",
                        amount.minor(),
                        network.brand(),
                        limits.min,
                        limits.max
                    ),
                ));
            }
            Ok(VoucherPlan {
                payable_at: payable_at(network, amount),
                amount,
                split: Split {
                    shares: vec![share.clone()],
                    application_fee_amount: share.fee,
                    currency: split.currency,
                },
            })
        })
        .collect()
}

/// The chains of `network` whose reported cap takes `amount` (PEN caps only: a dollar
/// CIP and Efecty's points are not filtered).
fn payable_at(network: Network, amount: Money) -> Vec<Chain> {
    Chain::ALL
        .into_iter()
        .filter(|c| c.network() == network)
        .filter(|c| {
            amount.currency() != Currency::Pen || c.cap().is_none_or(|cap| amount.minor() <= cap)
        })
        .collect()
}

/// The vouchers a `POST /v1/checkouts` of `amount` makes: its `splits` are required (a
/// checkout is a cart of sellers); with `split_vouchers: true`, one voucher per seller
/// ([`plan_vouchers`]), else one voucher for the whole cart.
///
/// ```
/// use vale_shared::{Currency, Money, Network, network::Limits};
/// use vale_shared::marketplace::{checkout::plan_checkout, split::Taken};
/// let limits = Limits { min: 100, max: 500_000 };
/// let amount = Money::new(1_000, Currency::Pen)?;
/// let (_, taken) = Taken::from_body(br#"{"split_vouchers": true}"#);
/// let e = plan_checkout(&taken, amount, Network::Pagoefectivo, limits).unwrap_err();
/// assert_eq!((e.param.as_str(), e.code), ("splits", "parameter_missing"));
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
pub fn plan_checkout(
    taken: &Taken,
    amount: Money,
    network: Network,
    limits: Limits,
) -> Result<Vec<VoucherPlan>, InvalidParam> {
    let split = taken.split(amount, None)?.ok_or_else(|| {
        invalid(
            "splits",
            "parameter_missing",
            "A checkout names its sellers in splits.",
        )
    })?;
    if taken.split_vouchers()? {
        plan_vouchers(&split, network, limits)
    } else {
        Ok(vec![VoucherPlan {
            amount,
            payable_at: payable_at(network, amount),
            split,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn acct(n: u8) -> AccountId {
        AccountId::from_random([n; 15])
    }

    fn split_of(body: &str, amount: Money) -> Split {
        Taken::from_body(body.as_bytes())
            .1
            .split(amount, None)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn a_cart_cut_per_seller_stays_under_the_agent_caps() {
        let (a, b) = (acct(1), acct(2));
        // PEN 1,800 in one voucher: only bank branches take it. Cut in two, Kasnet and
        // Agente BCP (PEN 1,000) take each.
        let body = format!(
            r#"{{"splits":[{{"account":"{a}","amount":85000}},{{"account":"{b}","amount":85000}}]}}"#
        );
        let amount = Money::new(180_000, Currency::Pen).unwrap();
        let split = split_of(&body, amount);
        let plans = plan_vouchers(
            &split,
            Network::Pagoefectivo,
            Limits {
                min: 100,
                max: 500_000,
            },
        )
        .unwrap();
        assert_eq!(plans.len(), 2);
        assert_eq!(plans.iter().map(|p| p.amount.minor()).sum::<i64>(), 180_000);
        for plan in &plans {
            assert_eq!(plan.amount.minor(), 90_000);
            assert!(plan.payable_at.contains(&Chain::Kasnet));
            assert!(!plan.payable_at.contains(&Chain::TamboPlus));
            assert_eq!(
                plan.split.sole_seller(),
                Some(&plan.split.shares[0].account)
            );
        }
        let (_, whole) = Taken::from_body(format!(r#"{{"splits":[{{"account":"{a}","amount":85000}},{{"account":"{b}","amount":85000}}],"split_vouchers":false}}"#).as_bytes());
        let one = plan_checkout(
            &whole,
            amount,
            Network::Pagoefectivo,
            Limits {
                min: 100,
                max: 500_000,
            },
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].amount, amount);
        assert!(!one[0].payable_at.contains(&Chain::Kasnet));
        assert!(one[0].payable_at.contains(&Chain::Bcp));
        let e = plan_vouchers(
            &split,
            Network::Pagoefectivo,
            Limits {
                min: 100_000,
                max: 500_000,
            },
        )
        .unwrap_err();
        assert_eq!(
            (e.param.as_str(), e.code),
            ("splits[0].amount", "amount_too_small")
        );
    }
}
