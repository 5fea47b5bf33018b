//! Reading the voucher's display view from the API, and what can go wrong doing it.
//!
//! The view asks a [`Source`]; the browser build uses [`Http`] (`fetch` with the client
//! secret as bearer token) and tests hand in canned answers.

use std::future::Future;
use std::pin::Pin;
use vale_shared::voucher::DisplayVoucher;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why the voucher could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// No answer: offline, DNS, CORS, aborted.
    Network,
    /// `401`/`403`: the client secret is wrong or belongs to another voucher.
    Unauthorized,
    /// `404`, or an id that is not a voucher id.
    NotFound,
    /// `429` or `5xx`: worth trying again later.
    Unavailable,
    /// A `200` whose body is not a display voucher, or another status.
    Malformed,
}

impl FetchError {
    /// What to tell the shopper, in Spanish.
    pub const fn message(self) -> &'static str {
        match self {
            FetchError::Network => {
                "No hay conexión. Revisa tu internet; tu código sigue siendo válido."
            }
            FetchError::Unauthorized => {
                "El enlace de este comprobante no es válido. Vuelve a abrirlo desde la tienda."
            }
            FetchError::NotFound => "No encontramos este comprobante. Vuelve a la tienda.",
            FetchError::Unavailable => {
                "El servicio no responde en este momento. Lo intentaremos de nuevo."
            }
            FetchError::Malformed => "No pudimos leer el comprobante. Inténtalo de nuevo.",
        }
    }

    /// The machine-readable name used in `vale:error` events.
    pub const fn code(self) -> &'static str {
        match self {
            FetchError::Network => "network",
            FetchError::Unauthorized => "unauthorized",
            FetchError::NotFound => "not_found",
            FetchError::Unavailable => "unavailable",
            FetchError::Malformed => "malformed",
        }
    }

    /// Whether asking again may help (the shopper cannot fix a wrong link by waiting).
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            FetchError::Network | FetchError::Unavailable | FetchError::Malformed
        )
    }
}

/// Turns an HTTP answer into a display voucher.
///
/// ```
/// use vale_widget::api::{parse, FetchError};
/// assert_eq!(parse(401, "{}").unwrap_err(), FetchError::Unauthorized);
/// assert_eq!(parse(200, "not json").unwrap_err(), FetchError::Malformed);
/// ```
pub fn parse(status: u16, body: &str) -> Result<DisplayVoucher, FetchError> {
    match status {
        200 => serde_json::from_str(body).map_err(|_| FetchError::Malformed),
        401 | 403 => Err(FetchError::Unauthorized),
        404 => Err(FetchError::NotFound),
        429 | 500..=599 => Err(FetchError::Unavailable),
        _ => Err(FetchError::Malformed),
    }
}

/// A boxed, single-threaded future (the browser has one thread).
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where the view gets the voucher from.
pub trait Source {
    /// Reads the voucher once.
    fn fetch(&self) -> LocalFuture<Result<DisplayVoucher, FetchError>>;
}

/// The API over `fetch`: `GET {api_base}/v1/vouchers/{id}` with the client secret.
#[derive(Debug, Clone)]
pub struct Http {
    url: String,
    /// `Bearer …`; redacted when printed.
    authorization: vale_shared::Secret,
}

impl Http {
    /// A source for voucher `id`, or `NotFound` when `id` is not a voucher id (so it can
    /// never smuggle another path into the URL).
    pub fn new(api_base: &str, id: &str, client_secret: &str) -> Result<Self, FetchError> {
        let id: vale_shared::VoucherId = id.parse().map_err(|_| FetchError::NotFound)?;
        Ok(Http {
            url: format!(
                "{}/v1/vouchers/{}",
                api_base.trim_end_matches('/'),
                id.as_str()
            ),
            authorization: vale_shared::Secret::new(format!("Bearer {client_secret}")),
        })
    }
}

impl Source for Http {
    fn fetch(&self) -> LocalFuture<Result<DisplayVoucher, FetchError>> {
        let (url, authorization) = (self.url.clone(), self.authorization.clone());
        Box::pin(async move {
            let (status, body) = get(&url, authorization.expose())
                .await
                .map_err(|_| FetchError::Network)?;
            parse(status, &body)
        })
    }
}

/// One `GET` with an `Authorization` header, never from the HTTP cache.
async fn get(url: &str, authorization: &str) -> Result<(u16, String), wasm_bindgen::JsValue> {
    let window = web_sys::window().ok_or(wasm_bindgen::JsValue::NULL)?;
    let headers = web_sys::Headers::new()?;
    headers.set("Authorization", authorization)?;
    headers.set("Accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_headers(&headers);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await?
        .dyn_into()?;
    let body = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), body))
}

/// A source that always fails the same way (a voucher id that cannot be a voucher's).
#[derive(Debug, Clone, Copy)]
pub struct Failing(pub FetchError);

impl Source for Failing {
    fn fetch(&self) -> LocalFuture<Result<DisplayVoucher, FetchError>> {
        let error = self.0;
        Box::pin(async move { Err(error) })
    }
}
