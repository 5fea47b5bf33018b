//! PagoEfectivo's REST API v1, as the live adapter calls it: a token per merchant
//! (cached in the isolate until a minute before `tokenExpires`, fetched once however many
//! calls wait for it, renewed once on a `401`), one deadline of [`DEADLINE`] for each
//! operation however many requests it takes, and no retries beyond that one renewal: the
//! caller's retry (a merchant's, PagoEfectivo's own notification retry, the next sweep)
//! is the retry. The bodies and answers are [`vale_shared::pagoefectivo::rest`]'s.

use crate::config::PagoefectivoApi;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::networks::rail::Upstream;
use crate::runtime::clock;
use futures_util::future::{Either, select};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;
use vale_shared::Secret;
use vale_shared::networks::NetworkKey;
use vale_shared::pagoefectivo::rest::{self, AnswerError, CipOrder, CipState, Credentials};
use worker::{AbortController, AbortSignal, Delay, Fetch, Headers, Method, Request, RequestInit};

/// The longest one operation (token included) may take.
pub const DEADLINE: Duration = Duration::from_secs(8);

/// How long past [`DEADLINE`] a create still listens for PagoEfectivo's answer: a CIP
/// that arrives then was shown to no one (the create already answered `503`), and is
/// deleted (review M1).
pub const LATE_ANSWER: Duration = Duration::from_secs(60);

/// The CIP of a create whose answer came after [`DEADLINE`], if it comes within
/// [`LATE_ANSWER`]: an orphan, issued upstream for a voucher that never got it.
pub type Late = std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>>>>;

/// `503`: PagoEfectivo did not answer (down, slow, 5xx or 429).
pub fn unavailable() -> ApiError {
    ApiError::new(
        503,
        ErrorType::ApiError,
        "network_unavailable",
        "PagoEfectivo did not answer in time; nothing changed. Retry in a moment.",
    )
}

/// `502`: PagoEfectivo answered something Vale cannot use (a refusal or a malformed
/// answer). Its own text is not echoed.
pub fn network_error() -> ApiError {
    ApiError::new(
        502,
        ErrorType::ApiError,
        "network_error",
        "PagoEfectivo refused the request or answered something unusable; nothing changed.",
    )
}

/// One call's failure, before it becomes an [`ApiError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    /// No answer, a timeout, a 5xx or a 429.
    Unavailable,
    /// A 401: the token is no good.
    Unauthorized,
    /// Another status, with the answer's body kept for the caller to read.
    Refused,
    /// An answer that does not parse.
    Malformed,
}

impl From<Fail> for ApiError {
    fn from(fail: Fail) -> ApiError {
        match fail {
            Fail::Unavailable => unavailable(),
            Fail::Unauthorized | Fail::Refused | Fail::Malformed => network_error(),
        }
    }
}

impl From<AnswerError> for Fail {
    fn from(_: AnswerError) -> Fail {
        Fail::Malformed
    }
}

/// A merchant's token, or the fetch of one under way.
#[derive(Debug, Clone)]
enum Cached {
    /// Asked for at this time; the others wait for it (within [`DEADLINE`]).
    Fetching(time::OffsetDateTime),
    /// Got.
    Ready(rest::Token),
}

/// How often a call waiting for another's token fetch looks again.
const TOKEN_POLL: Duration = Duration::from_millis(25);

thread_local! {
    /// Tokens by merchant and base URL. Only values are shared, never the fetch itself:
    /// workerd lets no request (or object) await another's I/O, so a call that finds a
    /// fetch under way waits for its result to appear here instead (twenty creates at
    /// once ask for one token, not twenty).
    static TOKENS: RefCell<HashMap<String, Cached>> = RefCell::new(HashMap::new());
}

/// A live merchant's PagoEfectivo API.
#[derive(Debug, Clone)]
pub struct Client {
    cache_key: String,
    api: PagoefectivoApi,
    secret_key: Secret,
}

/// An HTTP answer: status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

async fn send(
    method: Method,
    url: String,
    token: Option<&Secret>,
    body: Option<Vec<u8>>,
    signal: &AbortSignal,
) -> Result<Answer, Fail> {
    let build = || -> worker::Result<Request> {
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("accept", "application/json")?;
        headers.set("accept-language", "es-PE")?;
        if let Some(token) = token {
            headers.set("authorization", &format!("Bearer {}", token.expose()))?;
        }
        let mut init = RequestInit::new();
        init.with_method(method)
            .with_headers(headers)
            .with_body(body.map(|b| worker::js_sys::Uint8Array::from(b.as_slice()).into()));
        Request::new_with_init(&url, &init)
    };
    let request = build().map_err(|_| Fail::Malformed)?;
    let mut resp = Fetch::Request(request)
        .send_with_signal(signal)
        .await
        .map_err(|_| Fail::Unavailable)?;
    let status = resp.status_code();
    let body = resp.bytes().await.map_err(|_| Fail::Unavailable)?;
    match status {
        200..=299 => Ok(Answer { status, body }),
        401 => Err(Fail::Unauthorized),
        429 | 500..=599 => Err(Fail::Unavailable),
        _ => Ok(Answer { status, body }),
    }
}

/// Runs `work` under one deadline of [`DEADLINE`], aborting its requests when it passes.
async fn within<T>(work: impl AsyncFnOnce(&AbortSignal) -> Result<T, Fail>) -> Result<T, Fail> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let run = Box::pin(async move { work(&signal).await });
    match select(run, Box::pin(Delay::from(DEADLINE))).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            controller.abort();
            Err(Fail::Unavailable)
        }
    }
}

impl Client {
    /// The client for a merchant's configured API.
    pub fn new(merchant: &str, api: &PagoefectivoApi, secret_key: &Secret) -> Client {
        Client {
            cache_key: format!("{merchant} {}", api.base_url),
            api: api.clone(),
            secret_key: secret_key.clone(),
        }
    }

    /// A token that is good for at least another minute and is not `refused`: the cached
    /// one, the one being fetched, or a new one (so twenty calls refused with the same
    /// old token share one renewal).
    async fn token(
        &self,
        signal: &AbortSignal,
        refused: Option<&Secret>,
    ) -> Result<rest::Token, Fail> {
        loop {
            let now = clock::now();
            match TOKENS.with(|t| t.borrow().get(&self.cache_key).cloned()) {
                Some(Cached::Ready(token))
                    if refused != Some(&token.token)
                        && token.expires - time::Duration::MINUTE > now =>
                {
                    return Ok(token);
                }
                Some(Cached::Fetching(since)) if now - since < DEADLINE => {
                    Delay::from(TOKEN_POLL).await;
                }
                _ => break,
            }
        }
        let now = clock::now();
        TOKENS.with(|t| {
            t.borrow_mut()
                .insert(self.cache_key.clone(), Cached::Fetching(now))
        });
        let body = rest::authorization_body(
            &Credentials {
                id_service: &self.api.id_service,
                access_key: self.api.access_key.expose(),
                secret_key: &self.secret_key,
            },
            now,
        );
        let url = format!("{}/v1/authorizations", self.api.base_url);
        let token = match send(Method::Post, url, None, Some(body), signal).await {
            Ok(a) if (200..300).contains(&a.status) => {
                rest::parse_token(&a.body).map_err(Fail::from)
            }
            Ok(_) | Err(Fail::Unauthorized) => Err(Fail::Refused),
            Err(fail) => Err(fail),
        };
        TOKENS.with(|t| {
            let mut t = t.borrow_mut();
            match &token {
                Ok(token) => t.insert(self.cache_key.clone(), Cached::Ready(token.clone())),
                // A failed fetch is not cached: the next call tries again.
                Err(_) => t.remove(&self.cache_key),
            }
        });
        token
    }

    /// One authenticated call, renewing the token once if PagoEfectivo says it is no good.
    async fn call(
        &self,
        signal: &AbortSignal,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Fail> {
        let url = format!("{}{path}", self.api.base_url);
        let token = self.token(signal, None).await?;
        match send(
            method.clone(),
            url.clone(),
            Some(&token.token),
            body.clone(),
            signal,
        )
        .await
        {
            Err(Fail::Unauthorized) => {
                let refused = token.token;
                let token = self.token(signal, Some(&refused)).await?;
                send(method, url, Some(&token.token), body, signal)
                    .await
                    .map_err(|f| {
                        if f == Fail::Unauthorized {
                            Fail::Refused
                        } else {
                            f
                        }
                    })
            }
            other => other,
        }
    }

    /// `POST /v1/cips`: the CIP for a voucher, with PagoEfectivo's page for it. An answer
    /// that does not come within [`DEADLINE`] is `503` for the caller, but the request is
    /// not abandoned: the [`Late`] future beside the error yields its CIP if it comes
    /// within [`LATE_ANSWER`], so the caller can delete what PagoEfectivo issued anyway.
    pub async fn issue(
        &self,
        order: &CipOrder<'_>,
    ) -> Result<rest::IssuedCip, (ApiError, Option<Late>)> {
        let body = rest::cip_body(order).map_err(|e| {
            (
                ApiError::invalid(e.param(), "parameter_invalid", e.to_string()),
                None,
            )
        })?;
        let (client, amount, transaction_code) = (
            self.clone(),
            order.amount,
            order.transaction_code.to_owned(),
        );
        let controller = AbortController::default();
        let signal = controller.signal();
        let run = Box::pin(async move {
            let answer = client
                .call(&signal, Method::Post, "/v1/cips", Some(body))
                .await?;
            if !(200..300).contains(&answer.status) {
                return Err(Fail::Refused);
            }
            let customer = vale_shared::voucher::Customer::default();
            let check = CipOrder {
                amount,
                transaction_code: &transaction_code,
                expires_at: clock::now(),
                concept: "",
                customer: &customer,
            };
            Ok(rest::parse_issued(&answer.body, &check)?)
        });
        match select(run, Box::pin(Delay::from(DEADLINE))).await {
            Either::Left((result, _)) => result.map_err(|fail| (fail.into(), None)),
            Either::Right((_, run)) => {
                let late: Late = Box::pin(async move {
                    match select(run, Box::pin(Delay::from(LATE_ANSWER))).await {
                        Either::Left((Ok(issued), _)) => Some(issued.cip),
                        Either::Left((Err(_), _)) => None,
                        Either::Right(_) => {
                            controller.abort();
                            None
                        }
                    }
                });
                Err((unavailable(), Some(late)))
            }
        }
    }

    /// `POST /v1/cips/search`: what PagoEfectivo says of each of `cips` it knows.
    pub async fn search(&self, cips: &[&str]) -> ApiResult<Vec<(String, Upstream)>> {
        let body = rest::search_body(cips);
        let rows = within(async |signal| {
            let answer = self
                .call(signal, Method::Post, "/v1/cips/search", Some(body))
                .await?;
            if !(200..300).contains(&answer.status) {
                return Err(Fail::Refused);
            }
            Ok(rest::parse_search(&answer.body)?)
        })
        .await?;
        Ok(rows
            .into_iter()
            .map(|(cip, state)| (cip, Upstream::from(state)))
            .collect())
    }

    /// `PATCH /v1/cips/{cip}`: moves the CIP's deadline (`dateExpiry`, in `-05:00`).
    /// Anything but PagoEfectivo's success is an error: a refusal or an unusable answer
    /// is `502`, no answer `503`, and the caller changes nothing.
    pub async fn move_expiry(&self, cip: &str, expires_at: time::OffsetDateTime) -> ApiResult<()> {
        let path = format!("/v1/cips/{cip}");
        let body = rest::expiry_body(expires_at);
        Ok(within(async |signal| {
            let answer = self.call(signal, Method::Patch, &path, Some(body)).await?;
            if !(200..300).contains(&answer.status) {
                return Err(Fail::Refused);
            }
            Ok(rest::parse_moved(&answer.body)?)
        })
        .await?)
    }

    /// `DELETE /v1/cips/{cip}`: `Ok(true)` once deleted, `Ok(false)` when PagoEfectivo
    /// refused (the caller asks why with a search).
    pub async fn delete(&self, cip: &str) -> ApiResult<bool> {
        let path = format!("/v1/cips/{cip}");
        Ok(within(async |signal| {
            let answer = self.call(signal, Method::Delete, &path, None).await?;
            Ok((200..300).contains(&answer.status))
        })
        .await?)
    }
}

impl From<CipState> for Upstream {
    fn from(state: CipState) -> Upstream {
        match state {
            CipState::Pending => Upstream::Pending,
            CipState::Paid {
                amount,
                operation_number,
                paid_at,
            } => Upstream::Paid {
                amount,
                payment_key: NetworkKey::pagoefectivo_paid(operation_number),
                paid_at,
            },
            CipState::Expired => Upstream::Expired,
            CipState::Deleted => Upstream::Gone,
            CipState::Other => Upstream::Unknown,
        }
    }
}
