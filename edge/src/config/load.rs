//! The configuration for a request: parsed once per isolate and kept, re-parsed only if
//! the text changes.

use super::Config;
use crate::http::error::{ApiError, ApiResult};
use std::cell::RefCell;
use std::rc::Rc;
use vale_shared::Secret;
use worker::Env;

thread_local! {
    /// The parsed configuration and the texts it came from. Workers run one request at a
    /// time per thread, and an isolate lives for many requests: parsing once keeps the
    /// per-request CPU to a string comparison.
    static CACHE: RefCell<Option<(String, String, Rc<Config>)>> = const { RefCell::new(None) };
}

fn secret_text(env: &Env, name: &str) -> ApiResult<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .map_err(|_| ApiError::internal(format!("the {name} secret is not set")))
}

/// The configuration for this request.
pub fn load(env: &Env) -> ApiResult<Rc<Config>> {
    let text = secret_text(env, "MERCHANTS")?;
    let key = secret_text(env, "VALE_SERVER_KEY")?;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((cached, cached_key, config)) = cache.as_ref()
            && *cached == text
            && *cached_key == key
        {
            return Ok(Rc::clone(config));
        }
        let config =
            Rc::new(Config::parse(&text, Secret::new(key.clone())).map_err(ApiError::internal)?);
        *cache = Some((text, key, Rc::clone(&config)));
        Ok(config)
    })
}
