//! Requests to the edge: `/dashboard/session` and the session's proxy
//! `/dashboard/api/{mode}/v1/…`. Same origin, the cookie goes by itself; no key ever
//! passes through here after sign-in, and nothing is kept in page storage.

use serde_json::Value;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCredentials, RequestInit, Response};

/// An answer: its status and its body's text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub text: String,
}

impl Answer {
    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The contract's error message, or a sentence with the status.
    pub fn error(&self) -> String {
        let json = self.json();
        match json.pointer("/error/message").and_then(Value::as_str) {
            Some(m) => m.to_owned(),
            None => {
                let mut s = String::from("Error ");
                s.push_str(&self.status.to_string());
                s
            }
        }
    }
}

/// What a request carries.
#[derive(Debug)]
pub enum Body {
    /// Nothing.
    None,
    /// JSON text.
    Json(String),
    /// A file as picked.
    File(web_sys::File),
}

/// The answer `boot.js` already asked for `url` (`window.valePrefetch[url]`), taken once:
/// `None` when there is none or it was not a success (then the caller asks itself).
async fn prefetched(url: &str) -> Option<Answer> {
    let window = web_sys::window()?;
    let cache = js_sys::Reflect::get(&window, &JsValue::from_str("valePrefetch")).ok()?;
    if !cache.is_object() {
        return None;
    }
    let key = JsValue::from_str(url);
    let promise = js_sys::Reflect::get(&cache, &key).ok()?;
    let _ = js_sys::Reflect::delete_property(cache.unchecked_ref::<js_sys::Object>(), &key);
    let promise: js_sys::Promise = promise.dyn_into().ok()?;
    let got = JsFuture::from(promise).await.ok()?;
    let field = |name: &str| js_sys::Reflect::get(&got, &JsValue::from_str(name)).ok();
    let status = field("status")?.as_f64()?;
    let text = field("text")?.as_string()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // An HTTP status.
    let answer = Answer {
        status: status as u16,
        text,
    };
    answer.ok().then_some(answer)
}

/// One request to the edge (same origin, the session cookie included).
pub async fn call(method: &str, url: &str, body: Body, accept: Option<&str>) -> Answer {
    if method == "GET"
        && accept.is_none()
        && let Some(answer) = prefetched(url).await
    {
        return answer;
    }
    answered(send(method, url, body, accept, None).await)
}

/// A failed fetch as an answer the views show.
fn answered(sent: Result<Answer, JsValue>) -> Answer {
    match sent {
        Ok(answer) => answer,
        Err(_) => Answer {
            status: 0,
            text: String::from(r#"{"error":{"message":"Sin conexión con Vale."}}"#),
        },
    }
}

async fn send(
    method: &str,
    url: &str,
    body: Body,
    accept: Option<&str>,
    account: Option<&str>,
) -> Result<Answer, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let headers = Headers::new()?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    match body {
        Body::None => {}
        Body::Json(text) => {
            headers.set("content-type", "application/json")?;
            init.set_body(&JsValue::from_str(&text));
        }
        Body::File(file) => {
            headers.set("content-type", "text/plain")?;
            init.set_body(&file);
        }
    }
    if let Some(accept) = accept {
        headers.set("accept", accept)?;
    }
    if let Some(account) = account {
        headers.set("vale-account", account)?;
    }
    init.set_headers(&headers);
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(resp.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: resp.status(),
        text,
    })
}

/// The proxy's URL for API path `path` (starting with `/`) in `mode`.
pub fn url(mode: &str, path: &str) -> String {
    let mut s = String::from("/dashboard/api/");
    s.push_str(mode);
    s.push_str("/v1");
    s.push_str(path);
    s
}

/// `GET` an API path in `mode`.
pub async fn get(mode: &str, path: &str) -> Answer {
    call("GET", &url(mode, path), Body::None, None).await
}

/// `GET` an API path in `mode` acting for a marketplace seller (`Vale-Account`).
pub async fn get_as(mode: &str, path: &str, account: &str) -> Answer {
    answered(send("GET", &url(mode, path), Body::None, None, Some(account)).await)
}

/// `POST` an API path in `mode`, with an optional JSON body.
pub async fn post(mode: &str, path: &str, json: Option<String>) -> Answer {
    let body = json.map_or(Body::None, Body::Json);
    call("POST", &url(mode, path), body, None).await
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    js_sys::encode_uri_component(value)
        .as_string()
        .unwrap_or_default()
}

/// Saves `text` as a file named `name` (a download the browser offers).
pub fn download(name: &str, text: &str, kind: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(href) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(&href);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&href);
}
