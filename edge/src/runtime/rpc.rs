//! How the Worker talks to its Durable Objects: a JSON command `POST`ed to the object, a
//! JSON answer, and errors that travel in the contract's own shape so they pass through
//! to the client unchanged.

use crate::http::error::{ApiError, ApiResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Env, Headers, Method, Request, RequestInit, Stub};

/// Whether each request to an object is logged, as `vale-hop <binding> <command>` (the
/// binding and the command's name, nothing of its content): only where the variable
/// `VALE_COUNT_HOPS` is `1`, which `cargo xtask dev` sets when `VALE_DEV_HOPS=1` asks it
/// to, so `cargo xtask bench` can count the Durable Object requests of a voucher's
/// lifecycle. Never set in `wrangler.toml`.
#[derive(Debug, Clone, Copy)]
pub struct Hops(Option<&'static str>);

impl Hops {
    /// Whether requests to the namespace `binding` are logged in `env`.
    pub fn of(env: &Env, binding: &'static str) -> Hops {
        let on = env
            .var("VALE_COUNT_HOPS")
            .is_ok_and(|v| v.to_string() == "1");
        Hops(on.then_some(binding))
    }

    fn log(self, body: &str) {
        if let Some(binding) = self.0 {
            worker::console_log!("vale-hop {binding} {}", command_name(body));
        }
    }
}

/// A command's name from its JSON: its tag `op`, which serde writes first (the voucher's
/// envelope tags its scope with `as`, so the first `op` is its command's).
fn command_name(body: &str) -> &str {
    body.split_once("\"op\":\"")
        .and_then(|(_, rest)| rest.split('"').next())
        .unwrap_or("")
}

/// Sends `command` to `stub` and reads its JSON answer.
pub async fn call<C: Serialize, T: DeserializeOwned>(
    stub: &Stub,
    hops: Hops,
    command: &C,
) -> ApiResult<T> {
    let text = call_text(stub, hops, command).await?;
    Ok(serde_json::from_str(&text)?)
}

/// Sends `command` to `stub` and answers its body as text (for answers passed on as-is).
pub async fn call_text<C: Serialize>(stub: &Stub, hops: Hops, command: &C) -> ApiResult<String> {
    let body = serde_json::to_string(command)?;
    hops.log(&body);
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

#[cfg(test)]
mod tests {
    use super::command_name;

    #[test]
    fn a_commands_name_is_its_op() {
        assert_eq!(command_name(r#"{"op":"claim","livemode":false}"#), "claim");
        assert_eq!(
            command_name(r#"{"scope":{"as":"client"},"command":{"op":"notify","a":1}}"#),
            "notify"
        );
        assert_eq!(command_name("{}"), "");
    }
}
