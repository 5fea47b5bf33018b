//! PagoEfectivo's REST API v1, the part the live adapter speaks: the authorization's
//! `hashString`, the bodies Vale sends, and the answers it reads. Pure: the edge does
//! the HTTP and passes the clock in.
//!
//! Every answer is `{"code": 100, "message": …, "data": …}` on success. Money goes out
//! as a JSON number written with exactly two decimals (`25.00`) and comes back as a
//! number or a string; either way it is read from its text, never through `f64`. A CIP
//! may come back as a number or a string. Nothing PagoEfectivo wrote is kept in an
//! error: its messages are Spanish free text for people, not for Vale's callers.
//!
//! The answers' exact shapes beyond the documented fields (the search's `status` words,
//! `operationNumber` and `paymentDate` in a search) are unverified against PagoEfectivo's
//! service; the parser names what it expects, in one place.

use crate::money::{Currency, Money};
use crate::secret::Secret;
use crate::voucher::Customer;
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

/// `userDocumentType` values PagoEfectivo takes.
pub const DOCUMENT_TYPES: [&str; 5] = ["DNI", "PAS", "LMI", "PAR", "NAN"];

/// The most CIPs one `cips/search` asks about.
pub const MAX_SEARCH: usize = 100;

/// Why an answer could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// Not JSON of the documented shape.
    #[error("the answer is not of the documented shape")]
    Malformed,
    /// JSON, but `code` is not 100.
    #[error("the answer's code is {0}, not 100")]
    Refused(i64),
    /// The CIP's amount or currency is not what was asked.
    #[error("the CIP's amount is not the one asked for")]
    AmountMismatch,
}

/// Why a voucher cannot become a CIP as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// `userEmail` is required by PagoEfectivo.
    #[error("customer.email is required for a live PagoEfectivo voucher")]
    MissingEmail,
    /// `userDocumentType` is not one of [`DOCUMENT_TYPES`].
    #[error("customer.document_type must be one of DNI, PAS, LMI, PAR or NAN")]
    DocumentType,
}

impl OrderError {
    /// The request field at fault.
    pub const fn param(self) -> &'static str {
        match self {
            OrderError::MissingEmail => "customer.email",
            OrderError::DocumentType => "customer.document_type",
        }
    }
}

/// A time as PagoEfectivo writes it: `yyyy-MM-ddTHH:mm:ss-05:00` (Lima).
///
/// ```
/// use time::macros::datetime;
/// let t = datetime!(2026-12-01 15:04:05.9 UTC);
/// assert_eq!(vale_shared::pagoefectivo::rest::lima_time(t), "2026-12-01T10:04:05-05:00");
/// ```
pub fn lima_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(offset!(-5));
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = PrimitiveDateTime::new(t.date(), t.time()).format(&format);
    // The format has only numeric fields of a valid date: it cannot fail.
    format!("{}-05:00", local.unwrap_or_default())
}

/// The merchant's API credentials.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// `idService`.
    pub id_service: &'a str,
    /// `accessKey`.
    pub access_key: &'a str,
    /// `secretKey` (the same key signs notifications).
    pub secret_key: &'a Secret,
}

/// `hashString`: the hex SHA-256 of `idService.accessKey.secretKey.dateRequest`.
pub fn hash_string(credentials: &Credentials<'_>, date_request: &str) -> String {
    let mut hash = Sha256::new();
    for (i, part) in [
        credentials.id_service,
        credentials.access_key,
        credentials.secret_key.expose(),
        date_request,
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            hash.update(b".");
        }
        hash.update(part.as_bytes());
    }
    hex::encode(hash.finalize())
}

/// The body of `POST /v1/authorizations` at `now`.
pub fn authorization_body(credentials: &Credentials<'_>, now: OffsetDateTime) -> Vec<u8> {
    let date_request = lima_time(now);
    json!({
        "accessKey": credentials.access_key,
        "idService": credentials.id_service,
        "dateRequest": date_request,
        "hashString": hash_string(credentials, &date_request),
    })
    .to_string()
    .into_bytes()
}

/// An API token and when it stops working.
#[derive(Debug, Clone)]
pub struct Token {
    /// The bearer token.
    pub token: Secret,
    /// `tokenExpires`.
    pub expires: OffsetDateTime,
}

#[derive(Deserialize)]
struct Answer<'a> {
    code: i64,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// The `data` of a successful answer.
fn data(body: &[u8]) -> Result<&RawValue, AnswerError> {
    let answer: Answer<'_> = serde_json::from_slice(body).map_err(|_| AnswerError::Malformed)?;
    if answer.code != 100 {
        return Err(AnswerError::Refused(answer.code));
    }
    answer.data.ok_or(AnswerError::Malformed)
}

/// A time PagoEfectivo wrote: RFC 3339 with an offset (`…-05:00`).
fn parse_time(text: &str) -> Result<OffsetDateTime, AnswerError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| AnswerError::Malformed)
}

/// Reads the answer of `POST /v1/authorizations`.
pub fn parse_token(body: &[u8]) -> Result<Token, AnswerError> {
    #[derive(Deserialize)]
    struct Data {
        token: String,
        #[serde(rename = "tokenExpires")]
        token_expires: String,
    }
    let data: Data = serde_json::from_str(data(body)?.get()).map_err(|_| AnswerError::Malformed)?;
    if data.token.is_empty() {
        return Err(AnswerError::Malformed);
    }
    Ok(Token {
        token: Secret::new(data.token),
        expires: parse_time(&data.token_expires)?,
    })
}

/// What a voucher asks PagoEfectivo for.
#[derive(Debug, Clone, Copy)]
pub struct CipOrder<'a> {
    /// The amount, exactly.
    pub amount: Money,
    /// `transactionCode`: the voucher id, echoed in every notification.
    pub transaction_code: &'a str,
    /// `dateExpiry`.
    pub expires_at: OffsetDateTime,
    /// `paymentConcept`: what the shopper sees the payment is for.
    pub concept: &'a str,
    /// The shopper, as the store gave it.
    pub customer: &'a Customer,
}

/// Splits a full name into (`userName`, `userLastName`): the first word, then the rest.
fn split_name(name: Option<&str>) -> (String, String) {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    match name.and_then(|n| n.split_once(char::is_whitespace)) {
        Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
        None => (name.unwrap_or("Cliente").to_owned(), "-".to_owned()),
    }
}

/// A Peruvian phone number without its country prefix: digits only.
fn local_phone(phone: Option<&str>) -> Option<String> {
    let digits: String = phone?.chars().filter(char::is_ascii_digit).collect();
    let local = digits
        .strip_prefix("51")
        .filter(|_| digits.len() > 9)
        .unwrap_or(&digits);
    (!local.is_empty()).then(|| local.to_owned())
}

/// The body of `POST /v1/cips`. The shopper's name is split at its first space
/// (`Cliente` / `-` when the store gave none); the phone loses its `+51`; a missing
/// document type is `NAN` ("no document") unless a number was given, when it must be
/// named.
pub fn cip_body(order: &CipOrder<'_>) -> Result<Vec<u8>, OrderError> {
    let customer = order.customer;
    let email = customer
        .email
        .as_deref()
        .filter(|e| !e.is_empty())
        .ok_or(OrderError::MissingEmail)?;
    let document_type = match (
        customer.document_type.as_deref(),
        customer.document_number.as_deref(),
    ) {
        (Some(t), _) => DOCUMENT_TYPES
            .into_iter()
            .find(|d| d.eq_ignore_ascii_case(t))
            .ok_or(OrderError::DocumentType)?,
        (None, Some(_)) => return Err(OrderError::DocumentType),
        (None, None) => "NAN",
    };
    let (first, last) = split_name(customer.name.as_deref());
    let mut body = serde_json::Map::new();
    let mut put = |name: &str, value: &str| {
        body.insert(name.to_owned(), value.into());
    };
    put("currency", order.amount.currency().code());
    put("amount", "AMOUNT");
    put("transactionCode", order.transaction_code);
    put("dateExpiry", &lima_time(order.expires_at));
    put("paymentConcept", order.concept);
    put("additionalData", order.transaction_code);
    put("userEmail", email);
    put("userName", &first);
    put("userLastName", &last);
    put("userDocumentType", document_type);
    put("userCodeCountry", "+51");
    put("userCountry", "PERU");
    if let Some(number) = customer.document_number.as_deref() {
        put("userDocumentNumber", number);
    }
    if let Some(phone) = local_phone(customer.phone.as_deref()) {
        put("userPhone", &phone);
    }
    let body = serde_json::Value::Object(body);
    // serde_json would write 25.0 from a float; the amount's own text goes in instead.
    let text = body
        .to_string()
        .replacen("\"AMOUNT\"", &order.amount.to_decimal_string(), 1);
    Ok(text.into_bytes())
}

/// A number or a string, as PagoEfectivo writes CIPs and amounts: its text.
fn scalar_text(raw: &RawValue) -> Result<String, AnswerError> {
    let text = raw.get();
    match serde_json::from_str::<String>(text) {
        Ok(s) => Ok(s),
        Err(_) if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !text.is_empty() => {
            Ok(text.to_owned())
        }
        Err(_) => Err(AnswerError::Malformed),
    }
}

/// A CIP PagoEfectivo issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCip {
    /// The CIP, digits only.
    pub cip: String,
    /// `cipUrl`: PagoEfectivo's own page for it.
    pub url: Option<String>,
}

/// Reads the answer of `POST /v1/cips`, checking it is the CIP asked for (`amount`,
/// currency and `transactionCode`).
pub fn parse_issued(body: &[u8], order: &CipOrder<'_>) -> Result<IssuedCip, AnswerError> {
    #[derive(Deserialize)]
    struct Data<'a> {
        #[serde(borrow)]
        cip: &'a RawValue,
        #[serde(borrow)]
        amount: &'a RawValue,
        currency: String,
        #[serde(rename = "transactionCode")]
        transaction_code: String,
        #[serde(rename = "cipUrl", default)]
        cip_url: Option<String>,
    }
    let data: Data<'_> =
        serde_json::from_str(data(body)?.get()).map_err(|_| AnswerError::Malformed)?;
    let cip = scalar_text(data.cip)?;
    if !super::is_valid_cip(&cip) || data.transaction_code != order.transaction_code {
        return Err(AnswerError::Malformed);
    }
    let currency = order.amount.currency();
    let amount = Money::parse_decimal(&scalar_text(data.amount)?, currency)
        .map_err(|_| AnswerError::Malformed)?;
    if amount != order.amount || data.currency != currency.code() {
        return Err(AnswerError::AmountMismatch);
    }
    Ok(IssuedCip {
        cip,
        url: data
            .cip_url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
    })
}

/// The body of `POST /v1/cips/search` for these CIPs (at most [`MAX_SEARCH`]).
pub fn search_body(cips: &[&str]) -> Vec<u8> {
    let data: Vec<_> = cips
        .iter()
        .take(MAX_SEARCH)
        .map(|cip| json!({ "cip": cip }))
        .collect();
    json!({ "data": data }).to_string().into_bytes()
}

/// The body of `PATCH /v1/cips/{cip}`: a new deadline.
pub fn expiry_body(expires_at: OffsetDateTime) -> Vec<u8> {
    json!({ "dateExpiry": lima_time(expires_at) })
        .to_string()
        .into_bytes()
}

/// Reads the answer of `PATCH /v1/cips/{cip}`: a success (`code` 100 with its `data`),
/// or why it is not one.
///
/// ```
/// use vale_shared::pagoefectivo::rest::{AnswerError, parse_moved};
/// assert_eq!(parse_moved(br#"{"code":100,"message":"ok","data":{"cip":"1"}}"#), Ok(()));
/// assert_eq!(parse_moved(br#"{"code":307,"message":"expiro","data":[]}"#), Err(AnswerError::Refused(307)));
/// assert_eq!(parse_moved(b"not json{"), Err(AnswerError::Malformed));
/// ```
pub fn parse_moved(body: &[u8]) -> Result<(), AnswerError> {
    data(body).map(|_| ())
}

/// What PagoEfectivo says of a CIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CipState {
    /// Not paid yet.
    Pending,
    /// Paid.
    Paid {
        /// What moved, exactly.
        amount: Money,
        /// `operationNumber`: the payment's id, the same as in its notification.
        operation_number: String,
        /// `paymentDate`.
        paid_at: Option<OffsetDateTime>,
    },
    /// Lapsed unpaid.
    Expired,
    /// Deleted (a cancel).
    Deleted,
    /// A status this parser does not know: nothing is concluded from it.
    Other,
}

/// Reads the answer of `POST /v1/cips/search`: each CIP it reports, with its state. A
/// CIP it does not know is absent.
pub fn parse_search(body: &[u8]) -> Result<Vec<(String, CipState)>, AnswerError> {
    #[derive(Deserialize)]
    struct Row<'a> {
        #[serde(borrow)]
        cip: &'a RawValue,
        status: String,
        #[serde(default)]
        currency: Option<String>,
        #[serde(borrow, default)]
        amount: Option<&'a RawValue>,
        #[serde(rename = "operationNumber", default)]
        operation_number: Option<String>,
        #[serde(rename = "paymentDate", default)]
        payment_date: Option<String>,
    }
    let rows: Vec<Row<'_>> =
        serde_json::from_str(data(body)?.get()).map_err(|_| AnswerError::Malformed)?;
    rows.into_iter()
        .map(|row| {
            let cip = scalar_text(row.cip)?;
            let state = match row.status.to_ascii_lowercase().as_str() {
                "pending" => CipState::Pending,
                "expired" => CipState::Expired,
                "deleted" => CipState::Deleted,
                "paid" => {
                    let currency = row
                        .currency
                        .as_deref()
                        .and_then(|c| c.parse::<Currency>().ok())
                        .ok_or(AnswerError::Malformed)?;
                    let amount = row.amount.ok_or(AnswerError::Malformed)?;
                    let amount = Money::parse_decimal(&scalar_text(amount)?, currency)
                        .map_err(|_| AnswerError::Malformed)?;
                    let operation_number = row
                        .operation_number
                        .filter(|o| !o.is_empty() && o.len() <= super::MAX_TOKEN_LEN)
                        .ok_or(AnswerError::Malformed)?;
                    let paid_at = row.payment_date.as_deref().map(parse_time).transpose()?;
                    CipState::Paid {
                        amount,
                        operation_number,
                        paid_at,
                    }
                }
                _ => CipState::Other,
            };
            Ok((cip, state))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pen(minor: i64) -> Money {
        Money::new(minor, Currency::Pen).unwrap()
    }

    fn credentials(secret: &Secret) -> Credentials<'_> {
        Credentials {
            id_service: "1234",
            access_key: "ak",
            secret_key: secret,
        }
    }

    #[test]
    fn the_hash_string_is_sha256_of_the_four_parts_joined_by_dots() {
        let secret = Secret::new("sk");
        let date = "2026-12-01T10:04:05-05:00";
        let expected = hex::encode(Sha256::digest(format!("1234.ak.sk.{date}")));
        assert_eq!(hash_string(&credentials(&secret), date), expected);
        let body: serde_json::Value = serde_json::from_slice(&authorization_body(
            &credentials(&secret),
            datetime!(2026-12-01 15:04:05 UTC),
        ))
        .unwrap();
        assert_eq!(body["dateRequest"], date);
        assert_eq!(body["hashString"], expected);
        assert!(
            !body.to_string().contains("\"sk\""),
            "the secret itself is never sent"
        );
    }

    #[test]
    fn a_token_answer_is_read_and_a_refusal_is_not_a_token() {
        let token = parse_token(
            br#"{"code":100,"message":"ok","data":{"token":"t0k","tokenStart":"2026-12-01T10:00:00-05:00","tokenExpires":"2026-12-01T11:00:00-05:00"}}"#,
        )
        .unwrap();
        assert_eq!(token.token.expose(), "t0k");
        assert_eq!(token.expires, datetime!(2026-12-01 16:00 UTC));
        assert_eq!(
            parse_token(br#"{"code":111,"message":"Credenciales","data":[]}"#).unwrap_err(),
            AnswerError::Refused(111)
        );
        assert_eq!(
            parse_token(b"not json{").unwrap_err(),
            AnswerError::Malformed
        );
    }

    fn customer() -> Customer {
        Customer {
            name: Some("Ana María Pérez".into()),
            email: Some("ana@example.pe".into()),
            phone: Some("+51 987 654 321".into()),
            document_type: Some("dni".into()),
            document_number: Some("44556677".into()),
        }
    }

    fn order(customer: &Customer) -> CipOrder<'_> {
        CipOrder {
            amount: pen(2500),
            transaction_code: "vch_x",
            expires_at: datetime!(2026-12-02 05:00 UTC),
            concept: "Tienda Local · Pedido 1",
            customer,
        }
    }

    #[test]
    fn a_cip_body_carries_the_exact_amount_in_lima_time_and_maps_the_shopper() {
        let c = customer();
        let text = String::from_utf8(cip_body(&order(&c)).unwrap()).unwrap();
        assert!(text.contains(r#""amount":25.00"#), "{text}");
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["dateExpiry"], "2026-12-02T00:00:00-05:00");
        assert_eq!(body["transactionCode"], "vch_x");
        assert_eq!(body["userName"], "Ana");
        assert_eq!(body["userLastName"], "María Pérez");
        assert_eq!(body["userDocumentType"], "DNI");
        assert_eq!(body["userPhone"], "987654321");
        assert_eq!(body["userCodeCountry"], "+51");
        assert_eq!(body["currency"], "PEN");
    }

    #[test]
    fn a_cip_body_needs_an_email_and_a_known_document_type() {
        let mut c = customer();
        c.document_type = Some("CE".into());
        assert_eq!(cip_body(&order(&c)).unwrap_err(), OrderError::DocumentType);
        c.document_type = None;
        assert_eq!(cip_body(&order(&c)).unwrap_err(), OrderError::DocumentType);
        c.document_number = None;
        let body: serde_json::Value =
            serde_json::from_slice(&cip_body(&order(&c)).unwrap()).unwrap();
        assert_eq!(body["userDocumentType"], "NAN");
        c.email = None;
        assert_eq!(cip_body(&order(&c)).unwrap_err(), OrderError::MissingEmail);
        let bare = Customer {
            email: Some("a@b.pe".into()),
            ..Customer::default()
        };
        let body: serde_json::Value =
            serde_json::from_slice(&cip_body(&order(&bare)).unwrap()).unwrap();
        assert_eq!(
            (&body["userName"], &body["userLastName"]),
            (&"Cliente".into(), &"-".into())
        );
    }

    #[test]
    fn an_issued_cip_is_read_as_number_or_string_and_checked_against_the_order() {
        let c = customer();
        let o = order(&c);
        let answer = |cip: &str, amount: &str, code: &str| {
            format!(
                r#"{{"code":100,"data":{{"cip":{cip},"currency":"PEN","amount":{amount},"transactionCode":"{code}","dateExpiry":"2026-12-02T00:00:00-05:00","cipUrl":"https://pe.example/c/1"}}}}"#
            )
        };
        let issued = parse_issued(answer("2583691", "25.00", "vch_x").as_bytes(), &o).unwrap();
        assert_eq!(issued.cip, "2583691");
        assert_eq!(issued.url.as_deref(), Some("https://pe.example/c/1"));
        let issued = parse_issued(answer("\"2583691\"", "25", "vch_x").as_bytes(), &o).unwrap();
        assert_eq!(issued.cip, "2583691");
        assert_eq!(
            parse_issued(answer("2583691", "25.01", "vch_x").as_bytes(), &o).unwrap_err(),
            AnswerError::AmountMismatch
        );
        for bad in [
            answer("2583691", "25.00", "vch_other"),
            answer("\"25x\"", "25.00", "vch_x"),
            answer("2583691", "2.5e1", "vch_x"),
            r#"{"code":100,"data":{}}"#.to_owned(),
            "[]".to_owned(),
        ] {
            assert_eq!(
                parse_issued(bad.as_bytes(), &o).unwrap_err(),
                AnswerError::Malformed,
                "{bad}"
            );
        }
        assert_eq!(
            parse_issued(br#"{"code":400,"message":"x","data":[]}"#, &o).unwrap_err(),
            AnswerError::Refused(400)
        );
    }

    #[test]
    fn a_search_reports_each_cip_and_a_paid_one_needs_its_operation() {
        let rows = parse_search(br#"{"code":100,"data":[
            {"cip":"1111111","status":"pending","currency":"PEN","amount":"25.00"},
            {"cip":2222222,"status":"paid","currency":"PEN","amount":"25.00","operationNumber":"op-9","paymentDate":"2026-12-01T10:11:12-05:00"},
            {"cip":"3333333","status":"expired"},
            {"cip":"4444444","status":"deleted"},
            {"cip":"5555555","status":"Extornado"}]}"#).unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0], ("1111111".into(), CipState::Pending));
        assert_eq!(
            rows[1],
            (
                "2222222".into(),
                CipState::Paid {
                    amount: pen(2500),
                    operation_number: "op-9".into(),
                    paid_at: Some(datetime!(2026-12-01 15:11:12 UTC)),
                }
            )
        );
        assert_eq!(rows[2].1, CipState::Expired);
        assert_eq!(rows[3].1, CipState::Deleted);
        assert_eq!(rows[4].1, CipState::Other);
        assert_eq!(
            parse_search(br#"{"code":100,"data":[{"cip":"2","status":"paid","currency":"PEN","amount":"25.00"}]}"#).unwrap_err(),
            AnswerError::Malformed
        );
        let body: serde_json::Value = serde_json::from_slice(&search_body(&["1", "2"])).unwrap();
        assert_eq!(body, json!({"data": [{"cip": "1"}, {"cip": "2"}]}));
    }
}
