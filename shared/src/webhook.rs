//! Standard Webhooks v1 signatures: the scheme of Efecty's notifications to us and of our
//! events to merchants.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`, the tag is
//! HMAC-SHA256 under the secret's decoded key, and the `webhook-signature` header carries
//! `v1,<base64 tag>` entries separated by spaces (several during a key rotation).
//!
//! Verification works on the raw bytes as received: parsing and re-serialising a body
//! before verifying it is the commonest cause of failed signatures in the field. The
//! clock is a parameter (`now_secs`); this module never reads it, so it runs on wasm32.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// The largest body, in bytes, that is signed or verified: 64 KiB, as the API promises.
pub const MAX_BODY: usize = 64 * 1024;

/// How far, in seconds, a timestamp may lie from `now` in either direction.
pub const TOLERANCE_SECS: u64 = 300;

/// The longest `webhook-id` accepted, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// The longest `webhook-timestamp` accepted, in digits. Twelve digits reach the year
/// 33658, far past any clock; the bound keeps parsing trivially overflow-free.
pub const MAX_TIMESTAMP_DIGITS: usize = 12;

/// The longest `webhook-signature` header accepted, in bytes: room for dozens of
/// rotated keys, not for a megabyte of garbage to scan.
pub const MAX_SIGNATURE_HEADER: usize = 4096;

/// The fewest key bytes a secret may decode to. Standard Webhooks recommends 24; the
/// API's local Efecty secret decodes to 23, so the floor is 16 bytes (128 bits).
pub const MIN_KEY_LEN: usize = 16;

/// The most key bytes a secret may decode to (the Standard Webhooks ceiling).
pub const MAX_KEY_LEN: usize = 64;

const SECRET_PREFIX: &str = "whsec_";
const VERSION: &str = "v1";
/// Secrets are base64 with the standard alphabet; some issuers drop the `=` padding.
const SECRET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a signature, or the secret to check it with, was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret is not `whsec_` followed by base64 of 16 to 64 bytes.
    #[error("the webhook secret is not `whsec_` followed by base64 of 16 to 64 bytes")]
    InvalidSecret,
    /// The body is larger than [`MAX_BODY`].
    #[error("the body is larger than 64 KiB")]
    BodyTooLarge,
    /// The `webhook-id` is empty, too long, or holds whitespace, `.` or `,`.
    #[error("the webhook id is empty, too long or holds forbidden characters")]
    InvalidId,
    /// The `webhook-timestamp` is not plain decimal seconds.
    #[error("the webhook timestamp is not plain decimal seconds")]
    InvalidTimestamp,
    /// The timestamp is more than [`TOLERANCE_SECS`] before `now`.
    #[error("the webhook timestamp is too old")]
    TimestampTooOld,
    /// The timestamp is more than [`TOLERANCE_SECS`] after `now`.
    #[error("the webhook timestamp is in the future")]
    TimestampInFuture,
    /// The `webhook-signature` header is empty or longer than [`MAX_SIGNATURE_HEADER`].
    #[error("the webhook signature header is missing or too long")]
    MissingSignature,
    /// No `v1` signature in the header matches the content.
    #[error("no signature matches")]
    NoMatch,
}

/// A Standard Webhooks secret: the key bytes decoded from `whsec_<base64>`.
///
/// It cannot print itself: `Debug` is redacted and there is no `Display`.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Vec<u8>,
    /// The HMAC state keyed once, cloned for each message.
    keyed: HmacSha256,
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

impl WebhookSecret {
    /// Parses `whsec_<base64>`; the key is the decoded bytes (16 to 64 of them).
    ///
    /// ```
    /// use vale_shared::webhook::{SignatureError, WebhookSecret};
    /// let secret = WebhookSecret::parse("whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=")?;
    /// assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
    /// assert_eq!(WebhookSecret::parse("ZWZl").unwrap_err(), SignatureError::InvalidSecret);
    /// # Ok::<(), SignatureError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SignatureError::InvalidSecret)?;
        // Base64 of MAX_KEY_LEN bytes is 88 characters; refuse more before decoding.
        if encoded.len() > 88 {
            return Err(SignatureError::InvalidSecret);
        }
        let key = SECRET_BASE64
            .decode(encoded)
            .map_err(|_| SignatureError::InvalidSecret)?;
        Self::from_key(key)
    }

    /// A secret from raw key bytes, such as 24 random bytes for a new webhook endpoint.
    ///
    /// ```
    /// use vale_shared::webhook::WebhookSecret;
    /// let secret = WebhookSecret::from_key(vec![7; 24])?;
    /// assert!(secret.to_whsec().starts_with("whsec_"));
    /// # Ok::<(), vale_shared::webhook::SignatureError>(())
    /// ```
    pub fn from_key(key: Vec<u8>) -> Result<Self, SignatureError> {
        if !(MIN_KEY_LEN..=MAX_KEY_LEN).contains(&key.len()) {
            return Err(SignatureError::InvalidSecret);
        }
        let keyed = HmacSha256::new_from_slice(&key).map_err(|_| SignatureError::InvalidSecret)?;
        Ok(WebhookSecret { key, keyed })
    }

    /// The secret in its `whsec_<base64>` form, to show a merchant once.
    ///
    /// ```
    /// use vale_shared::webhook::WebhookSecret;
    /// let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// assert_eq!(WebhookSecret::parse(text)?.to_whsec(), text);
    /// # Ok::<(), vale_shared::webhook::SignatureError>(())
    /// ```
    pub fn to_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    /// The MAC state after absorbing `{id}.{timestamp}.{body}`.
    fn content_mac(&self, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// Signs a message: the `webhook-signature` header value `v1,<base64>`.
///
/// The body is signed as raw bytes; send exactly these bytes.
///
/// ```
/// use vale_shared::webhook::{sign, WebhookSecret};
/// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let header = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
/// assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// # Ok::<(), vale_shared::webhook::SignatureError>(())
/// ```
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp_secs: i64, body: &[u8]) -> String {
    let tag = secret
        .content_mac(msg_id, &timestamp_secs.to_string(), body)
        .finalize()
        .into_bytes();
    format!("{VERSION},{}", STANDARD.encode(tag))
}

/// Verifies a Standard Webhooks v1 message from its three headers and raw body.
///
/// Passes when any `v1,` entry of `signature_header` matches (key rotation); entries of
/// other versions are ignored. The timestamp must be plain decimal seconds within
/// [`TOLERANCE_SECS`] of `now_secs` in either direction. Tags are compared only through
/// `Mac::verify_slice`, which is constant-time and refuses truncated tags.
///
/// ```
/// use vale_shared::webhook::{sign, verify, SignatureError, WebhookSecret};
/// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let body = br#"{"test": 2432232314}"#;
/// let header = sign(&secret, "msg_1", 1_700_000_000, body);
/// verify(&secret, "msg_1", "1700000000", &header, body, 1_700_000_300)?;
/// assert_eq!(
///     verify(&secret, "msg_1", "1700000000", &header, body, 1_700_000_301),
///     Err(SignatureError::TimestampTooOld),
/// );
/// # Ok::<(), SignatureError>(())
/// ```
pub fn verify(
    secret: &WebhookSecret,
    msg_id: &str,
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    if body.len() > MAX_BODY {
        return Err(SignatureError::BodyTooLarge);
    }
    if !is_valid_id(msg_id) {
        return Err(SignatureError::InvalidId);
    }
    let sent = parse_timestamp(timestamp)?;
    check_tolerance(sent, now_secs)?;
    if signature_header.is_empty() || signature_header.len() > MAX_SIGNATURE_HEADER {
        return Err(SignatureError::MissingSignature);
    }
    let expected = secret.content_mac(msg_id, timestamp, body);
    let matched = signature_header
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == VERSION)
        .filter_map(|(_, encoded)| STANDARD.decode(encoded).ok())
        .any(|tag| expected.clone().verify_slice(&tag).is_ok());
    if matched {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

/// Whether `id` may be a `webhook-id`: 1 to [`MAX_ID_LEN`] visible ASCII characters other
/// than `.` (the field separator of the signed content, so that no id can absorb part of
/// the timestamp) and `,` (the separator inside signature entries).
///
/// ```
/// use vale_shared::webhook::is_valid_id;
/// assert!(is_valid_id("msg_p5jXN8AQM9LWM0D4loKWxJek"));
/// assert!(!is_valid_id("msg 1"));
/// assert!(!is_valid_id("msg.1"));
/// ```
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'.' && b != b',')
}

/// Parses a `webhook-timestamp`: 1 to [`MAX_TIMESTAMP_DIGITS`] ASCII digits, no sign, no
/// spaces, no leading zero (so one instant has exactly one signed spelling).
///
/// ```
/// use vale_shared::webhook::{parse_timestamp, SignatureError};
/// assert_eq!(parse_timestamp("1614265330"), Ok(1614265330));
/// assert_eq!(parse_timestamp("+1614265330"), Err(SignatureError::InvalidTimestamp));
/// assert_eq!(parse_timestamp("01614265330"), Err(SignatureError::InvalidTimestamp));
/// ```
pub fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    let bytes = text.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.len() <= MAX_TIMESTAMP_DIGITS
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes.len() == 1 || !text.starts_with('0'));
    if !well_formed {
        return Err(SignatureError::InvalidTimestamp);
    }
    text.parse().map_err(|_| SignatureError::InvalidTimestamp)
}

fn check_tolerance(sent: i64, now: i64) -> Result<(), SignatureError> {
    if sent.abs_diff(now) <= TOLERANCE_SECS {
        Ok(())
    } else if sent < now {
        Err(SignatureError::TimestampTooOld)
    } else {
        Err(SignatureError::TimestampInFuture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const LIB_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const LIB_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const LIB_TS: &str = "1614265330";
    const LIB_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const LIB_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const LIB_NOW: i64 = 1614265330;

    fn lib_secret() -> WebhookSecret {
        WebhookSecret::parse(LIB_SECRET).unwrap()
    }

    fn check(sig: &str, body: &[u8]) -> Result<(), SignatureError> {
        verify(&lib_secret(), LIB_ID, LIB_TS, sig, body, LIB_NOW)
    }

    #[test]
    fn library_vector_signs_and_verifies() {
        assert_eq!(sign(&lib_secret(), LIB_ID, 1614265330, LIB_BODY), LIB_SIG);
        assert_eq!(check(LIB_SIG, LIB_BODY), Ok(()));
    }

    /// The vector in the Rust library's own tests (svix `test_sign`).
    #[test]
    fn second_library_vector() {
        let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        let sig = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
        assert_eq!(
            sign(&secret, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body),
            sig
        );
        let ok = verify(
            &secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            "1649367553",
            sig,
            body,
            1649367553,
        );
        assert_eq!(ok, Ok(()));
    }

    fn hmac_hex(key: &[u8], data: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(key).unwrap();
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    /// RFC 4231 test cases 1-4, 6 and 7 (case 5 is a truncated tag, which we never use).
    #[test]
    fn rfc4231_hmac_sha256() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 6] = [
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                (1..=25).collect(),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                vec![0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (key, data, tag) in cases {
            assert_eq!(hmac_hex(&key, &data), tag);
            // verify_slice accepts the full tag and refuses a truncated one.
            let full = hex::decode(tag).unwrap();
            let mut mac = HmacSha256::new_from_slice(&key).unwrap();
            mac.update(&data);
            assert!(mac.clone().verify_slice(&full).is_ok());
            assert!(mac.verify_slice(&full[..16]).is_err());
        }
    }

    #[test]
    fn secret_parsing() {
        assert!(WebhookSecret::parse("whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=").is_ok());
        // Unpadded form of the same key.
        assert!(WebhookSecret::parse("whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk").is_ok());
        for bad in [
            "",
            "whsec_",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!!",
            "whsec_c2hvcnQ=",
            "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ] {
            assert_eq!(
                WebhookSecret::parse(bad).unwrap_err(),
                SignatureError::InvalidSecret,
                "{bad:?}"
            );
        }
        let long = format!("whsec_{}", STANDARD.encode([1u8; 65]));
        assert_eq!(
            WebhookSecret::parse(&long).unwrap_err(),
            SignatureError::InvalidSecret
        );
        assert!(!format!("{:?}", lib_secret()).contains("MfKQ"));
    }

    #[test]
    fn rotation_any_v1_entry_passes() {
        let other = WebhookSecret::from_key(vec![9; 24]).unwrap();
        let stale = sign(&other, LIB_ID, 1614265330, LIB_BODY);
        let header =
            format!("v2,abc {stale} {LIB_SIG} v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=");
        assert_eq!(check(&header, LIB_BODY), Ok(()));
        // Order does not matter and repeated spaces are harmless.
        assert_eq!(check(&format!("{LIB_SIG}  {stale}"), LIB_BODY), Ok(()));
        assert_eq!(check(&stale, LIB_BODY), Err(SignatureError::NoMatch));
    }

    #[test]
    fn negative_catalogue() {
        let tag = LIB_SIG.trim_start_matches("v1,");
        let cases: Vec<(String, SignatureError)> = vec![
            (String::new(), SignatureError::MissingSignature),
            (" ".into(), SignatureError::NoMatch),
            ("v1,".into(), SignatureError::NoMatch),
            ("v1".into(), SignatureError::NoMatch),
            (tag.into(), SignatureError::NoMatch),
            // Truncated tags: one base64 quantum short, and half the tag.
            (format!("v1,{}", &tag[..40]), SignatureError::NoMatch),
            (
                format!(
                    "v1,{}",
                    STANDARD.encode(&STANDARD.decode(tag).unwrap()[..16])
                ),
                SignatureError::NoMatch,
            ),
            // A prefix of the header.
            (LIB_SIG[..10].into(), SignatureError::NoMatch),
            // Extra bytes after the tag.
            (format!("{LIB_SIG}AAAA"), SignatureError::NoMatch),
            // Same tag under unknown or differently-cased versions.
            (format!("v2,{tag}"), SignatureError::NoMatch),
            (format!("V1,{tag}"), SignatureError::NoMatch),
            (format!("v1a,{tag}"), SignatureError::NoMatch),
            (
                format!("v1,{}", tag.to_ascii_lowercase()),
                SignatureError::NoMatch,
            ),
            // Tab is not a separator; the entry is not a clean v1 entry.
            (format!("v1,xx\t{LIB_SIG}"), SignatureError::NoMatch),
            (
                "x".repeat(MAX_SIGNATURE_HEADER + 1),
                SignatureError::MissingSignature,
            ),
        ];
        for (header, err) in cases {
            assert_eq!(check(&header, LIB_BODY), Err(err), "{header:?}");
        }
    }

    #[test]
    fn timestamp_tolerance_is_300_seconds_both_ways() {
        let s = lib_secret();
        let v = |now| verify(&s, LIB_ID, LIB_TS, LIB_SIG, LIB_BODY, now);
        assert_eq!(v(LIB_NOW + 300), Ok(()));
        assert_eq!(v(LIB_NOW - 300), Ok(()));
        assert_eq!(v(LIB_NOW + 301), Err(SignatureError::TimestampTooOld));
        assert_eq!(v(LIB_NOW - 301), Err(SignatureError::TimestampInFuture));
        assert_eq!(v(i64::MIN), Err(SignatureError::TimestampInFuture));
        assert_eq!(v(i64::MAX), Err(SignatureError::TimestampTooOld));
    }

    #[test]
    fn timestamp_changed_after_signing_fails() {
        let s = lib_secret();
        let r = verify(&s, LIB_ID, "1614265331", LIB_SIG, LIB_BODY, LIB_NOW);
        assert_eq!(r, Err(SignatureError::NoMatch));
    }

    #[test]
    fn id_changed_after_signing_fails() {
        let r = verify(
            &lib_secret(),
            "msg_p5jXN8AQM9LWM0D4loKWxJeK",
            LIB_TS,
            LIB_SIG,
            LIB_BODY,
            LIB_NOW,
        );
        assert_eq!(r, Err(SignatureError::NoMatch));
    }

    #[test]
    fn strict_timestamp_parsing() {
        for bad in [
            "",
            " 1614265330",
            "1614265330 ",
            "+1614265330",
            "-1614265330",
            "01614265330",
            "1614265330.0",
            "1e9",
            "0x60379ef2",
            "１６１４２６５３３０",
            "1_614_265_330",
            "9999999999999",
            "16142653３0",
        ] {
            assert_eq!(
                verify(&lib_secret(), LIB_ID, bad, LIB_SIG, LIB_BODY, LIB_NOW),
                Err(SignatureError::InvalidTimestamp),
                "{bad:?}"
            );
        }
        assert_eq!(parse_timestamp("0"), Ok(0));
        assert_eq!(parse_timestamp("999999999999"), Ok(999_999_999_999));
    }

    #[test]
    fn strict_id_parsing() {
        let long = "m".repeat(MAX_ID_LEN + 1);
        for bad in [
            "",
            " ",
            "msg 1",
            "msg\t1",
            "msg.1",
            "msg,1",
            "msg_ñ",
            "msg\u{0}",
            long.as_str(),
        ] {
            assert_eq!(
                verify(&lib_secret(), bad, LIB_TS, LIB_SIG, LIB_BODY, LIB_NOW),
                Err(SignatureError::InvalidId),
                "{bad:?}"
            );
        }
        assert!(is_valid_id(&"m".repeat(MAX_ID_LEN)));
    }

    /// Bodies that are "the same JSON" but not the same bytes must fail: the
    /// re-serialised-body bug from integrators' trackers.
    #[test]
    fn body_must_be_the_raw_bytes() {
        let reserialised =
            serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(LIB_BODY).unwrap())
                .unwrap();
        assert_eq!(reserialised, br#"{"test":2432232314}"#);
        for body in [
            reserialised.as_slice(),
            br#"{"test": 2432232314} "#,
            br#" {"test": 2432232314}"#,
            br#"{"test":  2432232314}"#,
            br#"{"test": 2432232314}
"#,
            br#"{"\u0074est": 2432232314}"#,
            br#"{"test": 2432232315}"#,
            b"",
        ] {
            assert_eq!(
                check(LIB_SIG, body),
                Err(SignatureError::NoMatch),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn body_size_limit() {
        let s = lib_secret();
        let at_limit = vec![b'a'; MAX_BODY];
        let sig = sign(&s, LIB_ID, LIB_NOW, &at_limit);
        assert_eq!(verify(&s, LIB_ID, LIB_TS, &sig, &at_limit, LIB_NOW), Ok(()));
        let over = vec![b'a'; MAX_BODY + 1];
        let sig = sign(&s, LIB_ID, LIB_NOW, &over);
        assert_eq!(
            verify(&s, LIB_ID, LIB_TS, &sig, &over, LIB_NOW),
            Err(SignatureError::BodyTooLarge)
        );
    }

    #[test]
    fn non_utf8_bodies_are_signed_as_bytes() {
        let s = lib_secret();
        let body = [0xff, 0xfe, 0x00, b'{'];
        let sig = sign(&s, LIB_ID, LIB_NOW, &body);
        assert_eq!(verify(&s, LIB_ID, LIB_TS, &sig, &body, LIB_NOW), Ok(()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn sign_then_verify_round_trips(
            key in proptest::collection::vec(any::<u8>(), MIN_KEY_LEN..=MAX_KEY_LEN),
            id in "[A-Za-z0-9_-]{1,40}",
            ts in 0_i64..=999_999_999_999,
            skew in -300_i64..=300,
            body in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let secret = WebhookSecret::from_key(key).unwrap();
            let sig = sign(&secret, &id, ts, &body);
            prop_assert_eq!(verify(&secret, &id, &ts.to_string(), &sig, &body, ts + skew), Ok(()));
            let reparsed = WebhookSecret::parse(&secret.to_whsec()).unwrap();
            prop_assert_eq!(sign(&reparsed, &id, ts, &body), sig);
        }

        #[test]
        fn flipped_body_bit_fails(
            body in proptest::collection::vec(any::<u8>(), 1..256),
            index in any::<prop::sample::Index>(),
            bit in 0_u8..8,
        ) {
            let s = lib_secret();
            let sig = sign(&s, LIB_ID, LIB_NOW, &body);
            let mut tampered = body.clone();
            tampered[index.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(check(&sig, &tampered), Err(SignatureError::NoMatch));
        }

        #[test]
        fn flipped_signature_char_fails(index in 3_usize..LIB_SIG.len() - 1, c in "[A-Za-z0-9+/]") {
            let mut sig = LIB_SIG.to_string();
            prop_assume!(sig[index..=index] != c);
            sig.replace_range(index..=index, &c);
            prop_assert!(check(&sig, LIB_BODY).is_err());
        }

        #[test]
        fn arbitrary_headers_never_panic(
            id in "\\PC{0,60}",
            ts in "\\PC{0,20}",
            header in "\\PC{0,200}",
            now in any::<i64>(),
        ) {
            let _ = verify(&lib_secret(), &id, &ts, &header, LIB_BODY, now);
            if let Ok(parsed) = parse_timestamp(&ts) {
                prop_assert_eq!(parsed.to_string(), ts);
            }
        }

        #[test]
        fn arbitrary_secrets_never_panic(text in "\\PC{0,120}") {
            if let Ok(secret) = WebhookSecret::parse(&text) {
                prop_assert!(WebhookSecret::parse(&secret.to_whsec()).is_ok());
            }
        }
    }
}
