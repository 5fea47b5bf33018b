//! The two calls the refund page makes with the refund's client secret: read the display
//! view, and submit the destination. CORS, never from the HTTP cache.

use js_sys::Reflect;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What an answer was.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A `2xx` with a JSON body.
    Ok(Value),
    /// A `400`: the field the API blames (`destination.phone`) and its sentence.
    Invalid {
        /// `error.param`.
        param: String,
        /// `error.message`.
        message: String,
    },
    /// `401`, `403` or `404`: a wrong link.
    WrongLink,
    /// No answer, or one that did not read: worth trying again.
    Failed,
}

fn outcome(status: u16, json: Option<Value>) -> Outcome {
    match status {
        200..=299 => json.map_or(Outcome::Failed, Outcome::Ok),
        400 => {
            let error = json.as_ref().and_then(|j| j.get("error"));
            let text = |k: &str| {
                error
                    .and_then(|e| e.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Outcome::Invalid {
                param: text("param"),
                message: text("message"),
            }
        }
        401 | 403 | 404 => Outcome::WrongLink,
        _ => Outcome::Failed,
    }
}

/// `GET` (no body) or `POST` (a JSON body) to `url` with `Bearer {secret}`.
pub async fn call(url: &str, secret: &str, body: Option<&Value>) -> Outcome {
    match send(url, secret, body).await {
        Ok((status, text)) => {
            let json = js_sys::JSON::parse(&text).ok().map(|j| from_js(&j));
            outcome(status, json)
        }
        Err(_) => Outcome::Failed,
    }
}

/// One request, given up after [`crate::api::TIMEOUT_MS`] (headers and body both), as the
/// voucher's requests are.
async fn send(url: &str, secret: &str, body: Option<&Value>) -> Result<(u16, String), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let controller = web_sys::AbortController::new()?;
    let _deadline = crate::api::Deadline::arm(&window, &controller, crate::api::TIMEOUT_MS);
    let headers = web_sys::Headers::new()?;
    headers.set("Authorization", &["Bearer ", secret].concat())?;
    headers.set("Accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_cache(web_sys::RequestCache::NoStore);
    match body {
        Some(body) => {
            headers.set("Content-Type", "application/json")?;
            init.set_method("POST");
            let text = js_sys::JSON::stringify(&to_js(body))?;
            init.set_body(&text);
        }
        None => init.set_method("GET"),
    }
    init.set_headers(&headers);
    init.set_signal(Some(&controller.signal()));
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// A value `JSON.parse` made, as serde_json's: the browser parses, so the wasm carries no
/// JSON parser or float printer (about half the size this page would otherwise add).
fn from_js(value: &JsValue) -> Value {
    if let Some(s) = value.as_string() {
        Value::String(s)
    } else if let Some(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = value.as_f64() {
        // The API's numbers are whole (minor units): kept exact as integers.
        if n.fract() == 0.0 && n.abs() < 9.0e15 {
            Value::from(n as i64)
        } else {
            Value::Null
        }
    } else if js_sys::Array::is_array(value) {
        Value::Array(
            js_sys::Array::from(value)
                .iter()
                .map(|v| from_js(&v))
                .collect(),
        )
    } else if value.is_object() {
        let mut map = serde_json::Map::new();
        for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            if let Some(key) = pair.get(0).as_string() {
                map.insert(key, from_js(&pair.get(1)));
            }
        }
        Value::Object(map)
    } else {
        Value::Null
    }
}

/// The other way, for `JSON.stringify` (the submitted destination: strings and objects).
fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64)),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
        Value::Object(map) => {
            let object = js_sys::Object::new();
            for (k, v) in map {
                let _ = Reflect::set(&object, &JsValue::from_str(k), &to_js(v));
            }
            object.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_400_names_its_field() {
        let body = serde_json::json!({"error": {"type": "invalid_request_error",
            "code": "destination_invalid", "message": "bad", "param": "destination.phone"}});
        assert_eq!(
            outcome(400, Some(body)),
            Outcome::Invalid {
                param: "destination.phone".into(),
                message: "bad".into()
            }
        );
        assert_eq!(outcome(401, None), Outcome::WrongLink);
        assert_eq!(outcome(503, None), Outcome::Failed);
        assert_eq!(outcome(200, None), Outcome::Failed);
    }
}
