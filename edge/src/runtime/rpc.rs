//! How the Worker talks to its Durable Objects: a JSON command `POST`ed to the object, a
//! JSON answer, and errors that travel in the contract's own shape so they pass through
//! to the client unchanged.

use crate::http::error::{ApiError, ApiResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Headers, Method, Request, RequestInit, Stub};

/// Sends `command` to `stub` and reads its JSON answer.
pub async fn call<C: Serialize, T: DeserializeOwned>(stub: &Stub, command: &C) -> ApiResult<T> {
    let text = call_text(stub, command).await?;
    Ok(serde_json::from_str(&text)?)
}

/// Sends `command` to `stub` and answers its body as text (for answers passed on as-is).
pub async fn call_text<C: Serialize>(stub: &Stub, command: &C) -> ApiResult<String> {
    let body = serde_json::to_string(command)?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let req = Request::new_with_init("https://object.internal/", &init)?;
    let resp = stub.fetch_with_request(req).await?;
    let status = resp.status_code();
    // The runtime's own `text()`: one promise, where `worker`'s reads the body stream
    // chunk by chunk through wasm (a measurable share of a create's CPU).
    let resp: worker::web_sys::Response = resp.into();
    let text = worker::wasm_bindgen_futures::JsFuture::from(resp.text().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .as_string()
        .ok_or_else(|| ApiError::internal("an object's answer was not text"))?;
    if (200..300).contains(&status) {
        Ok(text)
    } else {
        Err(ApiError::from_wire(status, &text))
    }
}

/// A Durable Object's answer to a command: the JSON body, or the error in the contract's
/// shape (which [`call`] turns back into the same `ApiError` on the Worker's side).
pub fn reply(result: ApiResult<String>) -> worker::Response {
    match result {
        Ok(body) => crate::http::error::json_response(200, body),
        Err(e) => e.into_response(),
    }
}

/// Reads a command inside a Durable Object.
pub async fn command<C: DeserializeOwned>(req: &mut Request) -> ApiResult<C> {
    let bytes = req.bytes().await?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// A JavaScript exception from reading an answer, as an internal error.
fn js_error(e: wasm_bindgen::JsValue) -> ApiError {
    ApiError::internal(format!("reading an object's answer: {e:?}"))
}
