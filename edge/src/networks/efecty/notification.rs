//! Efecty's notification: a Standard Webhooks v1 signed body, verified against each
//! candidate merchant's `whsec_` secrets (test and live) with the request's clock, then
//! parsed. Also builds the signed request the sandbox sends.

use crate::api::notifications::{Verified, bad_signature, malformed};
use crate::config::{Merchant, Mode};
use crate::http::error::{ApiError, ApiResult};
use crate::objects::voucher::{Notice, Reported};
use crate::runtime::clock;
use time::OffsetDateTime;
use vale_shared::efecty::{self, EventType, Notification};
use vale_shared::networks::NetworkKey;
use vale_shared::webhook::{self, SignatureError};
use vale_shared::{Money, Network};
use worker::{Headers, Method, Request, RequestInit};

fn header(req: &Request, name: &str) -> String {
    req.headers().get(name).ok().flatten().unwrap_or_default()
}

/// Verifies and parses an Efecty notification.
pub fn verify<'a>(
    req: &Request,
    body: &[u8],
    merchants: &[&'a Merchant],
) -> ApiResult<Verified<'a>> {
    let id = header(req, "webhook-id");
    let timestamp = header(req, "webhook-timestamp");
    let signature = header(req, "webhook-signature");
    if id.is_empty() || timestamp.is_empty() || signature.is_empty() {
        return Err(bad_signature(
            "signature_missing",
            "webhook-id, webhook-timestamp and webhook-signature are all required.",
        ));
    }
    let now_secs = clock::now().unix_timestamp();
    // The most telling refusal across merchants: a bad timestamp or id is the same for all.
    let mut refusal = SignatureError::NoMatch;
    let mut merchant = None;
    for (m, mode) in merchants
        .iter()
        .flat_map(|m| Mode::ALL.map(|mode| (*m, mode)))
    {
        let Some(secret) = &m.secrets(mode).efecty else {
            continue;
        };
        match webhook::verify(secret, &id, &timestamp, &signature, body, now_secs) {
            Ok(()) => {
                merchant = Some((m, mode));
                break;
            }
            Err(e) => {
                if e != SignatureError::NoMatch {
                    refusal = e;
                }
            }
        }
    }
    let Some((merchant, mode)) = merchant else {
        let (code, message) = match refusal {
            SignatureError::TimestampTooOld => (
                "timestamp_too_old",
                "webhook-timestamp is more than 300 s in the past.",
            ),
            SignatureError::TimestampInFuture => (
                "timestamp_in_future",
                "webhook-timestamp is more than 300 s in the future.",
            ),
            SignatureError::InvalidTimestamp => (
                "timestamp_invalid",
                "webhook-timestamp must be Unix seconds.",
            ),
            SignatureError::InvalidId => ("webhook_id_invalid", "webhook-id is not a valid id."),
            SignatureError::BodyTooLarge => ("body_too_large", "The body is larger than 64 KiB."),
            _ => (
                "signature_invalid",
                "webhook-signature does not match under this merchant's secrets.",
            ),
        };
        return Err(bad_signature(code, message));
    };
    let n = efecty::parse_notification(body).map_err(|_| malformed(Network::Efecty))?;
    Ok(Verified {
        merchant,
        mode,
        network: Network::Efecty,
        voucher_id: None,
        notice: Notice {
            // One payment is one payment: Efecty's authorisation names it, whatever the
            // message id.
            network_key: NetworkKey::efecty(n.authorization),
            message_id: Some(id),
            payment_code: n.payment_code,
            accept_other_code: false,
            report: match n.event_type {
                EventType::PaymentSucceeded => Reported::Paid {
                    amount: n.amount,
                    paid_at: Some(n.paid_at),
                },
            },
            body: String::from_utf8_lossy(body).into_owned(),
            source: "notification".to_owned(),
        },
    })
}

/// The request Efecty would send to report `payment_code` paid: the sandbox's simulator.
pub fn signed_request(
    merchant: &Merchant,
    mode: Mode,
    url: &str,
    webhook_id: &str,
    payment_code: &str,
    amount: Money,
    paid_at: OffsetDateTime,
) -> ApiResult<Request> {
    let secret = merchant.secrets(mode).efecty.as_ref().ok_or_else(|| {
        ApiError::invalid(
            "network",
            "network_not_configured",
            "This merchant has no Efecty secret in this mode.",
        )
    })?;
    let notification = Notification {
        event_type: EventType::PaymentSucceeded,
        payment_code: payment_code.to_owned(),
        amount,
        paid_at,
        agent_id: "sandbox".to_owned(),
        authorization: webhook_id.trim_start_matches("msg_").to_owned(),
    };
    let body = efecty::notification_body(&notification).map_err(ApiError::internal)?;
    let timestamp = paid_at.unix_timestamp();
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("webhook-id", webhook_id)?;
    headers.set("webhook-timestamp", &timestamp.to_string())?;
    headers.set(
        "webhook-signature",
        &webhook::sign(secret, webhook_id, timestamp, &body),
    )?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(
            worker::js_sys::Uint8Array::from(body.as_slice()).into(),
        ));
    Ok(Request::new_with_init(url, &init)?)
}
