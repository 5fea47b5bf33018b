//! The merchant's `POST /v1/vouchers/{id}` body: what may change on a voucher after it
//! was issued (its deadline, `expires_at`), checked by the same code as create's, so a
//! moved deadline obeys create's rules and a `400` names the parameter the same way.

use super::create::{self, InvalidParam};
use crate::network::Network;
use time::{Duration, OffsetDateTime};

/// An update request that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherUpdate {
    /// The new deadline, in the network's offset (on Efecty, the end of its Bogotá day).
    pub expires_at: OffsetDateTime,
}

impl VoucherUpdate {
    /// Checks a `POST /v1/vouchers/{id}` body for a voucher of `network`, at `now` (the
    /// voucher's clock): `expires_at` is required, 15 minutes (or `min_lifetime`) to 30
    /// days ahead, as on create; any other field is refused.
    ///
    /// ```
    /// use time::{Duration, macros::datetime};
    /// use vale_shared::{Network, voucher::VoucherUpdate};
    /// let now = datetime!(2026-11-22 12:00 UTC); // 07:00 in Bogotá
    /// let body = br#"{"expires_at": "2026-11-27T15:00:00Z"}"#;
    /// let update = VoucherUpdate::from_json(body, Network::Efecty, now, Duration::minutes(15))?;
    /// assert_eq!(update.expires_at, datetime!(2026-11-27 23:59:59 -5));
    /// let err = VoucherUpdate::from_json(br#"{}"#, Network::Efecty, now, Duration::minutes(15));
    /// assert_eq!(err.unwrap_err().param, "expires_at");
    /// # Ok::<(), vale_shared::voucher::InvalidParam>(())
    /// ```
    pub fn from_json(
        body: &[u8],
        network: Network,
        now: OffsetDateTime,
        min_lifetime: Duration,
    ) -> Result<VoucherUpdate, InvalidParam> {
        const KNOWN: [&str; 1] = ["expires_at"];
        let fields = create::fields(body, &KNOWN)?;
        let requested = create::required_str(&fields, "expires_at")?;
        Ok(VoucherUpdate {
            expires_at: create::expires_at(Some(requested), network, now, min_lifetime)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expiry::MIN_LIFETIME;
    use proptest::prelude::*;
    use time::macros::datetime;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn check(body: &str, network: Network) -> Result<VoucherUpdate, InvalidParam> {
        VoucherUpdate::from_json(body.as_bytes(), network, NOW, MIN_LIFETIME)
    }

    #[test]
    fn the_new_deadline_follows_creates_rules() {
        let asked = r#"{"expires_at":"2026-11-24T04:00:00Z"}"#; // 23:00 on the 23rd in Bogotá
        assert_eq!(
            check(asked, Network::Efecty).map(|u| u.expires_at),
            Ok(datetime!(2026-11-23 23:59:59 -5))
        );
        assert_eq!(
            check(asked, Network::Pagoefectivo).map(|u| u.expires_at),
            Ok(datetime!(2026-11-23 23:00 -5))
        );
    }

    #[test]
    fn each_bad_body_is_named() {
        let cases = [
            ("not json", "body", "body_invalid"),
            ("[]", "body", "body_invalid"),
            ("{}", "expires_at", "parameter_missing"),
            (r#"{"expires_at":null}"#, "expires_at", "parameter_missing"),
            (r#"{"expires_at":5}"#, "expires_at", "parameter_invalid"),
            (
                r#"{"expires_at":"mañana"}"#,
                "expires_at",
                "expires_at_invalid",
            ),
            (
                r#"{"expires_at":"2026-11-22T12:10:00Z"}"#,
                "expires_at",
                "expires_at_too_soon",
            ),
            (
                r#"{"expires_at":"2026-12-23T12:00:00Z"}"#,
                "expires_at",
                "expires_at_too_late",
            ),
            (
                r#"{"expires_at":"2026-11-23T12:00:00Z","amount":1}"#,
                "amount",
                "parameter_unknown",
            ),
        ];
        for (body, param, code) in cases {
            let e = check(body, Network::Efecty).unwrap_err();
            assert_eq!((e.param.as_str(), e.code), (param, code), "{body}");
        }
    }

    proptest! {
        #[test]
        fn update_never_panics(body in prop::collection::vec(any::<u8>(), 0..128)) {
            let _ = VoucherUpdate::from_json(&body, Network::Efecty, NOW, MIN_LIFETIME);
        }
    }
}
