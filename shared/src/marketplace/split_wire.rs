//! A voucher's split as the API shows it and as the voucher object stores it.
//!
//! - On the merchant's voucher: `splits: [{account, amount, reference}]` (each seller's
//!   net share, as the request sent it) and `application_fee_amount` (the platform's),
//!   only on a voucher that has sellers, so a voucher of a platform's own, or of any other
//!   merchant, reads exactly as before.
//! - On its display view (client secret): `seller_name` when one seller has it all but
//!   the fee, so the shopper and the cashier read "Pagas a {platform} por {seller}".
//! - Stored: every share with its net, its part of the fee and its reference, so the
//!   ledger can later book exactly what was checked when the voucher was created.

use super::split::{Share, Split};
use crate::money::Currency;
use serde_json::{Value, json};

impl Split {
    /// The `splits` of the merchant's voucher: `[{account, amount, reference}]`.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.shares
                .iter()
                .map(|s| json!({"account": s.account, "amount": s.net, "reference": s.reference}))
                .collect(),
        )
    }

    /// The stored form ([`Split::from_stored`] reads it back).
    pub fn to_stored(&self) -> Value {
        json!({
            "currency": self.currency.code(),
            "application_fee_amount": self.application_fee_amount,
            "shares": self.shares.iter().map(|s| json!({
                "account": s.account,
                "net": s.net,
                "fee": s.fee,
                "reference": s.reference,
            })).collect::<Vec<_>>(),
        })
    }

    /// Reads [`Split::to_stored`] back; `None` for anything else.
    ///
    /// ```
    /// use vale_shared::{Currency, Money, id::AccountId, marketplace::split::Taken};
    /// use vale_shared::marketplace::Split;
    /// let seller = AccountId::from_random([2; 15]);
    /// let (_, taken) = Taken::from_body(br#"{"application_fee_amount": 500}"#);
    /// let split = taken.split(Money::new(10_000, Currency::Pen)?, Some(&seller)).unwrap().unwrap();
    /// assert_eq!(Split::from_stored(&split.to_stored()), Some(split));
    /// # Ok::<(), vale_shared::MoneyError>(())
    /// ```
    pub fn from_stored(value: &Value) -> Option<Split> {
        let currency: Currency = value.get("currency")?.as_str()?.parse().ok()?;
        let application_fee_amount = value.get("application_fee_amount")?.as_i64()?;
        let shares = value
            .get("shares")?
            .as_array()?
            .iter()
            .map(|s| {
                Some(Share {
                    account: s.get("account")?.as_str()?.parse().ok()?,
                    net: s.get("net")?.as_i64()?,
                    fee: s.get("fee")?.as_i64()?,
                    reference: match s.get("reference") {
                        None | Some(Value::Null) => None,
                        Some(r) => Some(r.as_str()?.to_owned()),
                    },
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Split {
            shares,
            application_fee_amount,
            currency,
        })
    }
}

/// Adds the split to the merchant's voucher JSON (`splits`, `application_fee_amount`);
/// a voucher without sellers is left as it is.
pub fn patch_voucher(voucher: &mut Value, split: Option<&Split>) {
    if let (Some(split), Some(fields)) = (split, voucher.as_object_mut()) {
        fields.insert("splits".to_owned(), split.to_json());
        fields.insert(
            "application_fee_amount".to_owned(),
            json!(split.application_fee_amount),
        );
    }
}

/// Adds `seller_name` to a display view when one seller has it all but the fee.
pub fn patch_display(view: &mut Value, seller_name: Option<&str>) {
    if let (Some(name), Some(fields)) = (seller_name, view.as_object_mut()) {
        fields.insert("seller_name".to_owned(), json!(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountId;
    use crate::marketplace::split::Taken;
    use crate::money::Money;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn cart(body: &str, amount: i64) -> Split {
        let (_, taken) = Taken::from_body(body.as_bytes());
        taken
            .split(Money::new(amount, Currency::Cop).unwrap(), None)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn the_voucher_shows_each_net_share_and_the_platform_fee() {
        let a = AccountId::from_random([1; 15]);
        let b = AccountId::from_random([2; 15]);
        let split = cart(
            &format!(
                r#"{{"splits": [{{"account": "{a}", "amount": 600000, "reference": "item-1"}}, {{"account": "{b}", "amount": 300000}}]}}"#
            ),
            1_000_000,
        );
        let mut voucher = json!({"id": "vch_x", "amount": 1_000_000});
        patch_voucher(&mut voucher, Some(&split));
        assert_eq!(
            voucher["splits"],
            json!([
                {"account": a.as_str(), "amount": 600_000, "reference": "item-1"},
                {"account": b.as_str(), "amount": 300_000, "reference": null},
            ])
        );
        assert_eq!(voucher["application_fee_amount"], 100_000);
    }

    #[test]
    fn a_voucher_without_sellers_reads_as_before() {
        let mut voucher = json!({"id": "vch_x"});
        patch_voucher(&mut voucher, None);
        patch_display(&mut voucher, None);
        assert_eq!(voucher, json!({"id": "vch_x"}));
        patch_display(&mut voucher, Some("Café Andino"));
        assert_eq!(voucher["seller_name"], "Café Andino");
    }

    #[test]
    fn a_stored_split_that_is_not_one_is_refused() {
        assert_eq!(Split::from_stored(&json!({})), None);
        assert_eq!(
            Split::from_stored(
                &json!({"currency": "XXX", "application_fee_amount": 0, "shares": []})
            ),
            None
        );
    }

    proptest! {
        /// Any cart the parser accepts reads back from storage exactly as it was checked.
        #[test]
        fn a_stored_split_reads_back_whole(
            shares in proptest::collection::vec(1_i64..50_000, 1..8),
            fee in 0_i64..20_000,
            with_reference in any::<bool>(),
        ) {
            let items: Vec<Value> = shares.iter().enumerate().map(|(i, pesos)| {
                let id = AccountId::from_random([u8::try_from(i).unwrap_or(0); 15]);
                if with_reference {
                    json!({"account": id, "amount": pesos * 100, "reference": format!("r-{i}")})
                } else {
                    json!({"account": id, "amount": pesos * 100})
                }
            }).collect();
            let amount = (shares.iter().sum::<i64>() + fee) * 100;
            let body = json!({"splits": items}).to_string();
            let split = cart(&body, amount);
            prop_assert_eq!(split.amount(), amount);
            prop_assert_eq!(Split::from_stored(&split.to_stored()), Some(split));
        }
    }
}
