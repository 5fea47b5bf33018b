//! Reading the voucher's display view from the API, and what can go wrong doing it.
//!
//! The view asks a [`Source`]; the browser build uses [`Http`] (`fetch` with the client
//! secret as bearer token, given up after [`TIMEOUT_MS`]) and tests hand in canned
//! answers.

use js_sys::Reflect;
use std::future::Future;
use std::pin::Pin;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use vale_shared::Money;
use vale_shared::barcode::{Barcode, Symbology};
use vale_shared::voucher::{DisplayVoucher, Object};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use vale_views::answer::{Answer, FetchError};
pub use vale_views::words::with_client_secret;

/// Turns an HTTP answer into a display voucher.
///
/// A `200` body is read by the browser's `JSON.parse` and its fields picked by hand (see
/// [`display_voucher`]), so this only runs in a browser; other statuses read no body.
///
/// ```
/// use vale_widget::api::{parse, FetchError};
/// assert_eq!(parse(401, "{}").unwrap_err(), FetchError::Unauthorized);
/// assert_eq!(parse(503, "").unwrap_err(), FetchError::Unavailable);
/// ```
pub fn parse(status: u16, body: &str) -> Result<Answer, FetchError> {
    match status {
        200 => js_sys::JSON::parse(body)
            .ok()
            .and_then(|json| answer(&json))
            .ok_or(FetchError::Malformed),
        401 | 403 => Err(FetchError::Unauthorized),
        404 => Err(FetchError::NotFound),
        429 | 500..=599 => Err(FetchError::Unavailable),
        _ => Err(FetchError::Malformed),
    }
}

/// The whole answer in a parsed JSON body: the voucher (see [`display_voucher`]) and the
/// optional display fields, each a string or left out (`null`, missing or another type;
/// a time stamp that does not read is left out too).
pub fn answer(json: &JsValue) -> Option<Answer> {
    let text = |name: &str| {
        Reflect::get(json, &JsValue::from_str(name))
            .ok()?
            .as_string()
            .filter(|s| !s.is_empty())
    };
    let at = |name: &str| rfc3339(&text(name)?);
    let in_review = Reflect::get(json, &JsValue::from_str("review"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|r| Reflect::get(&r, &JsValue::from_str("status")).ok())
        .and_then(|s| s.as_string())
        .is_some_and(|s| s == "open");
    let voucher = display_voucher(json)?;
    // Only a voucher under review, or one that no longer waits for cash (a review
    // rejected), may come without its code.
    if voucher.payment_code.is_empty()
        && voucher.status == vale_shared::VoucherStatus::Pending
        && !in_review
    {
        return None;
    }
    Some(Answer {
        voucher,
        merchant_name: text("merchant_name"),
        seller_name: text("seller_name"),
        convenio: text("convenio"),
        return_url: text("return_url")
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        expired_at: at("expired_at"),
        cancelled_at: at("cancelled_at"),
        in_review,
    })
}

/// The display voucher in a parsed JSON body, or `None` when a field is missing or wrong.
///
/// By hand rather than with serde: serde_json, the derived visitors (with `flatten`'s
/// buffering, and float formatting for their error messages) and `time`'s
/// format-description parser cost the widget's wasm about 34 KB gzip (161.6 → 127.0 KB
/// measured), and the browser already has a JSON parser. Unknown fields are ignored and
/// `object`, `description` and `paid_at` may be missing or `null`, as with the derived
/// `Deserialize`. The display view's `merchant_name`, `convenio`, `return_url`,
/// `expired_at` and `cancelled_at` are read by [`answer`].
pub fn display_voucher(json: &JsValue) -> Option<DisplayVoucher> {
    let field = |name: &str| Reflect::get(json, &JsValue::from_str(name)).ok();
    let string = |name: &str| field(name)?.as_string();
    let optional = |name: &str| field(name).filter(|v| !v.is_null() && !v.is_undefined());
    let at = |name: &str| rfc3339(&string(name)?);
    if optional("object").is_some_and(|o| o.as_string().as_deref() != Some("voucher")) {
        return None;
    }
    let minor = field("amount")?.as_f64()?;
    // Whole minor units that an f64 holds exactly; `Money::new` refuses negatives.
    if minor.fract() != 0.0 || minor.abs() > 9_007_199_254_740_991.0 {
        return None;
    }
    // A voucher under review (or rejected in review) has no code yet: `null` code and
    // barcode read as empty ones, which [`answer`] accepts only then.
    let barcode = match optional("barcode") {
        Some(barcode) => {
            let barcode_field = |name: &str| {
                Reflect::get(&barcode, &JsValue::from_str(name))
                    .ok()?
                    .as_string()
            };
            Barcode {
                symbology: match barcode_field("symbology")?.as_str() {
                    "gs1-128" => Symbology::Gs1_128,
                    "code128" => Symbology::Code128,
                    "qr" => Symbology::Qr,
                    _ => return None,
                },
                data: barcode_field("data")?,
                text: barcode_field("text")?,
            }
        }
        None if optional("payment_code").is_none() => Barcode {
            symbology: Symbology::Code128,
            data: String::new(),
            text: String::new(),
        },
        None => return None,
    };
    Some(DisplayVoucher {
        id: string("id")?.parse().ok()?,
        object: Object::Voucher,
        livemode: field("livemode")?.as_bool()?,
        network: string("network")?.parse().ok()?,
        status: string("status")?.parse().ok()?,
        amount: Money::new(minor as i64, string("currency")?.parse().ok()?).ok()?,
        reference: string("reference")?,
        description: match optional("description") {
            Some(d) => Some(d.as_string()?),
            None => None,
        },
        payment_code: match optional("payment_code") {
            Some(code) => code.as_string().filter(|c| !c.is_empty())?,
            None => String::new(),
        },
        barcode,
        expires_at: at("expires_at")?,
        time_zone: string("time_zone")?,
        created_at: at("created_at")?,
        paid_at: match optional("paid_at") {
            Some(p) => Some(rfc3339(&p.as_string()?)?),
            None => None,
        },
        hosted_url: string("hosted_url")?,
        server_time: at("server_time")?,
    })
}

/// An RFC 3339 timestamp of the shape the API writes (`time`'s `Rfc3339`):
/// `YYYY-MM-DDTHH:MM:SS` (`t` or a space may stand for the `T`), an optional fraction (to
/// the nanosecond), then `Z` or `±HH:MM`.
///
/// By hand because `time`'s format-description parser is a good part of what reading the
/// answer with serde cost the wasm (see [`display_voucher`]), for this one shape.
///
/// ```
/// use vale_widget::api::rfc3339;
/// let at = rfc3339("2026-11-25T23:59:59-05:00").unwrap();
/// assert_eq!(at.unix_timestamp(), 1_795_669_199);
/// assert_eq!(rfc3339("2026-11-26T04:59:59.5Z").unwrap().millisecond(), 500);
/// assert!(rfc3339("2026-11-25 23:59:59").is_none());
/// ```
pub fn rfc3339(text: &str) -> Option<OffsetDateTime> {
    let bytes = text.as_bytes();
    // The digits of `bytes[from..to]` as a number; `None` if any is not a digit.
    let number = |from: usize, to: usize| {
        bytes.get(from..to)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(i, c)| bytes.get(i) == Some(&c))
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let date = Date::from_calendar_date(
        i32::try_from(number(0, 4)?).ok()?,
        Month::try_from(u8::try_from(number(5, 7)?).ok()?).ok()?,
        u8::try_from(number(8, 10)?).ok()?,
    )
    .ok()?;
    let mut rest = bytes.get(19..)?;
    let mut nanosecond = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let (head, tail) = fraction.split_at(digits);
        // Nanoseconds: the first nine digits, padded with zeros; finer ones are dropped.
        nanosecond = head
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(9)
            .fold(0u32, |n, &b| n * 10 + u32::from(b - b'0'));
        rest = tail;
    }
    let offset = match rest {
        [b'Z' | b'z'] => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |b: &u8| b.is_ascii_digit().then(|| (b - b'0') as i8);
            let hours = digit(h1)? * 10 + digit(h2)?;
            let minutes = digit(m1)? * 10 + digit(m2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        }
        _ => return None,
    };
    let time = Time::from_hms_nano(
        u8::try_from(number(11, 13)?).ok()?,
        u8::try_from(number(14, 16)?).ok()?,
        u8::try_from(number(17, 19)?).ok()?,
        nanosecond,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// A boxed, single-threaded future (the browser has one thread).
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where the view gets the voucher from.
pub trait Source {
    /// Reads the voucher once.
    fn fetch(&self) -> LocalFuture<Result<Answer, FetchError>>;

    /// The last answer kept on this device and when it was read (milliseconds since the
    /// epoch by the device clock), for when the network is gone.
    fn saved(&self) -> Option<(Answer, f64)> {
        None
    }

    /// The body of `GET …/places?near={cell}` (a `200`), the points near a geohash cell
    /// (`near.rs`).
    fn places(&self, cell: &str) -> LocalFuture<Result<String, FetchError>> {
        let _ = cell;
        Box::pin(async { Err(FetchError::Unavailable) })
    }

    /// Where this voucher's things are kept on the device (its API URL), if anywhere.
    fn key(&self) -> Option<String> {
        None
    }
}

/// How long one request may take, answer and body, before it is given up (and retried
/// with the poller's back-off).
pub const TIMEOUT_MS: u32 = 10_000;

/// Whether `client_secret` is in fact a secret or restricted API key (`sk_…`, `rk_…`),
/// which must never be sent from a page (or be in one: it is public there).
pub fn is_secret_key(client_secret: &str) -> bool {
    client_secret.starts_with("sk_") || client_secret.starts_with("rk_")
}

/// The API over `fetch`: `GET {api_base}/v1/vouchers/{id}` with the client secret.
#[derive(Debug, Clone)]
pub struct Http {
    url: String,
    /// Redacted when printed.
    client_secret: vale_shared::Secret,
    timeout_ms: u32,
    /// The first answer, when `vale.js` asked for it while the wasm was on its way: a
    /// promise of `{status, body}` or `{error: "timeout" | "network"}` (never rejected).
    first: std::rc::Rc<std::cell::RefCell<Option<js_sys::Promise>>>,
}

impl Http {
    /// A source for voucher `id`, or `NotFound` when `id` is not a voucher id (so it can
    /// never smuggle another path into the URL).
    pub fn new(api_base: &str, id: &str, client_secret: &str) -> Result<Self, FetchError> {
        let id: vale_shared::VoucherId = id.parse().map_err(|_| FetchError::NotFound)?;
        Ok(Http {
            url: [api_base.trim_end_matches('/'), "/v1/vouchers/", id.as_str()].concat(),
            client_secret: vale_shared::Secret::new(client_secret),
            timeout_ms: TIMEOUT_MS,
            first: std::rc::Rc::default(),
        })
    }

    /// The same source, whose first read is `first`: the request `vale.js` started in
    /// parallel with the wasm download (see [`Http`]'s `first`).
    #[must_use]
    pub fn with_first(self, first: js_sys::Promise) -> Self {
        self.first.replace(Some(first));
        self
    }

    /// The same source with another time limit per request (tests use a short one).
    #[must_use]
    pub fn with_timeout(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }
}

impl Source for Http {
    fn places(&self, cell: &str) -> LocalFuture<Result<String, FetchError>> {
        let url = [self.url.as_str(), "/places?near=", cell].concat();
        let authorization = ["Bearer ", self.client_secret.expose()].concat();
        let timeout = self.timeout_ms;
        Box::pin(async move {
            match get(&url, &authorization, timeout).await? {
                (200, body) => Ok(body),
                (status, _) => Err(match parse(status, "") {
                    Err(e) => e,
                    Ok(_) => FetchError::Malformed,
                }),
            }
        })
    }

    fn key(&self) -> Option<String> {
        Some(self.url.clone())
    }

    fn saved(&self) -> Option<(Answer, f64)> {
        let (body, at) = crate::saved::load(&self.url)?;
        let mut answer = parse(200, &body).ok()?;
        answer.voucher.hosted_url =
            with_client_secret(&answer.voucher.hosted_url, self.client_secret.expose());
        Some((answer, at))
    }

    fn fetch(&self) -> LocalFuture<Result<Answer, FetchError>> {
        let this = self.clone();
        Box::pin(async move {
            let secret = this.client_secret.expose();
            let first = this.first.take();
            let (status, body) = match first {
                Some(first) => early(first).await?,
                None => {
                    let authorization = ["Bearer ", secret].concat();
                    get(&this.url, &authorization, this.timeout_ms).await?
                }
            };
            let mut answer = parse(status, &body)?;
            // Kept for the next visit with no network (only an answer that reads).
            crate::saved::store(&this.url, &body);
            // The display view's link may leave the secret out (the widget holds it); the
            // link the shopper copies or shares must still open the voucher.
            answer.voucher.hosted_url = with_client_secret(&answer.voucher.hosted_url, secret);
            Ok(answer)
        })
    }
}

/// The answer to the request `vale.js` made before the wasm was ready.
async fn early(first: js_sys::Promise) -> Result<(u16, String), FetchError> {
    let answer = JsFuture::from(first)
        .await
        .map_err(|_| FetchError::Network)?;
    let field = |name: &str| Reflect::get(&answer, &JsValue::from_str(name)).ok();
    match field("error").and_then(|e| e.as_string()).as_deref() {
        Some("timeout") => return Err(FetchError::TimedOut),
        Some(_) => return Err(FetchError::Network),
        None => {}
    }
    let status = field("status")
        .and_then(|s| s.as_f64())
        .and_then(|s| u16::try_from(s as i64).ok())
        .ok_or(FetchError::Network)?;
    let body = field("body")
        .and_then(|b| b.as_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Clears a pending `setTimeout` when dropped: the request's deadline, once it is over.
pub(crate) struct Deadline {
    window: web_sys::Window,
    handle: i32,
}

impl Deadline {
    /// Aborts `controller` after `ms` milliseconds, unless dropped first.
    pub(crate) fn arm(
        window: &web_sys::Window,
        controller: &web_sys::AbortController,
        ms: u32,
    ) -> Option<Self> {
        // `controller.abort` bound to the controller: a timer callback with no closure to
        // keep alive or free.
        let abort: js_sys::Function = Reflect::get(controller, &JsValue::from_str("abort"))
            .ok()?
            .dyn_into()
            .ok()?;
        let abort = abort.bind0(controller);
        let timeout = i32::try_from(ms).unwrap_or(i32::MAX);
        let handle = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&abort, timeout)
            .ok()?;
        Some(Deadline {
            window: window.clone(),
            handle,
        })
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.window.clear_timeout_with_handle(self.handle);
    }
}

/// One `GET` with an `Authorization` header, never from the HTTP cache, given up after
/// `timeout_ms` (headers and body both).
async fn get(url: &str, authorization: &str, timeout_ms: u32) -> Result<(u16, String), FetchError> {
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let controller = web_sys::AbortController::new().map_err(|_| FetchError::Network)?;
    let signal = controller.signal();
    let deadline = Deadline::arm(&window, &controller, timeout_ms);
    let answer = request(&window, url, authorization, &signal).await;
    drop(deadline);
    answer.map_err(|_| {
        if signal.aborted() {
            FetchError::TimedOut
        } else {
            FetchError::Network
        }
    })
}

async fn request(
    window: &web_sys::Window,
    url: &str,
    authorization: &str,
    signal: &web_sys::AbortSignal,
) -> Result<(u16, String), JsValue> {
    let headers = web_sys::Headers::new()?;
    headers.set("Authorization", authorization)?;
    headers.set("Accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_headers(&headers);
    init.set_signal(Some(signal));
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
    fn fetch(&self) -> LocalFuture<Result<Answer, FetchError>> {
        let error = self.0;
        Box::pin(async move { Err(error) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn timestamps_read_as_time_reads_them() {
        for text in [
            "2026-11-25T23:59:59-05:00",
            "2026-11-24T12:00:00-05:00",
            "2026-01-01T03:30:00Z",
            "2026-01-01t03:30:00z",
            "2026-01-01 03:30:00Z",
            "2024-02-29T00:00:00+05:30",
            "2026-11-22T12:00:00.5Z",
            "2026-11-22T12:00:00.123456789-05:00",
            "2026-11-22T12:00:00.1234567891Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert_eq!(
                rfc3339(text),
                Some(OffsetDateTime::parse(text, &Rfc3339).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn only_a_wrong_link_is_final() {
        use FetchError::*;
        for error in [
            Network,
            TimedOut,
            Unauthorized,
            NotFound,
            Unavailable,
            Malformed,
            SecretKeyInPage,
        ] {
            assert_eq!(
                error.is_transient(),
                !matches!(error, Unauthorized | NotFound | SecretKeyInPage),
                "{error:?}"
            );
        }
    }

    /// `vale:error`'s `code` is one of the five the docs list, whatever went wrong.
    #[test]
    fn error_codes_are_the_documented_five() {
        use FetchError::*;
        let codes = [
            Network,
            TimedOut,
            Unauthorized,
            NotFound,
            Unavailable,
            Malformed,
            SecretKeyInPage,
        ]
        .map(FetchError::code);
        assert_eq!(
            codes,
            [
                "network",
                "network",
                "unauthorized",
                "not_found",
                "network",
                "malformed",
                "secret_key_in_page"
            ]
        );
    }

    #[test]
    fn secret_and_restricted_keys_are_told_from_client_secrets() {
        for key in ["sk_test_local", "sk_live_x", "rk_test_1", "rk_"] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "vch_7_secret_z",
            "",
            "sk",
            "pk_test_1",
            " sk_test",
            "SK_test",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "2026-11-25",
            "2026-11-25T23:59:59",
            "2026-11-25T23:59:59+0500",
            "2026-11-25T23:59:59-05:00 ",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T23:59:59.Z",
            "2026-11-25T23:59:59+25:00",
            "+026-11-25T23:59:59Z",
            "2026-1a-25T23:59:59Z",
        ] {
            assert_eq!(rfc3339(text), None, "{text}");
            assert!(OffsetDateTime::parse(text, &Rfc3339).is_err(), "{text}");
        }
    }
}
