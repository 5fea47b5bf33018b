//! An [`Account`] as the seller-ledger object stores it: one JSON document holding every
//! field whole (the payout destination too, as the payout file needs it), read back
//! without checking again. Never an API object: [`Account::to_json`] is that.

use super::account::{Account, AccountLimits, Country, Document, Interval};
use crate::id::AccountId;
use crate::refund::destination::Destination;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;

impl Account {
    /// The stored form (storage only: it holds the destination whole).
    pub fn to_stored(&self) -> Value {
        json!({
            "id": self.id,
            "livemode": self.livemode,
            "display_name": self.display_name,
            "country": self.country.as_str(),
            "document_type": self.document.kind,
            "document_last4": self.document.last4,
            "email": self.email,
            "destination": self.payout_destination.as_ref().map(Destination::full),
            "interval": self.interval.as_str(),
            "max_voucher_amount": self.limits.max_voucher_amount,
            "max_open_vouchers": self.limits.max_open_vouchers,
            "metadata": self.metadata,
            "disabled": self.disabled,
            "created_at": self.created_at.unix_timestamp(),
        })
    }

    /// Reads back what [`Account::to_stored`] wrote; `None` if it is not such a document.
    pub fn from_stored(value: &Value) -> Option<Account> {
        let s = |k: &str| value.get(k).and_then(Value::as_str);
        let country: Country = s("country")?.parse().ok()?;
        let kind = country
            .document_types()
            .iter()
            .copied()
            .find(|k| Some(*k) == s("document_type"))?;
        let destination = match value.get("destination") {
            None | Some(Value::Null) => None,
            Some(d) => Some(Destination::from_stored(d)?),
        };
        let metadata: BTreeMap<String, String> =
            serde_json::from_value(value.get("metadata")?.clone()).ok()?;
        let max_open_vouchers = match value.get("max_open_vouchers") {
            None | Some(Value::Null) => None,
            Some(n) => Some(u32::try_from(n.as_u64()?).ok()?),
        };
        Some(Account {
            id: s("id")?.parse::<AccountId>().ok()?,
            livemode: value.get("livemode")?.as_bool()?,
            display_name: s("display_name")?.to_owned(),
            country,
            document: Document {
                kind,
                last4: s("document_last4")?.to_owned(),
            },
            email: s("email").map(str::to_owned),
            payout_destination: destination,
            interval: s("interval")?.parse::<Interval>().ok()?,
            limits: AccountLimits {
                max_voucher_amount: value.get("max_voucher_amount").and_then(Value::as_i64),
                max_open_vouchers,
            },
            metadata,
            disabled: value.get("disabled")?.as_bool()?,
            created_at: OffsetDateTime::from_unix_timestamp(value.get("created_at")?.as_i64()?)
                .ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::account::{AccountUpdate, NewAccount};
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn account(body: &str) -> Account {
        Account::create(
            AccountId::from_random([7; 15]),
            true,
            NewAccount::from_json(body.as_bytes()).unwrap(),
            datetime!(2026-12-07 17:00:05 UTC),
        )
    }

    /// Issue #23: what the seller ledger stores reads back as the same account, every
    /// field (a destination of each kind, limits, metadata, disabled, no e-mail).
    #[test]
    fn an_account_reads_back_from_storage_exactly() {
        let bodies = [
            r#"{"display_name":"Café Andino","country":"CO","document_type":"cc","document_number":"1020304050",
                "email":"ventas@cafe.co","payout_destination":{"type":"wallet","provider":"nequi","phone":"+57 300 123 4567"},
                "payout_schedule":{"interval":"manual"},"limits":{"max_voucher_amount":5000000,"max_open_vouchers":3},
                "metadata":{"vendor":"17"}}"#,
            r#"{"display_name":"Bodega Lima","country":"PE","document_type":"DNI","document_number":"12345678"}"#,
        ];
        for body in bodies {
            let a = account(body);
            let back = Account::from_stored(&a.to_stored()).unwrap();
            assert_eq!(back, a);
            let disabled = Account {
                disabled: true,
                ..a.clone()
            }
            .updated(AccountUpdate::default());
            assert_eq!(
                Account::from_stored(&disabled.to_stored()).unwrap(),
                disabled
            );
        }
    }

    #[test]
    fn what_is_not_a_stored_account_is_none() {
        let a = account(
            r#"{"display_name":"Bodega","country":"PE","document_type":"DNI","document_number":"12345678"}"#,
        );
        for broken in ["country", "document_type", "id", "interval", "created_at"] {
            let mut v = a.to_stored();
            v[broken] = json!("??");
            assert!(Account::from_stored(&v).is_none(), "{broken}");
        }
        let mut v = a.to_stored();
        v["document_type"] = json!("CC");
        assert!(
            Account::from_stored(&v).is_none(),
            "a CO document on a PE account"
        );
    }
}
