//! `/dashboard/session`: a merchant's key exchanged once for a browser session (issue #24).
//!
//! - `POST` with `{"key": "sk_…" | "rk_…"}` opens a session for the key's mode: `201`, the
//!   session (never the key nor the token), and an `HttpOnly; SameSite=Strict` cookie of
//!   8 hours (`Secure` off this machine). Same origin only.
//! - `GET` says which modes have an open session: `{"test": session | null, "live": …}`.
//! - `DELETE ?mode=test|live` signs that mode out: the row goes, the cookie is cleared.
//!   Same origin only.
//!
//! No answer here carries CORS, and none is cached.

use crate::config::{Config, Mode, Role};
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::http::session::{self, Session};
use crate::runtime::{clock, random};
use vale_shared::dashboard::{self, KeyKind};
use wasm_bindgen::JsValue;
use worker::{Env, Request, Response};

#[derive(serde::Deserialize)]
struct SignIn {
    key: Option<String>,
}

fn no_store(resp: Response) -> ApiResult<Response> {
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

#[allow(clippy::cast_precision_loss)] // Unix ms: exact below 2^53.
fn number(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// `POST /dashboard/session`.
pub async fn sign_in(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    session::require_same_origin(&req)?;
    let body = crate::http::body::read(&mut req).await?;
    let key_param = || {
        ApiError::invalid(
            "key",
            "parameter_missing",
            "Send {\"key\": \"sk_…\"} or an rk_ key, as JSON.",
        )
    };
    let key = serde_json::from_slice::<SignIn>(&body)
        .ok()
        .and_then(|b| b.key)
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .ok_or_else(key_param)?;
    let Some((kind, live)) = KeyKind::of(&key) else {
        return Err(ApiError::invalid(
            "key",
            "parameter_invalid",
            "The dashboard takes a secret (sk_) or restricted (rk_) key.",
        ));
    };
    let key_hash = session::sha256_hex(&key);
    let Some((merchant, configured)) = config.key(&key_hash) else {
        return Err(ApiError::unauthenticated());
    };
    let role = match kind {
        KeyKind::Secret => Role::Secret,
        KeyKind::Restricted => Role::Restricted,
    };
    if configured.role != role || configured.mode.livemode() != live {
        return Err(ApiError::unauthenticated());
    }
    let token = hex::encode(random::bytes::<32>()?);
    let created_ms = clock::millis(clock::now());
    let row = Session {
        merchant_id: merchant.id.as_str().to_owned(),
        livemode: i64::from(live),
        kind: kind.as_str().to_owned(),
        key_hash,
        created_ms,
        expires_ms: dashboard::expires_at(created_ms),
    };
    let db = session::db(env)?;
    // Sessions that ended go with each sign-in, so the table holds open ones only.
    db.batch(vec![
        db.prepare("DELETE FROM dashboard_session WHERE expires_ms <= ?")
            .bind(&[number(created_ms)])?,
        db.prepare(
            "INSERT INTO dashboard_session (token_hash, merchant_id, livemode, kind, key_hash, created_ms, expires_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&[
            JsValue::from_str(&session::sha256_hex(&token)),
            JsValue::from_str(&row.merchant_id),
            number(row.livemode),
            JsValue::from_str(&row.kind),
            JsValue::from_str(&row.key_hash),
            number(row.created_ms),
            number(row.expires_ms),
        ])?,
    ])
    .await?;
    let (_, local) = session::own_origin(&req)?;
    let resp = json_response(201, row.to_json(config).to_string());
    resp.headers()
        .set("set-cookie", &dashboard::set_cookie(live, &token, local))?;
    no_store(resp)
}

/// `GET /dashboard/session`: each mode's open session, or `null`.
pub async fn show(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let mut out = serde_json::Map::new();
    for mode in Mode::ALL {
        let found = session::find(req, env, mode).await?;
        let value = found
            .filter(|s| session::access(s, config).is_some())
            .map_or(serde_json::Value::Null, |s| s.to_json(config));
        out.insert(mode.as_str().to_owned(), value);
    }
    no_store(json_response(
        200,
        serde_json::Value::Object(out).to_string(),
    ))
}

/// `DELETE /dashboard/session?mode=test|live`: sign-out of that mode.
pub async fn sign_out(req: &Request, env: &Env) -> ApiResult<Response> {
    session::require_same_origin(req)?;
    let url = req.url()?;
    let mode = url
        .query_pairs()
        .find(|(k, _)| k == "mode")
        .and_then(|(_, v)| session::mode(&v))
        .ok_or_else(|| {
            ApiError::invalid("mode", "parameter_invalid", "mode must be test or live.")
        })?;
    let header = req
        .headers()
        .get("cookie")
        .ok()
        .flatten()
        .unwrap_or_default();
    if let Some(token) = dashboard::cookie(&header, dashboard::cookie_name(mode.livemode())) {
        session::db(env)?
            .prepare("DELETE FROM dashboard_session WHERE token_hash = ?")
            .bind(&[JsValue::from_str(&session::sha256_hex(token))])?
            .run()
            .await?;
    }
    let (_, local) = session::own_origin(req)?;
    let resp = json_response(
        200,
        serde_json::json!({ "signed_out": mode.as_str() }).to_string(),
    );
    resp.headers().set(
        "set-cookie",
        &dashboard::clear_cookie(mode.livemode(), local),
    )?;
    no_store(resp)
}
