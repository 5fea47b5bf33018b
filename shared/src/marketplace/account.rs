//! A seller's account (`acct_…`) on a marketplace platform: the platform's
//! `POST /v1/accounts` body and its later updates, checked field by field so a `400`
//! names the parameter; what is still due and the status that follows from it; and the
//! account object as the API shows it.
//!
//! The seller's own identity document is never kept whole: only its type and last four
//! characters are stored ([`Document`]), and the API shows `••••1234`. Its payout
//! destination is the refund destination schema of the account's country
//! ([`crate::refund::destination`]); it is stored whole because the payout file the
//! platform's bank reads needs it whole, and every API object shows it masked.

use super::wire_enum;
use crate::id::AccountId;
use crate::money::Currency;
use crate::network::Network;
use crate::refund::destination::{self, Destination};
use crate::voucher::InvalidParam;
use crate::voucher::create::{fields, optional_str, parse_metadata, required_str};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Longest `display_name`, in characters: it is printed on the voucher after
/// "Pagas a {platform} por ".
pub const MAX_DISPLAY_NAME: usize = 60;
const MAX_EMAIL: usize = 200;

pub(super) fn invalid(param: &str, code: &'static str, message: impl Into<String>) -> InvalidParam {
    InvalidParam {
        param: param.to_owned(),
        code,
        message: message.into(),
    }
}

wire_enum!(
    /// The seller's country: it fixes the currency, the network and the document and
    /// destination rules.
    Country {
        /// Colombia: Efecty, COP.
        Co => "CO",
        /// Peru: PagoEfectivo, PEN.
        Pe => "PE",
    }
);

impl Country {
    /// The destination and document rules of this country.
    pub const fn rules(self) -> destination::Country {
        match self {
            Country::Co => destination::Country::Colombia,
            Country::Pe => destination::Country::Peru,
        }
    }

    /// Whether a voucher of `network` in `currency` may pay a seller of this country: its
    /// own network in its own currency (a seller's balance is kept in one currency).
    ///
    /// ```
    /// use vale_shared::{Currency, Network, marketplace::Country};
    /// assert!(Country::Co.sells_in(Network::Efecty, Currency::Cop));
    /// assert!(!Country::Pe.sells_in(Network::Efecty, Currency::Cop));
    /// assert!(Country::Pe.sells_in(Network::Pagoefectivo, Currency::Pen));
    /// assert!(!Country::Pe.sells_in(Network::Pagoefectivo, Currency::Usd));
    /// ```
    pub const fn sells_in(self, network: Network, currency: Currency) -> bool {
        matches!(
            (self, network, currency),
            (Country::Co, Network::Efecty, Currency::Cop)
                | (Country::Pe, Network::Pagoefectivo, Currency::Pen)
        )
    }

    /// The currency a seller of this country is paid and keeps its balance in.
    pub const fn currency(self) -> Currency {
        match self {
            Country::Co => Currency::Cop,
            Country::Pe => Currency::Pen,
        }
    }

    /// The document types a seller of this country may identify with.
    pub const fn document_types(self) -> &'static [&'static str] {
        match self {
            Country::Co => &["CC", "CE", "NIT", "PAS", "PEP"],
            Country::Pe => &["DNI", "RUC", "CE", "PAS"],
        }
    }
}

wire_enum!(
    /// Where an account is: `enabled` once nothing is currently due.
    AccountStatus {
        /// Something is currently due ([`Requirement`]): no vouchers, no payouts.
        Pending => "pending",
        /// Takes vouchers and gets payouts.
        Enabled => "enabled",
        /// The platform disabled it: no new vouchers, no payouts.
        Disabled => "disabled",
    }
);

wire_enum!(
    /// What an account may still need before it is enabled.
    Requirement {
        /// Where its payouts go.
        PayoutDestination => "payout_destination",
    }
);

wire_enum!(
    /// How often an enabled seller's available balance is paid out.
    Interval {
        /// At the end of every Lima/Bogotá day.
        Daily => "daily",
        /// At the end of every Monday.
        Weekly => "weekly",
        /// Only when the platform asks (`POST /v1/payouts`).
        Manual => "manual",
    }
);

/// The seller's identity document as stored: its type and last four characters, never
/// the whole number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// One of [`Country::document_types`].
    pub kind: &'static str,
    /// The last four characters of the normalised number.
    pub last4: String,
}

impl Document {
    /// Checks `number` as a document of `kind` in `country` and keeps only its last four.
    fn parse(country: Country, kind: &str, number: &str) -> Result<Document, InvalidParam> {
        let kind = country
            .document_types()
            .iter()
            .copied()
            .find(|k| k.eq_ignore_ascii_case(kind))
            .ok_or_else(|| {
                invalid(
                    "document_type",
                    "document_type_invalid",
                    format!(
                        "document_type must be one of {} for country {}.",
                        country.document_types().join(", "),
                        country.as_str()
                    ),
                )
            })?;
        let whole = destination::document(country.rules(), kind, number).map_err(|message| {
            invalid(
                "document_number",
                "document_number_invalid",
                format!("document_number {message}."),
            )
        })?;
        let skip = whole.chars().count().saturating_sub(4);
        Ok(Document {
            kind,
            last4: whole.chars().skip(skip).collect(),
        })
    }

    /// As the API shows it: `••••1234`.
    pub fn masked(&self) -> String {
        format!("••••{}", self.last4)
    }
}

/// A seller's own limits, beyond the platform's (`limits` on the account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountLimits {
    /// The largest share of one voucher the seller may take, in minor units of its
    /// currency.
    pub max_voucher_amount: Option<i64>,
    /// How many of its vouchers may be pending at once.
    pub max_open_vouchers: Option<u32>,
}

/// A `POST /v1/accounts` body that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Shown on vouchers and at the counter.
    pub display_name: String,
    /// The seller's country.
    pub country: Country,
    /// The seller's document, masked.
    pub document: Document,
    /// A contact e-mail.
    pub email: Option<String>,
    /// Where its payouts go.
    pub payout_destination: Option<Destination>,
    /// How often it is paid out (default daily).
    pub interval: Interval,
    /// Its own limits.
    pub limits: AccountLimits,
    /// The platform's keys and values.
    pub metadata: BTreeMap<String, String>,
}

/// A `POST /v1/accounts/{id}` body that passed every check: `None` leaves a field as
/// it is. `country` never changes; the document changes only as a pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountUpdate {
    /// A new display name.
    pub display_name: Option<String>,
    /// A new document.
    pub document: Option<Document>,
    /// A new e-mail (`Some(None)`: removed).
    pub email: Option<Option<String>>,
    /// A new payout destination.
    pub payout_destination: Option<Destination>,
    /// A new schedule.
    pub interval: Option<Interval>,
    /// New limits (replacing the old ones whole).
    pub limits: Option<AccountLimits>,
    /// New metadata (replacing the old whole).
    pub metadata: Option<BTreeMap<String, String>>,
}

impl NewAccount {
    /// Checks a `POST /v1/accounts` body.
    ///
    /// ```
    /// use vale_shared::marketplace::{Country, NewAccount};
    /// let body = r#"{"display_name": "Café Andino", "country": "CO",
    ///                "document_type": "CC", "document_number": "1020304050"}"#;
    /// let account = NewAccount::from_json(body.as_bytes())?;
    /// assert_eq!(account.country, Country::Co);
    /// assert_eq!(account.document.masked(), "••••4050");
    /// let bad = br#"{"display_name": "Cafe", "country": "CO", "document_type": "DNI", "document_number": "12345678"}"#;
    /// assert_eq!(NewAccount::from_json(bad).unwrap_err().param, "document_type");
    /// # Ok::<(), vale_shared::voucher::InvalidParam>(())
    /// ```
    pub fn from_json(body: &[u8]) -> Result<NewAccount, InvalidParam> {
        const KNOWN: [&str; 9] = [
            "display_name",
            "country",
            "document_type",
            "document_number",
            "email",
            "payout_destination",
            "payout_schedule",
            "limits",
            "metadata",
        ];
        let fields = fields(body, &KNOWN)?;
        let country: Country = required_str(&fields, "country")?
            .parse()
            .map_err(|()| invalid("country", "country_invalid", "country must be CO or PE."))?;
        let display_name = display_name(required_str(&fields, "display_name")?)?;
        let document = Document::parse(
            country,
            required_str(&fields, "document_type")?,
            required_str(&fields, "document_number")?,
        )?;
        Ok(NewAccount {
            display_name,
            country,
            document,
            email: email(&fields)?.flatten(),
            payout_destination: payout_destination(&fields, country)?,
            interval: schedule(&fields)?.unwrap_or(Interval::Daily),
            limits: limits(&fields)?.unwrap_or_default(),
            metadata: parse_metadata(fields.get("metadata"))?,
        })
    }
}

impl AccountUpdate {
    /// Checks a `POST /v1/accounts/{id}` body for an account of `country`.
    ///
    /// ```
    /// use vale_shared::marketplace::{AccountUpdate, Country};
    /// let update = AccountUpdate::from_json(br#"{"payout_schedule": {"interval": "weekly"}}"#, Country::Pe)?;
    /// assert!(update.interval.is_some());
    /// let err = AccountUpdate::from_json(br#"{"country": "CO"}"#, Country::Pe).unwrap_err();
    /// assert_eq!((err.param.as_str(), err.code), ("country", "parameter_immutable"));
    /// # Ok::<(), vale_shared::voucher::InvalidParam>(())
    /// ```
    pub fn from_json(body: &[u8], country: Country) -> Result<AccountUpdate, InvalidParam> {
        const KNOWN: [&str; 9] = [
            "display_name",
            "country",
            "document_type",
            "document_number",
            "email",
            "payout_destination",
            "payout_schedule",
            "limits",
            "metadata",
        ];
        let fields = fields(body, &KNOWN)?;
        if fields.contains_key("country") {
            return Err(invalid(
                "country",
                "parameter_immutable",
                "An account's country cannot change: create another account.",
            ));
        }
        let document = match (
            optional_str(&fields, "document_type")?,
            optional_str(&fields, "document_number")?,
        ) {
            (None, None) => None,
            (Some(kind), Some(number)) => Some(Document::parse(country, kind, number)?),
            (None, Some(_)) => return Err(missing("document_type")),
            (Some(_), None) => return Err(missing("document_number")),
        };
        Ok(AccountUpdate {
            display_name: optional_str(&fields, "display_name")?
                .map(display_name)
                .transpose()?,
            document,
            email: email(&fields)?,
            payout_destination: payout_destination(&fields, country)?,
            interval: schedule(&fields)?,
            limits: limits(&fields)?,
            metadata: match fields.get("metadata") {
                None => None,
                value => Some(parse_metadata(value)?),
            },
        })
    }
}

fn missing(param: &str) -> InvalidParam {
    invalid(
        param,
        "parameter_missing",
        format!("{param} is required with the other half of the document."),
    )
}

fn display_name(text: &str) -> Result<String, InvalidParam> {
    let trimmed = text.trim();
    let count = trimmed.chars().count();
    if !(1..=MAX_DISPLAY_NAME).contains(&count) || trimmed.chars().any(char::is_control) {
        return Err(invalid(
            "display_name",
            "display_name_invalid",
            "display_name must be 1 to 60 characters, with no control characters.",
        ));
    }
    Ok(trimmed.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `None`: not given; `Some(None)`: given as `null` (removed).
fn email(fields: &Map<String, Value>) -> Result<Option<Option<String>>, InvalidParam> {
    match fields.get("email") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(e))
            if e.contains('@')
                && e.chars().count() <= MAX_EMAIL
                && !e.contains(char::is_whitespace) =>
        {
            Ok(Some(Some(e.clone())))
        }
        Some(_) => Err(invalid(
            "email",
            "email_invalid",
            "email must be an e-mail address of at most 200 characters.",
        )),
    }
}

fn payout_destination(
    fields: &Map<String, Value>,
    country: Country,
) -> Result<Option<Destination>, InvalidParam> {
    match fields.get("payout_destination") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => Destination::parse(country.rules(), value)
            .map(Some)
            .map_err(|e| {
                let param = e.field.replacen("destination", "payout_destination", 1);
                let message = format!("{param} {}.", e.message);
                InvalidParam {
                    param,
                    code: "payout_destination_invalid",
                    message,
                }
            }),
    }
}

fn object<'a>(
    fields: &'a Map<String, Value>,
    param: &str,
    known: &[&str],
) -> Result<Option<&'a Map<String, Value>>, InvalidParam> {
    let inner = match fields.get(param) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(inner)) => inner,
        Some(_) => {
            return Err(invalid(
                param,
                "parameter_invalid",
                format!("{param} must be an object."),
            ));
        }
    };
    if let Some(unknown) = inner.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(
            &format!("{param}.{unknown}"),
            "parameter_unknown",
            "This parameter is not known.",
        ));
    }
    Ok(Some(inner))
}

fn schedule(fields: &Map<String, Value>) -> Result<Option<Interval>, InvalidParam> {
    let Some(inner) = object(fields, "payout_schedule", &["interval"])? else {
        return Ok(None);
    };
    match inner.get("interval") {
        Some(Value::String(s)) => s.parse().map(Some).map_err(|()| {
            invalid(
                "payout_schedule.interval",
                "interval_invalid",
                "payout_schedule.interval must be daily, weekly or manual.",
            )
        }),
        _ => Err(invalid(
            "payout_schedule.interval",
            "parameter_missing",
            "payout_schedule.interval is required: daily, weekly or manual.",
        )),
    }
}

fn limits(fields: &Map<String, Value>) -> Result<Option<AccountLimits>, InvalidParam> {
    let Some(inner) = object(
        fields,
        "limits",
        &["max_voucher_amount", "max_open_vouchers"],
    )?
    else {
        return Ok(None);
    };
    let positive = |name: &str| -> Result<Option<i64>, InvalidParam> {
        match inner.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v > 0) => Ok(n.as_i64()),
            Some(_) => Err(invalid(
                &format!("limits.{name}"),
                "limit_invalid",
                format!("limits.{name} must be a positive whole number."),
            )),
        }
    };
    let max_open_vouchers = positive("max_open_vouchers")?
        .map(|n| {
            u32::try_from(n).map_err(|_| {
                invalid(
                    "limits.max_open_vouchers",
                    "limit_invalid",
                    "limits.max_open_vouchers is too large.",
                )
            })
        })
        .transpose()?;
    Ok(Some(AccountLimits {
        max_voucher_amount: positive("max_voucher_amount")?,
        max_open_vouchers,
    }))
}

/// An account as stored (what the seller-ledger object keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `acct_…`.
    pub id: AccountId,
    /// The mode of the key that created it: it never meets the other mode.
    pub livemode: bool,
    /// Shown on vouchers and at the counter.
    pub display_name: String,
    /// The seller's country.
    pub country: Country,
    /// Masked.
    pub document: Document,
    /// A contact e-mail.
    pub email: Option<String>,
    /// Where payouts go (stored whole, shown masked).
    pub payout_destination: Option<Destination>,
    /// How often it is paid out.
    pub interval: Interval,
    /// Its own limits.
    pub limits: AccountLimits,
    /// The platform's keys and values.
    pub metadata: BTreeMap<String, String>,
    /// Whether the platform disabled it (`POST /v1/accounts/{id}/disable`).
    pub disabled: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

impl Account {
    /// The account a checked create makes.
    pub fn create(
        id: AccountId,
        livemode: bool,
        new: NewAccount,
        created_at: OffsetDateTime,
    ) -> Account {
        Account {
            id,
            livemode,
            display_name: new.display_name,
            country: new.country,
            document: new.document,
            email: new.email,
            payout_destination: new.payout_destination,
            interval: new.interval,
            limits: new.limits,
            metadata: new.metadata,
            disabled: false,
            created_at,
        }
    }

    /// The account after a checked update.
    pub fn updated(mut self, update: AccountUpdate) -> Account {
        if let Some(name) = update.display_name {
            self.display_name = name;
        }
        if let Some(document) = update.document {
            self.document = document;
        }
        if let Some(email) = update.email {
            self.email = email;
        }
        if let Some(destination) = update.payout_destination {
            self.payout_destination = Some(destination);
        }
        if let Some(interval) = update.interval {
            self.interval = interval;
        }
        if let Some(limits) = update.limits {
            self.limits = limits;
        }
        if let Some(metadata) = update.metadata {
            self.metadata = metadata;
        }
        self
    }

    /// What is still due before it can be enabled, in the contract's order.
    pub fn currently_due(&self) -> Vec<Requirement> {
        Requirement::ALL
            .iter()
            .copied()
            .filter(|r| match r {
                Requirement::PayoutDestination => self.payout_destination.is_none(),
            })
            .collect()
    }

    /// Its status: `disabled` once the platform disabled it, else `enabled` exactly when
    /// nothing is currently due, else `pending`.
    pub fn status(&self) -> AccountStatus {
        if self.disabled {
            AccountStatus::Disabled
        } else if self.currently_due().is_empty() {
            AccountStatus::Enabled
        } else {
            AccountStatus::Pending
        }
    }

    /// The currency its balance is kept in.
    pub const fn currency(&self) -> Currency {
        self.country.currency()
    }

    /// What the split check needs of it, given how many of its vouchers are pending.
    pub fn seller_view(&self, open_vouchers: u32) -> crate::marketplace::split::SellerView {
        crate::marketplace::split::SellerView {
            livemode: self.livemode,
            country: self.country,
            status: self.status(),
            limits: self.limits,
            open_vouchers,
        }
    }

    /// What the payout run needs of it.
    pub fn payout_seller(&self) -> crate::marketplace::ledger::PayoutSeller {
        crate::marketplace::ledger::PayoutSeller {
            account: self.id.clone(),
            status: self.status(),
            interval: self.interval,
            currency: self.currency(),
        }
    }

    /// The account object of the API: the document and the destination masked.
    pub fn to_json(&self) -> Value {
        let created_at = self
            .created_at
            .to_offset(time::macros::offset!(-5))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let limits = json!({
            "max_voucher_amount": self.limits.max_voucher_amount,
            "max_open_vouchers": self.limits.max_open_vouchers,
        });
        json!({
            "id": self.id,
            "object": "account",
            "livemode": self.livemode,
            "display_name": self.display_name,
            "country": self.country.as_str(),
            "document_type": self.document.kind,
            "document_number": self.document.masked(),
            "email": self.email,
            "payout_destination": self.payout_destination.as_ref().map(Destination::masked),
            "payout_schedule": {"interval": self.interval.as_str()},
            "status": self.status().as_str(),
            "requirements": {
                "currently_due": self.currently_due().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            },
            "limits": limits,
            "metadata": self.metadata,
            "created_at": created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const CO: &str = r#""display_name":"Café Andino","country":"CO","document_type":"CC","document_number":"1020304050""#;
    const NEQUI: &str = r#"{"type":"wallet","provider":"nequi","phone":"+57 300 123 4567"}"#;

    fn param_of(body: &str) -> (String, &'static str) {
        let e = NewAccount::from_json(body.as_bytes()).unwrap_err();
        (e.param, e.code)
    }

    fn account(body: &str) -> Account {
        let new = NewAccount::from_json(body.as_bytes()).unwrap();
        Account::create(
            AccountId::from_random([1; 15]),
            false,
            new,
            datetime!(2026-12-07 17:00 UTC),
        )
    }

    #[test]
    fn an_account_without_a_payout_destination_is_pending_until_it_has_one() {
        let a = account(&format!("{{{CO}}}"));
        assert_eq!(a.currently_due(), vec![Requirement::PayoutDestination]);
        assert_eq!(a.status(), AccountStatus::Pending);
        let update = AccountUpdate::from_json(
            format!(r#"{{"payout_destination":{NEQUI}}}"#).as_bytes(),
            a.country,
        )
        .unwrap();
        let a = a.updated(update);
        assert!(a.currently_due().is_empty());
        assert_eq!(a.status(), AccountStatus::Enabled);
        assert_eq!(a.seller_view(3).status, AccountStatus::Enabled);
        assert_eq!(a.payout_seller().currency, Currency::Cop);
        let a = Account {
            disabled: true,
            ..a
        };
        assert_eq!(a.status(), AccountStatus::Disabled);
        assert_eq!(a.seller_view(0).status, AccountStatus::Disabled);
    }

    /// The seller's document is never stored or shown whole (issue #23).
    #[test]
    fn the_document_is_kept_and_shown_only_masked() {
        let a = account(&format!(r#"{{{CO},"payout_destination":{NEQUI}}}"#));
        assert_eq!(a.document.last4, "4050");
        let json = a.to_json();
        let text = json.to_string();
        assert!(!text.contains("1020304050"), "{text}");
        assert!(!text.contains("3001234567"), "{text}");
        assert_eq!(json["document_number"], "••••4050");
        assert_eq!(json["status"], "enabled");
        assert_eq!(json["requirements"]["currently_due"], json!([]));
        assert_eq!(json["payout_schedule"]["interval"], "daily");
        assert_eq!(json["created_at"], "2026-12-07T12:00:00-05:00");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: &[(String, &str, &str)] = &[
            ("nope".into(), "body", "body_invalid"),
            (format!(r#"{{{CO},"x":1}}"#), "x", "parameter_unknown"),
            (
                r#"{"country":"CO","document_type":"CC","document_number":"1020304050"}"#.into(),
                "display_name",
                "parameter_missing",
            ),
            (
                r#"{"display_name":"A","country":"BR","document_type":"CC","document_number":"1020304050"}"#.into(),
                "country",
                "country_invalid",
            ),
            (
                r#"{"display_name":"A","country":"PE","document_type":"CC","document_number":"1020304050"}"#.into(),
                "document_type",
                "document_type_invalid",
            ),
            (
                r#"{"display_name":"A","country":"PE","document_type":"RUC","document_number":"20100047219"}"#.into(),
                "document_number",
                "document_number_invalid",
            ),
            (
                r#"{"display_name":"","country":"CO","document_type":"CC","document_number":"1020304050"}"#.into(),
                "display_name",
                "display_name_invalid",
            ),
            (format!(r#"{{{CO},"email":"nope"}}"#), "email", "email_invalid"),
            (
                format!(r#"{{{CO},"payout_destination":{{"type":"wallet","provider":"yape","phone":"+51987654321"}}}}"#),
                "payout_destination.provider",
                "payout_destination_invalid",
            ),
            (
                format!(r#"{{{CO},"payout_schedule":{{"interval":"monthly"}}}}"#),
                "payout_schedule.interval",
                "interval_invalid",
            ),
            (
                format!(r#"{{{CO},"payout_schedule":{{"every":"day"}}}}"#),
                "payout_schedule.every",
                "parameter_unknown",
            ),
            (
                format!(r#"{{{CO},"limits":{{"max_voucher_amount":0}}}}"#),
                "limits.max_voucher_amount",
                "limit_invalid",
            ),
            (
                format!(r#"{{{CO},"limits":{{"max_open_vouchers":1.5}}}}"#),
                "limits.max_open_vouchers",
                "limit_invalid",
            ),
            (format!(r#"{{{CO},"metadata":{{"k":1}}}}"#), "metadata.k", "metadata_invalid"),
        ];
        for (body, param, code) in cases {
            assert_eq!(param_of(body), ((*param).to_owned(), *code), "{body}");
        }
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let a = account(&format!(
            r#"{{{CO},"email":"ana@example.co","limits":{{"max_voucher_amount":100000000}}}}"#
        ));
        let u = AccountUpdate::from_json(
            r#"{"display_name":"Café  Andino 2","email":null}"#.as_bytes(),
            a.country,
        )
        .unwrap();
        let b = a.clone().updated(u);
        assert_eq!(b.display_name, "Café Andino 2");
        assert_eq!(b.email, None);
        assert_eq!(b.limits, a.limits);
        assert_eq!(b.document, a.document);
        for (body, param) in [
            (r#"{"document_number":"1020304051"}"#, "document_type"),
            (r#"{"document_type":"CE"}"#, "document_number"),
        ] {
            let e = AccountUpdate::from_json(body.as_bytes(), a.country).unwrap_err();
            assert_eq!(e.param, param, "{body}");
        }
    }

    proptest! {
        #[test]
        fn create_and_update_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = NewAccount::from_json(&body);
            let _ = AccountUpdate::from_json(&body, Country::Co);
        }

        /// Whatever the number, only its last four characters are ever kept.
        #[test]
        fn only_four_characters_of_a_document_survive(n in "[0-9]{6,10}") {
            let body = format!(r#"{{"display_name":"A","country":"CO","document_type":"CC","document_number":"{n}"}}"#);
            let new = NewAccount::from_json(body.as_bytes()).unwrap();
            prop_assert_eq!(new.document.last4.len(), 4);
            prop_assert!(n.ends_with(&new.document.last4));
        }
    }
}
