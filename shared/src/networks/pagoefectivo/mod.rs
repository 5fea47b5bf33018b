//! PagoEfectivo (Peru): the CIP payment code, the `PE-Signature` on notifications, and
//! the notification body, parsed strictly and built for the sandbox simulator.
//!
//! `PE-Signature` is the hex HMAC-SHA256 of the raw body under the merchant's secret
//! key. No timestamp is signed, so replays are stopped by the caller's dedupe on
//! `operationNumber` and the voucher's state, not here. Verify the raw bytes first,
//! then parse them with [`parse_notification`]; never the other way round.
//!
//! Amounts arrive as JSON decimals (`"amount": 25.00`). They are read from the
//! number's own text ([`serde_json::value::RawValue`]) into integer minor units, so no
//! float ever holds money.

pub mod rest;

mod rules;
pub use rules::PagoEfectivo;

use crate::barcode::{Barcode, BarcodeError, Symbology, code128};
use crate::money::{Currency, Money};
use crate::secret::Secret;
use crate::webhook::MAX_BODY;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

type HmacSha256 = Hmac<Sha256>;

/// Digits in a CIP from [`cip_from_random`].
pub const CIP_LEN: usize = 10;

/// The fewest digits accepted in a CIP. Live CIPs are shorter than ours (seven or eight
/// digits are common); the exact range is unverified, so the check is loose.
pub const MIN_CIP_LEN: usize = 5;

/// The most digits accepted in a CIP.
pub const MAX_CIP_LEN: usize = 20;

/// The longest `operationNumber` or `transactionCode` accepted.
pub const MAX_TOKEN_LEN: usize = 64;

/// Why a `PE-Signature` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The merchant's secret key is empty: anyone could sign.
    #[error("the PagoEfectivo secret key is empty")]
    EmptySecret,
    /// The body is larger than [`MAX_BODY`].
    #[error("the body is larger than 64 KiB")]
    BodyTooLarge,
    /// The header is not exactly 64 hexadecimal digits.
    #[error("the PE-Signature header is not 64 hexadecimal digits")]
    MalformedHeader,
    /// The signature does not match the body.
    #[error("the PE-Signature does not match the body")]
    Mismatch,
}

/// Why a notification body was refused.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// The body is larger than [`MAX_BODY`].
    #[error("the body is larger than 64 KiB")]
    BodyTooLarge,
    /// The body is not JSON of the notification's shape (a field missing, of the wrong
    /// type or repeated).
    #[error("the body is not a PagoEfectivo notification: {0}")]
    Malformed(#[source] serde_json::Error),
    /// `eventType` is neither `cip.paid` nor `cip.expired`.
    #[error("unknown eventType")]
    UnknownEventType,
    /// `data.currency` is neither `PEN` nor `USD`.
    #[error("unsupported currency")]
    UnsupportedCurrency,
    /// `data.amount` is not a positive JSON decimal with at most two fraction digits.
    #[error("data.amount is not a positive decimal with at most two fraction digits")]
    InvalidAmount,
    /// A field, named by its JSON path, is missing although the event needs it.
    #[error("{0} is missing")]
    MissingField(&'static str),
    /// A field, named by its JSON path, has an invalid value.
    #[error("{0} is invalid")]
    InvalidField(&'static str),
}

/// What happened to a CIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `cip.paid`: the shopper paid.
    CipPaid,
    /// `cip.expired`: the CIP lapsed unpaid.
    CipExpired,
}

impl EventType {
    /// The wire name, such as `"cip.paid"`.
    ///
    /// ```
    /// assert_eq!(vale_shared::pagoefectivo::EventType::CipPaid.as_str(), "cip.paid");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::CipPaid => "cip.paid",
            EventType::CipExpired => "cip.expired",
        }
    }

    fn from_wire(s: &str) -> Option<Self> {
        [EventType::CipPaid, EventType::CipExpired]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// A parsed, validated PagoEfectivo notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `eventType`.
    pub event_type: EventType,
    /// `operationNumber`: PagoEfectivo's id of this operation, the dedupe key.
    pub operation_number: String,
    /// `data.cip`: finds the voucher.
    pub cip: String,
    /// `data.amount` in `data.currency`, exactly.
    pub amount: Money,
    /// `data.paymentDate`; always present for [`EventType::CipPaid`].
    pub payment_date: Option<OffsetDateTime>,
    /// `data.transactionCode`: the voucher id sent when the CIP was created.
    pub transaction_code: Option<String>,
}

#[derive(Deserialize)]
struct WireIn<'a> {
    #[serde(rename = "eventType")]
    event_type: String,
    #[serde(rename = "operationNumber")]
    operation_number: String,
    #[serde(borrow)]
    data: WireDataIn<'a>,
}

#[derive(Deserialize)]
struct WireDataIn<'a> {
    cip: String,
    currency: String,
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(rename = "paymentDate", default)]
    payment_date: Option<String>,
    #[serde(rename = "transactionCode", default)]
    transaction_code: Option<String>,
}

#[derive(Serialize)]
struct WireOut<'a> {
    #[serde(rename = "eventType")]
    event_type: &'static str,
    #[serde(rename = "operationNumber")]
    operation_number: &'a str,
    data: WireDataOut<'a>,
}

#[derive(Serialize)]
struct WireDataOut<'a> {
    cip: &'a str,
    currency: &'static str,
    amount: Box<RawValue>,
    #[serde(rename = "paymentDate", skip_serializing_if = "Option::is_none")]
    payment_date: Option<String>,
    #[serde(rename = "transactionCode", skip_serializing_if = "Option::is_none")]
    transaction_code: Option<&'a str>,
}

/// A CIP from caller-supplied randomness: [`CIP_LEN`] digits, never a leading zero.
///
/// The modulo bias over a uniform `u64` is below 10⁻⁹.
///
/// ```
/// use vale_shared::pagoefectivo::{cip_from_random, is_valid_cip};
/// let cip = cip_from_random(0x1234_5678_9abc_def0);
/// assert_eq!(cip.len(), 10);
/// assert!(is_valid_cip(&cip));
/// assert_eq!(cip_from_random(0), "1000000000");
/// ```
pub fn cip_from_random(random: u64) -> String {
    const LOW: u64 = 1_000_000_000;
    (LOW + random % (9 * LOW)).to_string()
}

/// Whether `text` can be a CIP: [`MIN_CIP_LEN`] to [`MAX_CIP_LEN`] ASCII digits with no
/// leading zero. Our own CIPs ([`cip_from_random`]) are exactly [`CIP_LEN`] digits.
///
/// ```
/// use vale_shared::pagoefectivo::is_valid_cip;
/// assert!(is_valid_cip("2592254"));
/// assert!(!is_valid_cip("0592254"));
/// assert!(!is_valid_cip("25922 54"));
/// ```
pub fn is_valid_cip(text: &str) -> bool {
    (MIN_CIP_LEN..=MAX_CIP_LEN).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
}

/// A Code 128 barcode of the CIP, for agents' scanners (the CIP is all digits, so the
/// symbol is set C throughout: short and easy to read). Refuses anything that is not a
/// valid CIP.
///
/// ```
/// use vale_shared::pagoefectivo::code128_barcode;
/// let barcode = code128_barcode("1234567890")?;
/// assert_eq!(barcode.data, "1234567890");
/// assert!(code128_barcode("12 34").is_err());
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn code128_barcode(cip: &str) -> Result<Barcode, BarcodeError> {
    if !is_valid_cip(cip) {
        return Err(BarcodeError::UnencodableCharacter);
    }
    code128::encode(&code128::units_from_str(cip)?)?;
    Ok(Barcode {
        symbology: Symbology::Code128,
        data: cip.to_owned(),
        text: cip.to_owned(),
    })
}

/// A QR code of the CIP: what a PagoEfectivo voucher shows, for bank apps' and agents'
/// readers (the contents of PagoEfectivo's own QR are unverified, so it carries the CIP,
/// the one thing every channel asks for). Refuses anything that is not a valid CIP.
///
/// ```
/// use vale_shared::barcode::{Symbology, symbol, Symbol};
/// use vale_shared::pagoefectivo::qr_barcode;
/// let barcode = qr_barcode("1234567890")?;
/// assert_eq!(barcode.symbology, Symbology::Qr);
/// assert!(matches!(symbol(&barcode)?, Symbol::Matrix { .. }));
/// assert!(qr_barcode("12 34").is_err());
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn qr_barcode(cip: &str) -> Result<Barcode, BarcodeError> {
    if !is_valid_cip(cip) {
        return Err(BarcodeError::UnencodableCharacter);
    }
    Ok(Barcode {
        symbology: Symbology::Qr,
        data: cip.to_owned(),
        text: format!("CIP {cip}"),
    })
}

fn is_token(text: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn mac(secret: &Secret) -> Result<HmacSha256, SignatureError> {
    HmacSha256::new_from_slice(secret.expose().as_bytes()).map_err(|_| SignatureError::EmptySecret)
}

/// The `PE-Signature` of `body`: lowercase hex HMAC-SHA256 under the secret key.
///
/// ```
/// use vale_shared::{pagoefectivo::sign, Secret};
/// let sig = sign(&Secret::new("pe_local_secret"), b"{}");
/// assert_eq!(sig.len(), 64);
/// assert!(sig.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
/// ```
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    match mac(secret) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this arm is never taken.
        Err(_) => String::new(),
    }
}

/// Verifies a `PE-Signature` header against the raw body.
///
/// The header must be exactly 64 hex digits (either case); the tag is compared only
/// through `Mac::verify_slice`.
///
/// ```
/// use vale_shared::{pagoefectivo::{sign, verify, SignatureError}, Secret};
/// let secret = Secret::new("pe_local_secret");
/// let body = br#"{"eventType":"cip.paid"}"#;
/// verify(&secret, &sign(&secret, body), body)?;
/// assert_eq!(verify(&secret, &sign(&secret, b"{}"), body), Err(SignatureError::Mismatch));
/// # Ok::<(), SignatureError>(())
/// ```
pub fn verify(secret: &Secret, header: &str, body: &[u8]) -> Result<(), SignatureError> {
    if secret.expose().is_empty() {
        return Err(SignatureError::EmptySecret);
    }
    if body.len() > MAX_BODY {
        return Err(SignatureError::BodyTooLarge);
    }
    if header.len() != 64 || !header.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SignatureError::MalformedHeader);
    }
    let tag = hex::decode(header).map_err(|_| SignatureError::MalformedHeader)?;
    let mut mac = mac(secret)?;
    mac.update(body);
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// Parses a notification body (after its signature has been verified).
///
/// Strict where it matters: the event type is one of the two known, `amount` is a JSON
/// number read exactly (at most two fraction digits, no exponent, not negative, not
/// zero), the currency is `PEN` or `USD`, `paymentDate` is RFC 3339 and required for
/// `cip.paid`, and every string is bounded. Unknown extra fields are ignored, so a new
/// field on PagoEfectivo's side does not stop payments.
///
/// ```
/// use vale_shared::pagoefectivo::{parse_notification, EventType};
/// let body = br#"{"eventType": "cip.paid", "operationNumber": "op-1",
///   "data": {"cip": "1234567890", "currency": "PEN", "amount": 25.00,
///            "paymentDate": "2026-11-25T10:30:00-05:00", "transactionCode": "vch_1"}}"#;
/// let n = parse_notification(body)?;
/// assert_eq!(n.event_type, EventType::CipPaid);
/// assert_eq!(n.amount.minor(), 2500);
/// # Ok::<(), vale_shared::pagoefectivo::NotificationError>(())
/// ```
pub fn parse_notification(body: &[u8]) -> Result<Notification, NotificationError> {
    if body.len() > MAX_BODY {
        return Err(NotificationError::BodyTooLarge);
    }
    let wire: WireIn<'_> = serde_json::from_slice(body).map_err(NotificationError::Malformed)?;
    let event_type =
        EventType::from_wire(&wire.event_type).ok_or(NotificationError::UnknownEventType)?;
    if !is_token(&wire.operation_number) {
        return Err(NotificationError::InvalidField("operationNumber"));
    }
    let data = wire.data;
    if !is_valid_cip(&data.cip) {
        return Err(NotificationError::InvalidField("data.cip"));
    }
    let currency = match data.currency.as_str() {
        "PEN" => Currency::Pen,
        "USD" => Currency::Usd,
        _ => return Err(NotificationError::UnsupportedCurrency),
    };
    let amount = parse_amount(data.amount.get(), currency)?;
    let payment_date = match data.payment_date {
        Some(text) => Some(
            OffsetDateTime::parse(&text, &Rfc3339)
                .map_err(|_| NotificationError::InvalidField("data.paymentDate"))?,
        ),
        None if event_type == EventType::CipPaid => {
            return Err(NotificationError::MissingField("data.paymentDate"));
        }
        None => None,
    };
    if let Some(code) = &data.transaction_code
        && !is_token(code)
    {
        return Err(NotificationError::InvalidField("data.transactionCode"));
    }
    Ok(Notification {
        event_type,
        operation_number: wire.operation_number,
        cip: data.cip,
        amount,
        payment_date,
        transaction_code: data.transaction_code,
    })
}

/// Reads a JSON number's own text as money. `Money::parse_decimal` refuses signs,
/// exponents and excess fraction digits; this also refuses zero and non-numbers.
fn parse_amount(raw: &str, currency: Currency) -> Result<Money, NotificationError> {
    let money =
        Money::parse_decimal(raw, currency).map_err(|_| NotificationError::InvalidAmount)?;
    if money.minor() == 0 {
        return Err(NotificationError::InvalidAmount);
    }
    Ok(money)
}

/// The body PagoEfectivo would send for `notification`, for the sandbox simulator.
///
/// `amount` is written as a JSON decimal with exactly the currency's fraction digits
/// (`25.00`), built as text, never through a float. The result always parses back with
/// [`parse_notification`] into the same notification; anything that would not is
/// refused.
///
/// ```
/// use vale_shared::pagoefectivo::{notification_body, parse_notification, EventType, Notification};
/// use vale_shared::{Currency, Money};
/// let n = Notification {
///     event_type: EventType::CipPaid,
///     operation_number: "op-1".into(),
///     cip: "1234567890".into(),
///     amount: Money::new(2500, Currency::Pen)?,
///     payment_date: Some(time::macros::datetime!(2026-11-25 10:30 -05:00)),
///     transaction_code: Some("vch_1".into()),
/// };
/// let body = notification_body(&n)?;
/// assert!(String::from_utf8_lossy(&body).contains(r#""amount":25.00"#));
/// assert_eq!(parse_notification(&body)?, n);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn notification_body(notification: &Notification) -> Result<Vec<u8>, NotificationError> {
    let amount = RawValue::from_string(notification.amount.to_decimal_string())
        .map_err(|_| NotificationError::InvalidAmount)?;
    let payment_date = match notification.payment_date {
        Some(date) => Some(
            date.format(&Rfc3339)
                .map_err(|_| NotificationError::InvalidField("data.paymentDate"))?,
        ),
        None => None,
    };
    let wire = WireOut {
        event_type: notification.event_type.as_str(),
        operation_number: &notification.operation_number,
        data: WireDataOut {
            cip: &notification.cip,
            currency: notification.amount.currency().code(),
            amount,
            payment_date,
            transaction_code: notification.transaction_code.as_deref(),
        },
    };
    let body = serde_json::to_vec(&wire).map_err(NotificationError::Malformed)?;
    // Refuse to emit what the receiving side would refuse.
    let reparsed = parse_notification(&body)?;
    if &reparsed != notification {
        return Err(NotificationError::InvalidField("data.paymentDate"));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn secret() -> Secret {
        Secret::new("pe_local_secret")
    }

    const PAID: &str = r#"{"eventType": "cip.paid", "operationNumber": "8891234", "data": {"cip": "1234567890", "currency": "PEN", "amount": 25.00, "paymentDate": "2026-11-25T10:30:00-05:00", "transactionCode": "vch_abc"}}"#;

    fn with(from: &str, to: &str) -> String {
        assert!(PAID.contains(from), "{from}");
        PAID.replace(from, to)
    }

    #[test]
    fn signature_vector() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), the
        // widely published example.
        let sig = sign(
            &Secret::new("key"),
            b"The quick brown fox jumps over the lazy dog",
        );
        assert_eq!(
            sig,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        let upper = sig.to_ascii_uppercase();
        let body = b"The quick brown fox jumps over the lazy dog";
        assert_eq!(verify(&Secret::new("key"), &upper, body), Ok(()));
    }

    #[test]
    fn signature_negatives() {
        let body = PAID.as_bytes();
        let good = sign(&secret(), body);
        assert_eq!(verify(&secret(), &good, body), Ok(()));
        let cases = [
            (String::new(), SignatureError::MalformedHeader),
            (good[..63].to_string(), SignatureError::MalformedHeader),
            (good[..32].to_string(), SignatureError::MalformedHeader),
            (format!("{good}0"), SignatureError::MalformedHeader),
            (format!(" {}", &good[1..]), SignatureError::MalformedHeader),
            (format!("sha256={good}"), SignatureError::MalformedHeader),
            (format!("{}g", &good[..63]), SignatureError::MalformedHeader),
            ("0".repeat(64), SignatureError::Mismatch),
        ];
        for (header, err) in cases {
            assert_eq!(verify(&secret(), &header, body), Err(err), "{header:?}");
        }
        assert_eq!(
            verify(&Secret::new("other"), &good, body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&Secret::new(""), &good, body),
            Err(SignatureError::EmptySecret)
        );
        // The re-serialised body no longer matches.
        let value: serde_json::Value = serde_json::from_str(PAID).unwrap();
        let reserialised = serde_json::to_vec(&value).unwrap();
        assert_eq!(
            verify(&secret(), &good, &reserialised),
            Err(SignatureError::Mismatch)
        );
        let big = vec![b' '; MAX_BODY + 1];
        assert_eq!(
            verify(&secret(), &sign(&secret(), &big), &big),
            Err(SignatureError::BodyTooLarge)
        );
    }

    #[test]
    fn parses_the_documented_shape() {
        let n = parse_notification(PAID.as_bytes()).unwrap();
        assert_eq!(n.event_type, EventType::CipPaid);
        assert_eq!(n.operation_number, "8891234");
        assert_eq!(n.cip, "1234567890");
        assert_eq!(n.amount, Money::new(2500, Currency::Pen).unwrap());
        assert_eq!(
            n.payment_date,
            Some(time::macros::datetime!(2026-11-25 10:30 -05:00))
        );
        assert_eq!(n.transaction_code.as_deref(), Some("vch_abc"));
    }

    #[test]
    fn amounts_are_exact() {
        for (text, minor) in [
            ("25.00", 2500),
            ("25", 2500),
            ("25.5", 2550),
            ("0.01", 1),
            ("4999.99", 499_999),
        ] {
            let n = parse_notification(with("25.00", text).as_bytes()).unwrap();
            assert_eq!(n.amount.minor(), minor, "{text}");
        }
        // 0.1 + 0.2 territory: a float would not give exactly 30 cents.
        let n = parse_notification(with("25.00", "0.30").as_bytes()).unwrap();
        assert_eq!(n.amount.minor(), 30);
        for bad in [
            "25.001",
            "2.5e1",
            "2.5E1",
            "-25.00",
            "0",
            "0.00",
            "\"25.00\"",
            "null",
            "[25]",
            "1e400",
            "99999999999999999999",
        ] {
            let r = parse_notification(with("25.00", bad).as_bytes());
            assert!(
                matches!(
                    r,
                    Err(NotificationError::InvalidAmount) | Err(NotificationError::Malformed(_))
                ),
                "{bad}: {r:?}"
            );
        }
    }

    #[test]
    fn expired_needs_no_payment_date() {
        let body = with("cip.paid", "cip.expired")
            .replace(r#", "paymentDate": "2026-11-25T10:30:00-05:00""#, "");
        let n = parse_notification(body.as_bytes()).unwrap();
        assert_eq!(n.event_type, EventType::CipExpired);
        assert_eq!(n.payment_date, None);
        let body =
            with("cip.paid", "cip.expired").replace(r#""2026-11-25T10:30:00-05:00""#, "null");
        assert_eq!(
            parse_notification(body.as_bytes()).unwrap().payment_date,
            None
        );
    }

    #[test]
    fn rejects_bad_fields() {
        use NotificationError as E;
        type Case = (String, fn(&E) -> bool);
        let cases: Vec<Case> = vec![
            (with("cip.paid", "cip.refunded"), |e| {
                matches!(e, E::UnknownEventType)
            }),
            (with("cip.paid", "CIP.PAID"), |e| {
                matches!(e, E::UnknownEventType)
            }),
            (with("\"PEN\"", "\"COP\""), |e| {
                matches!(e, E::UnsupportedCurrency)
            }),
            (with("\"PEN\"", "\"pen\""), |e| {
                matches!(e, E::UnsupportedCurrency)
            }),
            (with("1234567890", "12345 7890"), |e| {
                matches!(e, E::InvalidField("data.cip"))
            }),
            (with("1234567890", ""), |e| {
                matches!(e, E::InvalidField("data.cip"))
            }),
            (with("8891234", "88 91"), |e| {
                matches!(e, E::InvalidField("operationNumber"))
            }),
            (with("8891234", &"9".repeat(65)), |e| {
                matches!(e, E::InvalidField("operationNumber"))
            }),
            (with("vch_abc", "vch abc"), |e| {
                matches!(e, E::InvalidField("data.transactionCode"))
            }),
            (with("2026-11-25T10:30:00-05:00", "2026-11-25 10:30"), |e| {
                matches!(e, E::InvalidField("data.paymentDate"))
            }),
            (
                with("2026-11-25T10:30:00-05:00", "2026-02-30T10:30:00-05:00"),
                |e| matches!(e, E::InvalidField("data.paymentDate")),
            ),
            (
                with(r#", "paymentDate": "2026-11-25T10:30:00-05:00""#, ""),
                |e| matches!(e, E::MissingField("data.paymentDate")),
            ),
            (
                with(
                    r#""cip": "1234567890", "#,
                    r#""cip": "1234567890", "cip": "1234567891", "#,
                ),
                |e| matches!(e, E::Malformed(_)),
            ),
            (with(r#""cip": "1234567890", "#, ""), |e| {
                matches!(e, E::Malformed(_))
            }),
            (format!("{PAID} x"), |e| matches!(e, E::Malformed(_))),
            ("[]".into(), |e| matches!(e, E::Malformed(_))),
            (String::new(), |e| matches!(e, E::Malformed(_))),
        ];
        for (body, expected) in cases {
            let r = parse_notification(body.as_bytes());
            assert!(matches!(&r, Err(e) if expected(e)), "{body}: {r:?}");
        }
        let big = format!("{}{}", " ".repeat(MAX_BODY), PAID);
        assert!(matches!(
            parse_notification(big.as_bytes()),
            Err(E::BodyTooLarge)
        ));
    }

    #[test]
    fn unicode_escapes_in_strings_are_decoded_then_validated() {
        // "\u0031" is "1": the parsed CIP is the same digits, but the signature is over
        // the escaped bytes, so a re-encoded body cannot pass `verify` with the old tag.
        let body = with("1234567890", r"\u0031234567890");
        assert_eq!(
            parse_notification(body.as_bytes()).unwrap().cip,
            "1234567890"
        );
        let sig = sign(&secret(), PAID.as_bytes());
        assert_eq!(
            verify(&secret(), &sig, body.as_bytes()),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn cip_generator_is_ten_digits_without_leading_zero() {
        for r in [0, 1, 8_999_999_999, 9_000_000_000, u64::MAX] {
            let cip = cip_from_random(r);
            assert_eq!(cip.len(), CIP_LEN, "{r}");
            assert!(is_valid_cip(&cip));
        }
        assert_eq!(cip_from_random(8_999_999_999), "9999999999");
        let barcode = code128_barcode(&cip_from_random(5)).unwrap();
        assert_eq!(barcode.symbology, Symbology::Code128);
        assert_eq!(
            code128_barcode("0123456789"),
            Err(BarcodeError::UnencodableCharacter)
        );
    }

    fn notification_strategy() -> impl Strategy<Value = Notification> {
        (
            prop_oneof![Just(EventType::CipPaid), Just(EventType::CipExpired)],
            "[A-Za-z0-9_-]{1,64}",
            any::<u64>(),
            1_i64..=i64::MAX,
            prop_oneof![Just(Currency::Pen), Just(Currency::Usd)],
            -2_000_000_000_i64..=4_000_000_000,
            proptest::option::of("vch_[A-Za-z0-9]{1,24}"),
        )
            .prop_map(
                |(event_type, op, r, minor, currency, secs, code)| Notification {
                    event_type,
                    operation_number: op,
                    cip: cip_from_random(r),
                    amount: Money::new(minor, currency).unwrap(),
                    payment_date: Some(
                        OffsetDateTime::from_unix_timestamp(secs)
                            .unwrap()
                            .to_offset(time::macros::offset!(-5)),
                    ),
                    transaction_code: code,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn body_round_trips(n in notification_strategy()) {
            let body = notification_body(&n).unwrap();
            prop_assert_eq!(parse_notification(&body).unwrap(), n);
            let sig = sign(&secret(), &body);
            prop_assert_eq!(verify(&secret(), &sig, &body), Ok(()));
        }

        #[test]
        fn flipped_byte_fails(n in notification_strategy(), index in any::<prop::sample::Index>(), bit in 0_u8..8) {
            let body = notification_body(&n).unwrap();
            let sig = sign(&secret(), &body);
            let mut tampered = body.clone();
            tampered[index.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(verify(&secret(), &sig, &tampered), Err(SignatureError::Mismatch));
        }

        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_notification(&body);
        }

        #[test]
        fn mutated_bodies_never_panic(from in 0_usize..PAID.len(), text in "\\PC{0,12}") {
            let mut body = PAID.as_bytes().to_vec();
            body.splice(from..from, text.bytes());
            if let Ok(n) = parse_notification(&body) {
                prop_assert!(is_valid_cip(&n.cip));
                prop_assert!(n.amount.minor() > 0);
            }
        }

        #[test]
        fn arbitrary_headers_never_panic(header in "\\PC{0,80}") {
            let _ = verify(&secret(), &header, PAID.as_bytes());
        }

        #[test]
        fn arbitrary_cips_never_panic(text in "\\PC{0,30}") {
            if is_valid_cip(&text) {
                prop_assert!(text.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
