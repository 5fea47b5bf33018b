//! Delivering an event to one endpoint, once: Standard Webhooks v1 headers (the event id
//! as `webhook-id` on every attempt, a fresh timestamp and signature, one `v1,` entry per
//! live secret during a rotation), a 15 s limit, redirects not followed, and only the
//! status and the first 1 KiB of the answer kept.

use futures_util::StreamExt;
use futures_util::future::{Either, select};
use std::time::Duration;
use vale_shared::webhook::{self, WebhookSecret};
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
};

/// How long one delivery may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How much of the endpoint's answer is kept.
pub const KEEP_ANSWER: usize = 1024;

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The HTTP status, if the endpoint answered.
    pub status: Option<u16>,
    /// The start of the answer's body, or why there was none.
    pub answer: String,
}

impl Attempt {
    /// Whether it ends the retries: any 2xx.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn failed(why: &str) -> Self {
        Attempt {
            status: None,
            answer: why.to_owned(),
        }
    }
}

/// The `webhook-signature` header: one `v1,` entry per secret, space-separated.
pub fn signature(secrets: &[WebhookSecret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| webhook::sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Posts `body` to `url` as event `id`, signed with each of `secrets` at `timestamp`.
pub async fn send(
    url: &str,
    id: &str,
    body: &str,
    secrets: &[WebhookSecret],
    timestamp: i64,
) -> Attempt {
    let request = match request(url, id, body, secrets, timestamp) {
        Ok(request) => request,
        Err(_) => return Attempt::failed("the request could not be built"),
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Box::pin(async move {
        let mut resp = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = resp.status_code();
        let mut kept = Vec::new();
        if let Ok(mut stream) = resp.stream() {
            while kept.len() < KEEP_ANSWER {
                match stream.next().await {
                    Some(Ok(chunk)) => kept.extend_from_slice(&chunk),
                    _ => break,
                }
            }
        }
        kept.truncate(KEEP_ANSWER);
        Ok::<_, worker::Error>(Attempt {
            status: Some(status),
            answer: String::from_utf8_lossy(&kept).into_owned(),
        })
    });
    let timeout = Box::pin(Delay::from(TIMEOUT));
    match select(fetch, timeout).await {
        Either::Left((Ok(attempt), _)) => attempt,
        Either::Left((Err(_), _)) => Attempt::failed("the endpoint could not be reached"),
        Either::Right(_) => {
            controller.abort();
            Attempt::failed("the endpoint did not answer within 15 s")
        }
    }
}

fn request(
    url: &str,
    id: &str,
    body: &str,
    secrets: &[WebhookSecret],
    timestamp: i64,
) -> worker::Result<Request> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("user-agent", "Vale-Webhooks/1")?;
    headers.set("webhook-id", id)?;
    headers.set("webhook-timestamp", &timestamp.to_string())?;
    headers.set(
        "webhook-signature",
        &signature(secrets, id, timestamp, body.as_bytes()),
    )?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(body.into()));
    Request::new_with_init(url, &init)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let new = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let old = WebhookSecret::parse("whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=").unwrap();
        let header = signature(&[new.clone(), old.clone()], "evt_1", 1_700_000_000, b"{}");
        for secret in [&new, &old] {
            assert!(
                webhook::verify(secret, "evt_1", "1700000000", &header, b"{}", 1_700_000_000)
                    .is_ok()
            );
        }
        assert_eq!(header.matches("v1,").count(), 2);
    }

    #[test]
    fn only_2xx_succeeds() {
        let at = |status| Attempt {
            status,
            answer: String::new(),
        };
        assert!(at(Some(200)).succeeded() && at(Some(204)).succeeded());
        assert!(!at(Some(301)).succeeded() && !at(Some(500)).succeeded() && !at(None).succeeded());
    }
}
