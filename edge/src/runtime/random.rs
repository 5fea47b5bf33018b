//! Randomness from the runtime's `crypto.getRandomValues`, the one piece of raw JS glue in
//! the edge.

use crate::http::error::{ApiError, ApiResult};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// `N` cryptographically secure random bytes.
pub fn bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut buf = [0_u8; N];
    get_random_values(&mut buf).map_err(|_| ApiError::internal("crypto.getRandomValues failed"))?;
    Ok(buf)
}
