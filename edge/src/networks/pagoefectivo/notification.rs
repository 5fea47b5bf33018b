//! PagoEfectivo's notification: verify `PE-Signature` against each candidate merchant's
//! secrets (test and live), then parse with the shared parser. Also builds the signed
//! request the sandbox sends.

use crate::api::notifications::{Verified, bad_signature, malformed};
use crate::config::{Merchant, Mode};
use crate::http::error::{ApiError, ApiResult};
use crate::objects::voucher::{Notice, Reported};
use time::OffsetDateTime;
use vale_shared::networks::NetworkKey;
use vale_shared::pagoefectivo::{self, EventType, Notification};
use vale_shared::{Money, Network};
use worker::{Headers, Method, Request, RequestInit};

/// The header PagoEfectivo signs with.
const HEADER: &str = "pe-signature";

/// Verifies and parses a PagoEfectivo notification.
pub fn verify<'a>(
    req: &Request,
    body: &[u8],
    merchants: &[&'a Merchant],
) -> ApiResult<Verified<'a>> {
    let header = req.headers().get(HEADER).ok().flatten().unwrap_or_default();
    if header.is_empty() {
        return Err(bad_signature(
            "signature_missing",
            "The PE-Signature header is missing.",
        ));
    }
    let (merchant, mode) = merchants
        .iter()
        .flat_map(|m| Mode::ALL.map(|mode| (*m, mode)))
        .find(|(m, mode)| {
            m.secrets(*mode)
                .pagoefectivo
                .as_ref()
                .is_some_and(|secret| pagoefectivo::verify(secret, &header, body).is_ok())
        })
        .ok_or_else(|| {
            bad_signature(
                "signature_invalid",
                "PE-Signature does not match the body under this merchant's keys.",
            )
        })?;
    let n = pagoefectivo::parse_notification(body).map_err(|_| malformed(Network::Pagoefectivo))?;
    Ok(Verified {
        merchant,
        mode,
        network: Network::Pagoefectivo,
        voucher_id: n.transaction_code.as_deref().and_then(|t| t.parse().ok()),
        notice: Notice {
            network_key: match n.event_type {
                EventType::CipPaid => NetworkKey::pagoefectivo_paid(n.operation_number),
                EventType::CipExpired => NetworkKey::Expired(n.operation_number),
            },
            message_id: None,
            payment_code: n.cip,
            accept_other_code: false,
            report: match n.event_type {
                EventType::CipPaid => Reported::Paid {
                    amount: n.amount,
                    paid_at: n.payment_date,
                },
                EventType::CipExpired => Reported::Expired,
            },
            body: String::from_utf8_lossy(body).into_owned(),
            source: "notification".to_owned(),
        },
    })
}

/// The request PagoEfectivo would send to report `cip` paid: the sandbox's simulator.
#[allow(clippy::too_many_arguments)]
pub fn signed_request(
    merchant: &Merchant,
    mode: Mode,
    url: &str,
    operation_number: String,
    cip: &str,
    voucher_id: &str,
    amount: Money,
    paid_at: OffsetDateTime,
) -> ApiResult<Request> {
    let secret = merchant
        .secrets(mode)
        .pagoefectivo
        .as_ref()
        .ok_or_else(|| {
            ApiError::invalid(
                "network",
                "network_not_configured",
                "This merchant has no PagoEfectivo key in this mode.",
            )
        })?;
    let notification = Notification {
        event_type: EventType::CipPaid,
        operation_number,
        cip: cip.to_owned(),
        amount,
        payment_date: Some(paid_at),
        transaction_code: Some(voucher_id.to_owned()),
    };
    let body = pagoefectivo::notification_body(&notification).map_err(ApiError::internal)?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set(HEADER, &pagoefectivo::sign(secret, &body))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(
            worker::js_sys::Uint8Array::from(body.as_slice()).into(),
        ));
    Ok(Request::new_with_init(url, &init)?)
}
