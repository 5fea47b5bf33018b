//! Who a voucher's money belongs to: `splits[]` (a cart with several sellers) or the
//! one-seller shorthand (`Vale-Account: acct_…` and `application_fee_amount`), parsed
//! and checked strictly. Nothing is ever booked silently to the platform: every share
//! names an account that exists, is of the platform and mode, is `enabled`, sells in the
//! voucher's currency and is within its own limits, or the voucher is refused with a
//! `400` naming the field.
//!
//! A voucher's [`Split`] keeps, per seller, its net share and the part of the
//! platform's fee attributed to it (`gross = net + fee`), so the seller's statement can
//! show what the shopper paid for its goods. With one seller the whole fee is its; with
//! several, the fee is attributed in proportion to the shares by largest remainder
//! ([`super::allocate`]). In COP every share and fee is whole pesos: cash carries none.

use super::account::{AccountLimits, AccountStatus, Country, invalid};
use super::allocate;
use crate::id::AccountId;
use crate::money::{Currency, Money};
use crate::network::Network;
use crate::voucher::{InvalidParam, is_valid_reference};
use serde_json::{Map, Value};

/// Most entries in `splits`.
pub const MAX_SPLITS: usize = 50;

/// One seller's part of a voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The seller.
    pub account: AccountId,
    /// What the seller gets, in minor units.
    pub net: i64,
    /// The platform's fee attributed to this seller's part, in minor units.
    pub fee: i64,
    /// The platform's own reference for this part.
    pub reference: Option<String>,
}

impl Share {
    /// What the shopper pays for this seller's part: net and fee.
    pub const fn gross(&self) -> i64 {
        self.net.saturating_add(self.fee)
    }
}

/// A voucher's split, checked: the sellers' shares and the platform's fee add up to the
/// voucher's amount exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// One per seller, in the request's order; no seller twice.
    pub shares: Vec<Share>,
    /// What the shares leave of the amount: the platform's.
    pub application_fee_amount: i64,
    /// The voucher's currency.
    pub currency: Currency,
}

impl Split {
    /// The one seller that has it all but the fee, whose name the voucher shows ("Pagas
    /// a {platform} por {seller}").
    pub fn sole_seller(&self) -> Option<&AccountId> {
        match self.shares.as_slice() {
            [one] => Some(&one.account),
            _ => None,
        }
    }

    /// The voucher's amount: every gross.
    pub fn amount(&self) -> i64 {
        self.shares.iter().map(Share::gross).sum()
    }
}

/// The marketplace fields of a `POST /v1/vouchers` (or `/v1/checkouts`) body, taken out
/// so the rest is checked by [`crate::voucher::NewVoucher`] as for any merchant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Taken {
    /// `splits`, as sent.
    pub splits: Option<Value>,
    /// `application_fee_amount`, as sent.
    pub application_fee_amount: Option<Value>,
    /// `split_vouchers` (checkouts only).
    pub split_vouchers: Option<Value>,
}

impl Taken {
    /// Splits `body` into the voucher body without the marketplace fields and those
    /// fields. A body that is not a JSON object is handed back unchanged (the voucher's
    /// check names it).
    ///
    /// ```
    /// use vale_shared::marketplace::split::Taken;
    /// let (rest, taken) = Taken::from_body(br#"{"amount": 100, "application_fee_amount": 10}"#);
    /// assert_eq!(rest, br#"{"amount":100}"#.to_vec());
    /// assert!(taken.application_fee_amount.is_some());
    /// ```
    pub fn from_body(body: &[u8]) -> (Vec<u8>, Taken) {
        let Ok(mut fields) = serde_json::from_slice::<Map<String, Value>>(body) else {
            return (body.to_vec(), Taken::default());
        };
        let taken = Taken {
            splits: fields.remove("splits"),
            application_fee_amount: fields.remove("application_fee_amount"),
            split_vouchers: fields.remove("split_vouchers"),
        };
        let rest = serde_json::to_vec(&fields).unwrap_or_else(|_| body.to_vec());
        (rest, taken)
    }

    /// Whether a checkout asks for one voucher per seller (`split_vouchers: true`).
    pub fn split_vouchers(&self) -> Result<bool, InvalidParam> {
        match &self.split_vouchers {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(
                "split_vouchers",
                "parameter_invalid",
                "split_vouchers must be true or false.",
            )),
        }
    }

    /// The split these fields ask for on a voucher of `amount`: the shorthand when the
    /// platform acts for one seller (`acting_for`, from `Vale-Account`), `splits`
    /// otherwise, `None` when neither (the platform's own voucher).
    ///
    /// ```
    /// use vale_shared::{Currency, Money, id::AccountId, marketplace::split::Taken};
    /// let seller = AccountId::from_random([2; 15]);
    /// let (_, taken) = Taken::from_body(br#"{"application_fee_amount": 50000}"#);
    /// let amount = Money::new(5_000_000, Currency::Cop)?;
    /// let split = taken.split(amount, Some(&seller)).unwrap().unwrap();
    /// assert_eq!(split.shares[0].net, 4_950_000);
    /// assert_eq!(split.application_fee_amount, 50_000);
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn split(
        &self,
        amount: Money,
        acting_for: Option<&AccountId>,
    ) -> Result<Option<Split>, InvalidParam> {
        let step = amount.currency().cash_step();
        let fee = self
            .application_fee_amount
            .as_ref()
            .filter(|v| !v.is_null())
            .map(|v| minor(v, "application_fee_amount", step, true))
            .transpose()?;
        let splits = self.splits.as_ref().filter(|v| !v.is_null());
        match (acting_for, splits) {
            (Some(_), Some(_)) => Err(invalid(
                "splits",
                "splits_with_account",
                "splits cannot be sent while acting for one seller (Vale-Account): the voucher is that seller's.",
            )),
            (Some(account), None) => {
                let fee = fee.unwrap_or(0);
                if fee > amount.minor() {
                    return Err(invalid(
                        "application_fee_amount",
                        "application_fee_exceeds_amount",
                        "application_fee_amount is more than amount.",
                    ));
                }
                Ok(Some(Split {
                    shares: vec![Share {
                        account: account.clone(),
                        net: amount.minor().saturating_sub(fee),
                        fee,
                        reference: None,
                    }],
                    application_fee_amount: fee,
                    currency: amount.currency(),
                }))
            }
            (None, Some(splits)) => parse_splits(splits, amount, fee).map(Some),
            (None, None) if fee.is_some() => Err(invalid(
                "application_fee_amount",
                "application_fee_without_seller",
                "application_fee_amount needs a seller: send Vale-Account or splits.",
            )),
            (None, None) => Ok(None),
        }
    }
}

/// A non-negative (or positive) whole number of minor units, in whole cash steps.
fn minor(value: &Value, param: &str, step: i64, zero_ok: bool) -> Result<i64, InvalidParam> {
    let n = value
        .as_i64()
        .filter(|n| *n > 0 || (zero_ok && *n == 0))
        .ok_or_else(|| {
            invalid(
                param,
                "amount_invalid",
                format!(
                    "{param} must be a whole number of minor units, {}.",
                    if zero_ok { "≥ 0" } else { "> 0" }
                ),
            )
        })?;
    if n % step != 0 {
        return Err(invalid(
            param,
            "amount_not_cash_exact",
            format!("{param} must be whole pesos (a multiple of 100): cash takes no centavos."),
        ));
    }
    Ok(n)
}

fn parse_splits(value: &Value, amount: Money, fee: Option<i64>) -> Result<Split, InvalidParam> {
    let step = amount.currency().cash_step();
    let items = match value {
        Value::Array(items) if !items.is_empty() && items.len() <= MAX_SPLITS => items,
        _ => {
            return Err(invalid(
                "splits",
                "parameter_invalid",
                "splits must be a list of 1 to 50 {account, amount, reference?}.",
            ));
        }
    };
    let mut parts: Vec<(AccountId, i64, Option<String>)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("splits[{i}].{field}");
        let Value::Object(fields) = item else {
            return Err(invalid(
                &format!("splits[{i}]"),
                "parameter_invalid",
                "Each split must be an object {account, amount, reference?}.",
            ));
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !["account", "amount", "reference"].contains(&k.as_str()))
        {
            return Err(invalid(
                &at(unknown),
                "parameter_unknown",
                "This parameter is not known.",
            ));
        }
        let account: AccountId = match fields.get("account") {
            Some(Value::String(s)) => s.parse().map_err(|_| {
                invalid(
                    &at("account"),
                    "account_invalid",
                    "No such account: an account id is `acct_` and 24 characters.",
                )
            })?,
            _ => {
                return Err(invalid(
                    &at("account"),
                    "parameter_missing",
                    "Each split names its account.",
                ));
            }
        };
        if parts.iter().any(|(a, _, _)| *a == account) {
            return Err(invalid(
                &at("account"),
                "account_duplicate",
                "Each seller appears once in splits: add its amounts together.",
            ));
        }
        let share = match fields.get("amount") {
            Some(v) => minor(v, &at("amount"), step, false)?,
            None => {
                return Err(invalid(
                    &at("amount"),
                    "parameter_missing",
                    "Each split has an amount.",
                ));
            }
        };
        let reference = match fields.get("reference") {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) if is_valid_reference(r) => Some(r.clone()),
            Some(_) => {
                return Err(invalid(
                    &at("reference"),
                    "reference_invalid",
                    "reference must be 1 to 64 of A-Z, a-z, 0-9, `_` and `-`.",
                ));
            }
        };
        parts.push((account, share, reference));
    }
    let total = parts
        .iter()
        .try_fold(0_i64, |sum, (_, share, _)| sum.checked_add(*share))
        .filter(|sum| *sum <= amount.minor())
        .ok_or_else(|| {
            invalid(
                "splits",
                "splits_exceed_amount",
                "The splits add up to more than amount.",
            )
        })?;
    let platform = amount.minor().saturating_sub(total);
    if fee.is_some_and(|fee| fee != platform) {
        return Err(invalid(
            "application_fee_amount",
            "application_fee_mismatch",
            format!(
                "application_fee_amount must be what the splits leave of amount ({platform}), or be left out."
            ),
        ));
    }
    let weights: Vec<i64> = parts.iter().map(|(_, share, _)| *share).collect();
    let fees = allocate::largest_remainder(platform, &weights, step).ok_or_else(|| {
        invalid(
            "splits",
            "parameter_invalid",
            "The splits cannot be divided.",
        )
    })?;
    Ok(Split {
        shares: parts
            .into_iter()
            .zip(fees)
            .map(|((account, net, reference), fee)| Share {
                account,
                net,
                fee,
                reference,
            })
            .collect(),
        application_fee_amount: platform,
        currency: amount.currency(),
    })
}

/// What the check needs to know of a seller named in a split, as the platform's
/// seller ledger holds it. The lookup answers `None` for an account of another platform
/// or that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerView {
    /// The account's mode.
    pub livemode: bool,
    /// The account's country.
    pub country: Country,
    /// Its status now.
    pub status: AccountStatus,
    /// Its own limits.
    pub limits: AccountLimits,
    /// How many of its vouchers are pending now.
    pub open_vouchers: u32,
}

/// Checks every share of `split` on a voucher of `network` in `livemode`: the account
/// exists for this platform (`lookup`) and mode (`account_invalid`), sells in the
/// voucher's currency (`account_currency_mismatch`), is enabled (`account_not_enabled`),
/// and the share is within its limits (`account_limit_exceeded`: the gross share above
/// `max_voucher_amount`, or one pending voucher more than `max_open_vouchers`).
pub fn check(
    split: &Split,
    network: Network,
    livemode: bool,
    acting_for: bool,
    lookup: impl Fn(&AccountId) -> Option<SellerView>,
) -> Result<(), InvalidParam> {
    for (i, share) in split.shares.iter().enumerate() {
        let param = if acting_for {
            "Vale-Account".to_owned()
        } else {
            format!("splits[{i}].account")
        };
        let seller = lookup(&share.account)
            .filter(|s| s.livemode == livemode)
            .ok_or_else(|| {
                invalid(
                    &param,
                    "account_invalid",
                    "No such account for this platform in this mode.",
                )
            })?;
        if !seller.country.sells_in(network, split.currency) {
            return Err(invalid(
                &param,
                "account_currency_mismatch",
                format!(
                    "A seller of {} cannot take a {} voucher in {}.",
                    seller.country.as_str(),
                    network.brand(),
                    split.currency.code()
                ),
            ));
        }
        if seller.status != AccountStatus::Enabled {
            return Err(invalid(
                &param,
                "account_not_enabled",
                format!(
                    "The account is {}: it takes no vouchers until it is enabled.",
                    seller.status.as_str()
                ),
            ));
        }
        if let Some(max) = seller.limits.max_voucher_amount
            && share.gross() > max
        {
            return Err(invalid(
                &param,
                "account_limit_exceeded",
                format!("The seller's part of this voucher is above its limit of {max}."),
            ));
        }
        if let Some(max) = seller.limits.max_open_vouchers
            && seller.open_vouchers >= max
        {
            return Err(invalid(
                &param,
                "account_limit_exceeded",
                format!("The seller already has {max} pending vouchers, its limit."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::checkout::plan_vouchers;
    use crate::network::Limits;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn acct(n: u8) -> AccountId {
        AccountId::from_random([n; 15])
    }

    fn split_of(
        body: &str,
        amount: Money,
        acting: Option<&AccountId>,
    ) -> Result<Option<Split>, InvalidParam> {
        let (_, taken) = Taken::from_body(body.as_bytes());
        taken.split(amount, acting)
    }

    fn cop(minor: i64) -> Money {
        Money::new(minor, Currency::Cop).unwrap()
    }

    fn enabled() -> SellerView {
        SellerView {
            livemode: false,
            country: Country::Co,
            status: AccountStatus::Enabled,
            limits: AccountLimits::default(),
            open_vouchers: 0,
        }
    }

    #[test]
    fn shares_and_fee_add_up_and_the_fee_is_attributed() {
        let (a, b) = (acct(1), acct(2));
        let body = format!(
            r#"{{"splits":[{{"account":"{a}","amount":3000000,"reference":"item-1"}},{{"account":"{b}","amount":1500000}}]}}"#
        );
        let split = split_of(&body, cop(5_000_000), None).unwrap().unwrap();
        assert_eq!(split.application_fee_amount, 500_000);
        let nets: Vec<_> = split.shares.iter().map(|s| (s.net, s.fee)).collect();
        assert_eq!(nets, [(3_000_000, 333_300), (1_500_000, 166_700)]);
        assert_eq!(split.amount(), 5_000_000);
        assert_eq!(split.shares[0].reference.as_deref(), Some("item-1"));
        assert_eq!(split.sole_seller(), None);
    }

    #[test]
    fn each_bad_split_is_named() {
        let a = acct(1);
        let amount = cop(5_000_000);
        let cases: Vec<(String, Option<&AccountId>, &str, &str)> = vec![
            (
                r#"{"splits":[]}"#.into(),
                None,
                "splits",
                "parameter_invalid",
            ),
            (
                r#"{"splits":{}}"#.into(),
                None,
                "splits",
                "parameter_invalid",
            ),
            (
                r#"{"splits":[1]}"#.into(),
                None,
                "splits[0]",
                "parameter_invalid",
            ),
            (
                r#"{"splits":[{"account":"vch_000000000000000000000001","amount":100}]}"#.into(),
                None,
                "splits[0].account",
                "account_invalid",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}"}}]}}"#),
                None,
                "splits[0].amount",
                "parameter_missing",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}","amount":0}}]}}"#),
                None,
                "splits[0].amount",
                "amount_invalid",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}","amount":150}}]}}"#),
                None,
                "splits[0].amount",
                "amount_not_cash_exact",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}","amount":100,"x":1}}]}}"#),
                None,
                "splits[0].x",
                "parameter_unknown",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}","amount":100,"reference":"a b"}}]}}"#),
                None,
                "splits[0].reference",
                "reference_invalid",
            ),
            (
                format!(
                    r#"{{"splits":[{{"account":"{a}","amount":100}},{{"account":"{a}","amount":100}}]}}"#
                ),
                None,
                "splits[1].account",
                "account_duplicate",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}","amount":5000100}}]}}"#),
                None,
                "splits",
                "splits_exceed_amount",
            ),
            (
                format!(
                    r#"{{"splits":[{{"account":"{a}","amount":4000000}}],"application_fee_amount":100}}"#
                ),
                None,
                "application_fee_amount",
                "application_fee_mismatch",
            ),
            (
                r#"{"application_fee_amount":100}"#.into(),
                None,
                "application_fee_amount",
                "application_fee_without_seller",
            ),
            (
                r#"{"application_fee_amount":5000100}"#.into(),
                Some(&a),
                "application_fee_amount",
                "application_fee_exceeds_amount",
            ),
            (
                r#"{"application_fee_amount":-100}"#.into(),
                Some(&a),
                "application_fee_amount",
                "amount_invalid",
            ),
            (
                format!(r#"{{"splits":[{{"account":"{a}","amount":100}}]}}"#),
                Some(&a),
                "splits",
                "splits_with_account",
            ),
        ];
        for (body, acting, param, code) in cases {
            let e = split_of(&body, amount, acting).unwrap_err();
            assert_eq!((e.param.as_str(), e.code), (param, code), "{body}");
        }
        let splits_overflow = format!(
            r#"{{"splits":[{{"account":"{a}","amount":9223372036854775800}},{{"account":"{}","amount":9223372036854775800}}]}}"#,
            acct(2)
        );
        assert_eq!(
            split_of(&splits_overflow, amount, None).unwrap_err().code,
            "splits_exceed_amount"
        );
    }

    /// Nothing is booked silently to the platform (issue #23): every seller must exist
    /// for this platform and mode, sell in the currency, be enabled and within limits.
    #[test]
    fn the_check_refuses_every_seller_that_cannot_take_its_share() {
        let a = acct(1);
        let split = split_of(
            &format!(r#"{{"splits":[{{"account":"{a}","amount":3000000}}]}}"#),
            cop(5_000_000),
            None,
        )
        .unwrap()
        .unwrap();
        let code = |view: Option<SellerView>| {
            check(&split, Network::Efecty, false, false, |_| view)
                .err()
                .map(|e| (e.param, e.code))
        };
        assert_eq!(code(Some(enabled())), None);
        let named = |c: &'static str| Some(("splits[0].account".to_owned(), c));
        assert_eq!(code(None), named("account_invalid"));
        assert_eq!(
            code(Some(SellerView {
                livemode: true,
                ..enabled()
            })),
            named("account_invalid")
        );
        assert_eq!(
            code(Some(SellerView {
                country: Country::Pe,
                ..enabled()
            })),
            named("account_currency_mismatch")
        );
        for status in [AccountStatus::Pending, AccountStatus::Disabled] {
            assert_eq!(
                code(Some(SellerView {
                    status,
                    ..enabled()
                })),
                named("account_not_enabled")
            );
        }
        let limits = |max_voucher_amount, max_open_vouchers| AccountLimits {
            max_voucher_amount,
            max_open_vouchers,
        };
        // The gross share (5,000,000 with the whole fee) is what the limit bounds.
        assert_eq!(
            code(Some(SellerView {
                limits: limits(Some(4_999_900), None),
                ..enabled()
            })),
            named("account_limit_exceeded")
        );
        assert_eq!(
            code(Some(SellerView {
                limits: limits(Some(5_000_000), None),
                ..enabled()
            })),
            None
        );
        assert_eq!(
            code(Some(SellerView {
                limits: limits(None, Some(2)),
                open_vouchers: 2,
                ..enabled()
            })),
            named("account_limit_exceeded")
        );
        assert_eq!(
            code(Some(SellerView {
                limits: limits(None, Some(2)),
                open_vouchers: 1,
                ..enabled()
            })),
            None
        );
        let e = check(&split, Network::Efecty, false, true, |_| None).unwrap_err();
        assert_eq!(e.param, "Vale-Account");
    }

    proptest! {
        #[test]
        fn splitting_never_panics(body in prop::collection::vec(any::<u8>(), 0..256), fee in any::<bool>()) {
            let (_, taken) = Taken::from_body(&body);
            let a = acct(9);
            let _ = taken.split(cop(5_000_000), fee.then_some(&a));
            let _ = taken.split_vouchers();
        }

        /// Whatever the shares, the sellers' gross parts and the fee add up to the
        /// amount, in whole pesos, and a plan per seller adds up to the cart.
        #[test]
        fn every_split_adds_up(shares in prop::collection::vec(1_i64..100_000, 1..8), extra in 0_i64..100_000) {
            let total: i64 = shares.iter().sum::<i64>() + extra;
            let items: Vec<String> = shares.iter().enumerate()
                .map(|(i, s)| format!(r#"{{"account":"{}","amount":{}}}"#, acct(i as u8 + 1), s * 100))
                .collect();
            let body = format!(r#"{{"splits":[{}]}}"#, items.join(","));
            let split = split_of(&body, cop(total * 100), None).unwrap().unwrap();
            prop_assert_eq!(split.amount(), total * 100);
            prop_assert_eq!(split.application_fee_amount, extra * 100);
            prop_assert!(split.shares.iter().all(|s| s.net % 100 == 0 && s.fee % 100 == 0 && s.fee >= 0));
            let plans = plan_vouchers(&split, Network::Efecty, Limits { min: 0, max: i64::MAX }).unwrap();
            prop_assert_eq!(plans.iter().map(|p| p.amount.minor()).sum::<i64>(), total * 100);
        }
    }
}
