//! The name of one signal value's counter: an HMAC under the server key of the merchant,
//! the mode, the signal and the canonical value. Counters are spread over many objects
//! (one per value, never one hot object), test and live never share one, and no name
//! carries a shopper's e-mail, phone, document or address: without the server key a name
//! cannot be tied to a value.

use super::signal::Signal;
use crate::MerchantId;
use hmac::{Hmac, Mac as _};

/// The counter name (64 lowercase hex digits) of `value` of `signal`, for `merchant`'s
/// vouchers of one mode.
///
/// ```
/// use vale_shared::{MerchantId, risk::{Signal, counter_key}};
/// let m = MerchantId::local();
/// let test = counter_key(b"server key", &m, false, Signal::Email, "ana@example.co");
/// assert_eq!(test.len(), 64);
/// assert_ne!(test, counter_key(b"server key", &m, true, Signal::Email, "ana@example.co"));
/// assert!(!test.contains("ana"));
/// ```
pub fn counter_key(
    server_key: &[u8],
    merchant: &MerchantId,
    livemode: bool,
    signal: Signal,
    value: &str,
) -> String {
    let mode = if livemode { "live" } else { "test" };
    let tag = Hmac::<sha2::Sha256>::new_from_slice(server_key)
        .map(|mac| {
            mac.chain_update(format!(
                "vale/risk/v1/{merchant}/{mode}/{}/",
                signal.as_str()
            ))
            .chain_update(value.as_bytes())
            .finalize()
            .into_bytes()
        })
        .unwrap_or_default();
    hex::encode(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_differ_by_merchant_mode_signal_value_and_key() {
        let m = MerchantId::local();
        let other: MerchantId = "mer_000000000000000000000001".parse().unwrap();
        let base = counter_key(b"k1", &m, false, Signal::Ip, "203.0.113.9");
        for variant in [
            counter_key(b"k2", &m, false, Signal::Ip, "203.0.113.9"),
            counter_key(b"k1", &other, false, Signal::Ip, "203.0.113.9"),
            counter_key(b"k1", &m, true, Signal::Ip, "203.0.113.9"),
            counter_key(b"k1", &m, false, Signal::Device, "203.0.113.9"),
            counter_key(b"k1", &m, false, Signal::Ip, "203.0.113.10"),
        ] {
            assert_ne!(base, variant);
        }
        assert_eq!(
            base,
            counter_key(b"k1", &m, false, Signal::Ip, "203.0.113.9")
        );
        assert!(
            base.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
