//! Efecty (Colombia): the payment reference a shopper reads out at the counter, the
//! barcodes a cashier scans, and the notification body, parsed strictly and built for
//! the sandbox simulator.
//!
//! Efecty notifications are signed with Standard Webhooks ([`crate::webhook`]): verify
//! the raw bytes with [`crate::webhook::verify`] first, then parse them here.

mod rules;
pub use rules::Efecty;

use crate::barcode::code128;
use crate::barcode::gs1;
use crate::barcode::{Barcode, BarcodeError, Symbology};
use crate::money::{Currency, Money};
use crate::webhook::MAX_BODY;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// Characters in a reference from [`reference_from_random`]: 11 digits and a check digit.
pub const REFERENCE_LEN: usize = 12;

/// The longest `payment_code` accepted in a notification: GS1 (8020) holds 25.
pub const MAX_PAYMENT_CODE_LEN: usize = 25;

/// The longest `agent_id` or `authorization` accepted.
pub const MAX_TOKEN_LEN: usize = 64;

/// The most digits accepted in `amount` (minor units): far above any cash payment,
/// well inside `i64`.
const MAX_AMOUNT_DIGITS: usize = 15;

/// Why a notification body was refused.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// The body is larger than [`MAX_BODY`].
    #[error("the body is larger than 64 KiB")]
    BodyTooLarge,
    /// The body is not JSON of the notification's shape (a field missing, of the wrong
    /// type or repeated).
    #[error("the body is not an Efecty notification: {0}")]
    Malformed(#[source] serde_json::Error),
    /// `type` is not `payment.succeeded`.
    #[error("unknown notification type")]
    UnknownEventType,
    /// `data.currency` is not `COP`.
    #[error("unsupported currency")]
    UnsupportedCurrency,
    /// `data.amount` is not a positive integer JSON number of whole pesos in centavos.
    #[error("data.amount is not a positive integer of whole pesos in minor units")]
    InvalidAmount,
    /// A field, named by its JSON path, has an invalid value.
    #[error("{0} is invalid")]
    InvalidField(&'static str),
}

/// What an Efecty notification reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `payment.succeeded`: the shopper paid at a point.
    PaymentSucceeded,
}

impl EventType {
    /// The wire name, `"payment.succeeded"`.
    ///
    /// ```
    /// use vale_shared::efecty::EventType;
    /// assert_eq!(EventType::PaymentSucceeded.as_str(), "payment.succeeded");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::PaymentSucceeded => "payment.succeeded",
        }
    }
}

/// A parsed, validated Efecty notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `type`.
    pub event_type: EventType,
    /// `data.payment_code`: finds the voucher.
    pub payment_code: String,
    /// `data.amount` (minor units) in `data.currency` (always COP, whole pesos).
    pub amount: Money,
    /// `data.paid_at`.
    pub paid_at: OffsetDateTime,
    /// `data.agent_id`: the point where the shopper paid.
    pub agent_id: String,
    /// `data.authorization`: Efecty's authorisation number, for the receipt.
    pub authorization: String,
}

#[derive(Deserialize)]
struct WireIn<'a> {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(borrow)]
    data: WireDataIn<'a>,
}

#[derive(Deserialize)]
struct WireDataIn<'a> {
    payment_code: String,
    #[serde(borrow)]
    amount: &'a RawValue,
    currency: String,
    paid_at: String,
    agent_id: String,
    authorization: String,
}

#[derive(Serialize)]
struct WireOut<'a> {
    #[serde(rename = "type")]
    event_type: &'static str,
    data: WireDataOut<'a>,
}

#[derive(Serialize)]
struct WireDataOut<'a> {
    payment_code: &'a str,
    amount: i64,
    currency: &'static str,
    paid_at: String,
    agent_id: &'a str,
    authorization: &'a str,
}

/// The Luhn check digit for `digits` (the payload, check digit not yet appended).
///
/// Luhn rather than GS1 mod 10: both catch every single-digit error, but Luhn also
/// catches every adjacent transposition except `09` ↔ `90`, while GS1's 3-1 weights miss
/// every swap of two digits that differ by 5 (`16` ↔ `61`, …). A shopper reading a code
/// aloud or typing it into a bank app makes exactly those two kinds of mistake.
/// `None` if a byte is not a digit.
///
/// ```
/// // The classic example: 7992739871 → 3.
/// assert_eq!(vale_shared::efecty::luhn_check_digit("7992739871"), Some(3));
/// ```
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
    }
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// A payment reference from caller-supplied randomness: 11 digits (never a leading
/// zero, which cashiers' systems drop) and a Luhn check digit.
///
/// ```
/// use vale_shared::efecty::{is_valid_reference, reference_from_random};
/// let reference = reference_from_random(42);
/// assert_eq!(reference, "100000000420");
/// assert!(is_valid_reference(&reference));
/// ```
pub fn reference_from_random(random: u64) -> String {
    const LOW: u64 = 10_000_000_000;
    let payload = (LOW + random % (9 * LOW)).to_string();
    let check = luhn_check_digit(&payload).unwrap_or(0);
    format!("{payload}{check}")
}

/// Whether `text` is a reference as [`reference_from_random`] makes them: 12 ASCII
/// digits, no leading zero, a valid Luhn check digit.
///
/// ```
/// use vale_shared::efecty::is_valid_reference;
/// assert!(is_valid_reference("100000000420"));
/// assert!(!is_valid_reference("100000000421")); // wrong check digit
/// assert!(!is_valid_reference("010000000420"));
/// ```
pub fn is_valid_reference(text: &str) -> bool {
    match text.as_bytes().split_last() {
        Some((&check, payload)) if text.len() == REFERENCE_LEN && !text.starts_with('0') => {
            check.is_ascii_digit()
                && std::str::from_utf8(payload).ok().and_then(luhn_check_digit)
                    == Some(check - b'0')
        }
        _ => false,
    }
}

fn is_token(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses a notification body (after its Standard Webhooks signature has been verified).
///
/// Strict: `type` is `payment.succeeded`; `amount` is an integer JSON number (no
/// fraction, no exponent, no sign) of whole pesos in minor units, not zero; `currency`
/// is `COP`; `paid_at` is RFC 3339; `payment_code` is 1–25 ASCII letters or digits;
/// `agent_id` and `authorization` are 1–64 of `[A-Za-z0-9_-]`. Unknown extra fields are
/// ignored.
///
/// ```
/// use vale_shared::efecty::parse_notification;
/// let body = br#"{"type": "payment.succeeded", "data": {"payment_code": "100000000420",
///   "amount": 5000000, "currency": "COP", "paid_at": "2026-11-24T16:05:00-05:00",
///   "agent_id": "efecty-bog-0042", "authorization": "A123456"}}"#;
/// let n = parse_notification(body)?;
/// assert_eq!(n.amount.minor(), 5_000_000);
/// # Ok::<(), vale_shared::efecty::NotificationError>(())
/// ```
pub fn parse_notification(body: &[u8]) -> Result<Notification, NotificationError> {
    if body.len() > MAX_BODY {
        return Err(NotificationError::BodyTooLarge);
    }
    let wire: WireIn<'_> = serde_json::from_slice(body).map_err(NotificationError::Malformed)?;
    if wire.event_type != EventType::PaymentSucceeded.as_str() {
        return Err(NotificationError::UnknownEventType);
    }
    let data = wire.data;
    if !data.payment_code.bytes().all(|b| b.is_ascii_alphanumeric())
        || !(1..=MAX_PAYMENT_CODE_LEN).contains(&data.payment_code.len())
    {
        return Err(NotificationError::InvalidField("data.payment_code"));
    }
    if data.currency != Currency::Cop.code() {
        return Err(NotificationError::UnsupportedCurrency);
    }
    let amount = parse_amount(data.amount.get())?;
    let paid_at = OffsetDateTime::parse(&data.paid_at, &Rfc3339)
        .map_err(|_| NotificationError::InvalidField("data.paid_at"))?;
    if !is_token(&data.agent_id, MAX_TOKEN_LEN) {
        return Err(NotificationError::InvalidField("data.agent_id"));
    }
    if !is_token(&data.authorization, MAX_TOKEN_LEN) {
        return Err(NotificationError::InvalidField("data.authorization"));
    }
    Ok(Notification {
        event_type: EventType::PaymentSucceeded,
        payment_code: data.payment_code,
        amount,
        paid_at,
        agent_id: data.agent_id,
        authorization: data.authorization,
    })
}

/// Reads an integer JSON number's own text as COP minor units of whole pesos.
fn parse_amount(raw: &str) -> Result<Money, NotificationError> {
    if raw.is_empty() || raw.len() > MAX_AMOUNT_DIGITS || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NotificationError::InvalidAmount);
    }
    let minor: i64 = raw.parse().map_err(|_| NotificationError::InvalidAmount)?;
    let money = Money::new(minor, Currency::Cop).map_err(|_| NotificationError::InvalidAmount)?;
    if minor == 0 || !money.is_cash_exact() {
        return Err(NotificationError::InvalidAmount);
    }
    Ok(money)
}

/// The body Efecty would send for `notification`, for the sandbox simulator (sign it
/// with [`crate::webhook::sign`]). The result always parses back with
/// [`parse_notification`] into the same notification; anything that would not is
/// refused.
///
/// ```
/// use vale_shared::efecty::{notification_body, parse_notification, EventType, Notification};
/// use vale_shared::{Currency, Money};
/// let n = Notification {
///     event_type: EventType::PaymentSucceeded,
///     payment_code: "100000000420".into(),
///     amount: Money::new(5_000_000, Currency::Cop)?,
///     paid_at: time::macros::datetime!(2026-11-24 16:05 -05:00),
///     agent_id: "efecty-bog-0042".into(),
///     authorization: "A123456".into(),
/// };
/// let body = notification_body(&n)?;
/// assert_eq!(parse_notification(&body)?, n);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn notification_body(notification: &Notification) -> Result<Vec<u8>, NotificationError> {
    if notification.amount.currency() != Currency::Cop {
        return Err(NotificationError::UnsupportedCurrency);
    }
    let paid_at = notification
        .paid_at
        .format(&Rfc3339)
        .map_err(|_| NotificationError::InvalidField("data.paid_at"))?;
    let wire = WireOut {
        event_type: notification.event_type.as_str(),
        data: WireDataOut {
            payment_code: &notification.payment_code,
            amount: notification.amount.minor(),
            currency: Currency::Cop.code(),
            paid_at,
            agent_id: &notification.agent_id,
            authorization: &notification.authorization,
        },
    };
    let body = serde_json::to_vec(&wire).map_err(NotificationError::Malformed)?;
    if &parse_notification(&body)? != notification {
        return Err(NotificationError::InvalidField("data.paid_at"));
    }
    Ok(body)
}

/// The GS1-128 bill-payment ("recaudo") barcode:
/// `(415)<GLN>(8020)<reference>(3900)<whole pesos>(96)<YYYYMMDD>`.
///
/// `gln` is the biller's 13-digit Global Location Number with a valid GS1 check digit;
/// `amount` must be COP in whole pesos; `due` is the last day to pay. `data` and `text`
/// are both the bracketed element string.
///
/// ```
/// use vale_shared::efecty::gs1_barcode;
/// use vale_shared::barcode::Symbology;
/// use vale_shared::{Currency, Money};
/// let barcode = gs1_barcode(
///     "7709998000001",
///     "100000000420",
///     Money::new(5_000_000, Currency::Cop)?,
///     time::macros::date!(2026-11-25),
/// )?;
/// assert_eq!(barcode.symbology, Symbology::Gs1_128);
/// assert_eq!(barcode.data, "(415)7709998000001(8020)100000000420(3900)50000(96)20261125");
/// assert_eq!(barcode.text, barcode.data);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gs1_barcode(
    gln: &str,
    reference: &str,
    amount: Money,
    due: Date,
) -> Result<Barcode, BarcodeError> {
    if gln.len() != 13 || !gs1::is_valid_check_digit(gln) {
        return Err(BarcodeError::InvalidGln);
    }
    if !gs1::Ai::PaymentReference.accepts(reference) {
        return Err(BarcodeError::InvalidField {
            ai: gs1::Ai::PaymentReference.code(),
        });
    }
    if amount.currency() != Currency::Cop || amount.minor() == 0 || !amount.is_cash_exact() {
        return Err(BarcodeError::InvalidAmount);
    }
    if !(0..=9999).contains(&due.year()) {
        return Err(BarcodeError::InvalidDate);
    }
    let data = format!(
        "(415){gln}(8020){reference}(3900){pesos}(96){year:04}{month:02}{day:02}",
        pesos = amount.major_floor(),
        year = due.year(),
        month = u8::from(due.month()),
        day = due.day(),
    );
    // Parse what was built: this checks the reference against (8020) and proves the
    // string is one `symbol` can draw.
    let parsed = gs1::parse(&data)?;
    code128::encode(&parsed.to_code128_units())?;
    Ok(Barcode {
        symbology: Symbology::Gs1_128,
        text: data.clone(),
        data,
    })
}

/// A plain Code 128 barcode of the reference (printable ASCII, no spaces).
///
/// ```
/// use vale_shared::efecty::code128_barcode;
/// let barcode = code128_barcode("100000000420")?;
/// assert_eq!(barcode.data, "100000000420");
/// assert!(code128_barcode("con espacio").is_err());
/// # Ok::<(), vale_shared::barcode::BarcodeError>(())
/// ```
pub fn code128_barcode(reference: &str) -> Result<Barcode, BarcodeError> {
    if !reference.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(BarcodeError::UnencodableCharacter);
    }
    code128::encode(&code128::units_from_str(reference)?)?;
    Ok(Barcode {
        symbology: Symbology::Code128,
        data: reference.to_owned(),
        text: reference.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{self, WebhookSecret};
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const BODY: &str = r#"{"type": "payment.succeeded", "data": {"payment_code": "100000000420", "amount": 5000000, "currency": "COP", "paid_at": "2026-11-24T16:05:00-05:00", "agent_id": "efecty-bog-0042", "authorization": "A123456"}}"#;

    fn with(from: &str, to: &str) -> String {
        assert!(BODY.contains(from), "{from}");
        BODY.replace(from, to)
    }

    #[test]
    fn parses_the_documented_shape() {
        let n = parse_notification(BODY.as_bytes()).unwrap();
        assert_eq!(n.event_type, EventType::PaymentSucceeded);
        assert_eq!(n.payment_code, "100000000420");
        assert_eq!(n.amount, Money::new(5_000_000, Currency::Cop).unwrap());
        assert_eq!(n.paid_at, time::macros::datetime!(2026-11-24 16:05 -05:00));
        assert_eq!(n.agent_id, "efecty-bog-0042");
        assert_eq!(n.authorization, "A123456");
    }

    #[test]
    fn amounts_are_integers_of_whole_pesos() {
        for bad in [
            "5000000.0",
            "5000000.00",
            "5e6",
            "5E6",
            "-5000000",
            "0",
            "5000050",
            "\"5000000\"",
            "null",
            "1234567890123456",
            "99999999999999999999",
        ] {
            let r = parse_notification(with("5000000", bad).as_bytes());
            assert!(
                matches!(
                    r,
                    Err(NotificationError::InvalidAmount) | Err(NotificationError::Malformed(_))
                ),
                "{bad}: {r:?}"
            );
        }
        let n = parse_notification(with("5000000", "100").as_bytes()).unwrap();
        assert_eq!(n.amount.minor(), 100);
    }

    #[test]
    fn rejects_bad_fields() {
        use NotificationError as E;
        type Case = (String, fn(&E) -> bool);
        let cases: Vec<Case> = vec![
            (with("payment.succeeded", "payment.failed"), |e| {
                matches!(e, E::UnknownEventType)
            }),
            (with("\"COP\"", "\"PEN\""), |e| {
                matches!(e, E::UnsupportedCurrency)
            }),
            (with("\"COP\"", "\"cop\""), |e| {
                matches!(e, E::UnsupportedCurrency)
            }),
            (with("100000000420", ""), |e| {
                matches!(e, E::InvalidField("data.payment_code"))
            }),
            (with("100000000420", "1000 0000424"), |e| {
                matches!(e, E::InvalidField("data.payment_code"))
            }),
            (with("100000000420", &"1".repeat(26)), |e| {
                matches!(e, E::InvalidField("data.payment_code"))
            }),
            (with("2026-11-24T16:05:00-05:00", "24/11/2026"), |e| {
                matches!(e, E::InvalidField("data.paid_at"))
            }),
            (with("efecty-bog-0042", "efecty bog"), |e| {
                matches!(e, E::InvalidField("data.agent_id"))
            }),
            (with("A123456", &"A".repeat(65)), |e| {
                matches!(e, E::InvalidField("data.authorization"))
            }),
            (with(r#""agent_id": "efecty-bog-0042", "#, ""), |e| {
                matches!(e, E::Malformed(_))
            }),
            (
                with(
                    r#""currency": "COP", "#,
                    r#""currency": "COP", "currency": "COP", "#,
                ),
                |e| matches!(e, E::Malformed(_)),
            ),
            ("{}".into(), |e| matches!(e, E::Malformed(_))),
            (format!("{BODY},"), |e| matches!(e, E::Malformed(_))),
        ];
        for (body, expected) in cases {
            let r = parse_notification(body.as_bytes());
            assert!(matches!(&r, Err(e) if expected(e)), "{body}: {r:?}");
        }
        let big = format!("{BODY}{}", " ".repeat(MAX_BODY));
        assert!(matches!(
            parse_notification(big.as_bytes()),
            Err(E::BodyTooLarge)
        ));
    }

    /// The whole inbound path with the API's local secret: sign, verify raw bytes, parse.
    #[test]
    fn signed_notification_end_to_end() {
        let secret = WebhookSecret::parse("whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=").unwrap();
        let n = parse_notification(BODY.as_bytes()).unwrap();
        let body = notification_body(&n).unwrap();
        let sig = webhook::sign(&secret, "msg_efecty_1", 1_795_000_000, &body);
        webhook::verify(
            &secret,
            "msg_efecty_1",
            "1795000000",
            &sig,
            &body,
            1_795_000_100,
        )
        .unwrap();
        assert_eq!(parse_notification(&body).unwrap(), n);
    }

    #[test]
    fn luhn_catches_single_errors_and_most_transpositions() {
        let reference = reference_from_random(0x5eed);
        assert!(is_valid_reference(&reference));
        let bytes = reference.as_bytes();
        for i in 0..bytes.len() {
            for d in b'0'..=b'9' {
                if d != bytes[i] {
                    let mut wrong = bytes.to_vec();
                    wrong[i] = d;
                    assert!(!is_valid_reference(std::str::from_utf8(&wrong).unwrap()));
                }
            }
        }
        // Every adjacent transposition of distinct digits except 0/9 is caught.
        for a in 0..10u8 {
            for b in 0..10u8 {
                if a == b {
                    continue;
                }
                let x = format!("1000000000{a}{b}");
                let y = format!("1000000000{b}{a}");
                let same = luhn_check_digit(&x) == luhn_check_digit(&y);
                assert_eq!(same, matches!((a, b), (0, 9) | (9, 0)), "{a}{b}");
            }
        }
    }

    #[test]
    fn gs1_barcode_checks_its_inputs() {
        let cop = |minor| Money::new(minor, Currency::Cop).unwrap();
        let due = time::macros::date!(2026 - 11 - 25);
        assert_eq!(
            gs1_barcode("7709998000002", "1", cop(100), due),
            Err(BarcodeError::InvalidGln)
        );
        assert_eq!(
            gs1_barcode("770999800000", "1", cop(100), due),
            Err(BarcodeError::InvalidGln)
        );
        assert_eq!(
            gs1_barcode("7709998000001", "1", cop(150), due),
            Err(BarcodeError::InvalidAmount)
        );
        assert_eq!(
            gs1_barcode("7709998000001", "1", cop(0), due),
            Err(BarcodeError::InvalidAmount)
        );
        let pen = Money::new(100, Currency::Pen).unwrap();
        assert_eq!(
            gs1_barcode("7709998000001", "1", pen, due),
            Err(BarcodeError::InvalidAmount)
        );
        assert_eq!(
            gs1_barcode("7709998000001", "a(b", cop(100), due),
            Err(BarcodeError::InvalidField { ai: "8020" })
        );
        assert_eq!(
            gs1_barcode("7709998000001", &"1".repeat(26), cop(100), due),
            Err(BarcodeError::InvalidField { ai: "8020" })
        );
        let b = gs1_barcode(
            "7709998000001",
            "7",
            cop(100),
            time::macros::date!(0900 - 01 - 02),
        )
        .unwrap();
        assert!(b.data.ends_with("(96)09000102"), "{}", b.data);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn references_are_valid_and_fixed_length(r in any::<u64>()) {
            let reference = reference_from_random(r);
            prop_assert_eq!(reference.len(), REFERENCE_LEN);
            prop_assert!(is_valid_reference(&reference));
            prop_assert!(code128_barcode(&reference).is_ok());
        }

        #[test]
        fn arbitrary_references_never_panic(text in "\\PC{0,20}") {
            if is_valid_reference(&text) {
                prop_assert_eq!(text.len(), REFERENCE_LEN);
            }
            let _ = code128_barcode(&text);
        }

        #[test]
        fn body_round_trips(
            code in "[A-Za-z0-9]{1,25}",
            pesos in 1_i64..=10_000_000_000,
            secs in 0_i64..=4_000_000_000,
            agent in "[A-Za-z0-9_-]{1,64}",
            auth in "[A-Za-z0-9_-]{1,64}",
        ) {
            let n = Notification {
                event_type: EventType::PaymentSucceeded,
                payment_code: code,
                amount: Money::new(pesos * 100, Currency::Cop).unwrap(),
                paid_at: OffsetDateTime::from_unix_timestamp(secs).unwrap().to_offset(time::macros::offset!(-5)),
                agent_id: agent,
                authorization: auth,
            };
            let body = notification_body(&n).unwrap();
            prop_assert_eq!(parse_notification(&body).unwrap(), n);
        }

        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_notification(&body);
        }

        #[test]
        fn mutated_bodies_never_panic(from in 0_usize..BODY.len(), text in "\\PC{0,12}") {
            let mut body = BODY.as_bytes().to_vec();
            body.splice(from..from, text.bytes());
            if let Ok(n) = parse_notification(&body) {
                prop_assert!(n.amount.is_cash_exact() && n.amount.minor() > 0);
            }
        }

        #[test]
        fn gs1_barcodes_always_draw(
            gln in "[0-9]{12}",
            reference in "[0-9]{1,25}",
            pesos in 1_i64..=99_999_999,
            day in 1_721_060_i32..5_373_484,
        ) {
            let gln = format!("{gln}{}", gs1::check_digit(&gln).unwrap());
            let due = Date::from_julian_day(day).unwrap();
            let amount = Money::new(pesos * 100, Currency::Cop).unwrap();
            let barcode = gs1_barcode(&gln, &reference, amount, due).unwrap();
            prop_assert!(crate::barcode::symbol(&barcode).is_ok());
        }
    }
}
