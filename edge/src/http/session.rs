//! The dashboard's browser sessions (issue #24), on the edge's side: the session a cookie
//! names, the same-origin check on every state-changing request, and the proxy that
//! hands `/dashboard/api/{test|live}/v1/…` to the API's own routes as the session's key.
//!
//! Sessions live in D1 (`dashboard_session`, edge/migrations/0004): the SHA-256 of the
//! cookie's token and of the key, never either itself. The decisions (lifetime, what a
//! key kind may do, the cookie, same origin) are `vale_shared::dashboard`'s.
//!
//! The proxy does not re-implement any route: it checks the session and the action, then
//! calls the route table with `Authorization: Bearer dsh_{key_hash}_{expires}_{tag}`, a
//! token only this edge can make ([`vale_shared::dashboard::proxy_tag`] under the server
//! key) and [`proxied`] turns back into the key's [`Access`]. It never leaves the edge.

use crate::config::{Config, Mode, Role};
use crate::http::auth::Access;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::clock;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use vale_shared::dashboard::{self, Action, KeyKind};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Headers, Method, Request, RequestInit, Response};

/// The prefix of the proxy's internal bearer token.
const PROXY_PREFIX: &str = "dsh_";

/// An open session, as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    /// `mer_…`.
    pub merchant_id: String,
    /// 1 for live, 0 for test.
    pub livemode: i64,
    /// `secret` or `restricted`.
    pub kind: String,
    /// The key's SHA-256, hex (as configuration holds it).
    pub key_hash: String,
    /// When it was opened, Unix ms.
    pub created_ms: i64,
    /// When it ends, Unix ms.
    pub expires_ms: i64,
}

impl Session {
    /// Its key kind (`None` for a row no edge wrote).
    pub fn key_kind(&self) -> Option<KeyKind> {
        KeyKind::parse(&self.kind)
    }

    /// The session as the dashboard reads it: whose, which mode, which key kind, what it
    /// may do, and when it ends. Never the token nor the key.
    pub fn to_json(&self, config: &Config) -> serde_json::Value {
        let kind = self.key_kind();
        let merchant = config.key(&self.key_hash).map(|(merchant, _)| merchant);
        let name = merchant.map(|m| m.name.clone());
        let platform = merchant.is_some_and(|m| m.platform);
        serde_json::json!({
            "object": "dashboard_session",
            "merchant": self.merchant_id,
            "merchant_name": name,
            "platform": platform,
            "livemode": self.livemode != 0,
            "key_kind": kind.map(KeyKind::as_str),
            "can": kind.map(|k| k.actions().map(Action::as_str).collect::<Vec<_>>()).unwrap_or_default(),
            "expires_at": self.expires_ms / 1000,
        })
    }
}

/// The reporting database, where sessions are.
pub fn db(env: &Env) -> ApiResult<D1Database> {
    Ok(env.d1("REPORTS")?)
}

/// SHA-256 of `text`, lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The mode a path segment names (`test` or `live`).
pub fn mode(segment: &str) -> Option<Mode> {
    match segment {
        "test" => Some(Mode::Test),
        "live" => Some(Mode::Live),
        _ => None,
    }
}

/// The origin `req` was sent to (`http://127.0.0.1:8787`), and whether that is this
/// machine (local development: no `Secure` on the cookie).
pub fn own_origin(req: &Request) -> ApiResult<(String, bool)> {
    let url = req.url()?;
    let local = url.host_str().is_some_and(dashboard::is_local_host);
    Ok((url.origin().ascii_serialization(), local))
}

/// `403 cross_origin_refused` unless `req` came from the dashboard's own origin.
pub fn require_same_origin(req: &Request) -> ApiResult<()> {
    let (own, _) = own_origin(req)?;
    let headers = req.headers();
    let site = headers.get("sec-fetch-site").ok().flatten();
    let origin = headers.get("origin").ok().flatten();
    if dashboard::same_origin(site.as_deref(), origin.as_deref(), &own) {
        Ok(())
    } else {
        Err(ApiError::new(
            403,
            ErrorType::InvalidRequestError,
            "cross_origin_refused",
            "The dashboard takes changes only from its own pages.",
        ))
    }
}

/// `401` for a missing, unknown, ended or signed-out session.
fn no_session() -> ApiError {
    ApiError::new(
        401,
        ErrorType::AuthenticationError,
        "session_required",
        "Sign in to the dashboard again: this mode has no open session.",
    )
}

/// The open session the request's cookie names for `mode`, if any. An ended one is
/// deleted and counts as none.
pub async fn find(req: &Request, env: &Env, mode: Mode) -> ApiResult<Option<Session>> {
    let header = req
        .headers()
        .get("cookie")
        .ok()
        .flatten()
        .unwrap_or_default();
    let Some(token) = dashboard::cookie(&header, dashboard::cookie_name(mode.livemode())) else {
        return Ok(None);
    };
    if token.is_empty() {
        return Ok(None);
    }
    let hash = sha256_hex(token);
    let db = db(env)?;
    let row: Option<Session> = db
        .prepare(
            "SELECT merchant_id, livemode, kind, key_hash, created_ms, expires_ms \
             FROM dashboard_session WHERE token_hash = ?",
        )
        .bind(&[JsValue::from_str(&hash)])?
        .first(None)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if !dashboard::is_open(row.expires_ms, clock::millis(clock::now()))
        || row.livemode != i64::from(mode.livemode())
    {
        db.prepare("DELETE FROM dashboard_session WHERE token_hash = ?")
            .bind(&[JsValue::from_str(&hash)])?
            .run()
            .await?;
        return Ok(None);
    }
    Ok(Some(row))
}

/// The session's key as the API knows it: `None` once the key left the configuration.
pub fn access<'a>(session: &Session, config: &'a Config) -> Option<Access<'a>> {
    let (merchant, key) = config.key(&session.key_hash)?;
    let raw: [u8; 32] = hex::decode(&session.key_hash).ok()?.try_into().ok()?;
    let kind = match key.role {
        Role::Secret => KeyKind::Secret,
        Role::Restricted => KeyKind::Restricted,
    };
    (merchant.id.as_str() == session.merchant_id && session.key_kind() == Some(kind)).then_some(
        Access {
            merchant,
            mode: key.mode,
            role: key.role,
            key: raw,
        },
    )
}

/// The key behind a proxy token ([`PROXY_PREFIX`]), checked: `Ok(None)` for any other
/// token, `401` for one that is forged or whose session ended.
pub fn proxied<'a>(token: &str, config: &'a Config) -> ApiResult<Option<Access<'a>>> {
    let Some(rest) = token.strip_prefix(PROXY_PREFIX) else {
        return Ok(None);
    };
    let mut parts = rest.splitn(3, '_');
    let (Some(key_hash), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ApiError::unauthenticated());
    };
    let expires_ms: i64 = expires.parse().map_err(|_| ApiError::unauthenticated())?;
    let want = dashboard::proxy_tag(config.server_key.expose().as_bytes(), key_hash, expires_ms);
    if !vale_shared::secret::constant_time_eq(want.as_bytes(), tag.as_bytes())
        || !dashboard::is_open(expires_ms, clock::millis(clock::now()))
    {
        return Err(ApiError::unauthenticated());
    }
    let (merchant, key) = config.key(key_hash).ok_or_else(ApiError::unauthenticated)?;
    let raw: [u8; 32] = hex::decode(key_hash)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(Some(Access {
        merchant,
        mode: key.mode,
        role: key.role,
        key: raw,
    }))
}

/// `/dashboard/api/{mode}/v1/{rest…}`: the API route `rest` names, as the session's key,
/// when the session may take that action (and, for anything but a read, the request
/// came from the dashboard's own origin). Answers are never cached and carry no CORS.
pub async fn proxy(
    mut req: Request,
    env: &Env,
    shared: std::rc::Rc<Config>,
    mode: Mode,
    rest: &[&str],
) -> ApiResult<Response> {
    let config = &*shared;
    let method = req.method();
    let read = matches!(method, Method::Get | Method::Head);
    if !read {
        require_same_origin(&req)?;
    }
    let session = find(&req, env, mode).await?.ok_or_else(no_session)?;
    // The key must still be configured, for this merchant and kind.
    access(&session, config).ok_or_else(no_session)?;
    let kind = session.key_kind().ok_or_else(no_session)?;
    let allowed = Action::of(read, rest).is_some_and(|action| dashboard::allows(kind, action));
    if !allowed {
        return Err(ApiError::permission_denied());
    }
    let url = req.url()?;
    let mut target = url.clone();
    let mut path = String::from("/v1");
    for segment in rest {
        path.push('/');
        path.push_str(segment);
    }
    target.set_path(&path);
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        if !matches!(
            name.as_str(),
            "authorization" | "cookie" | "content-length" | "host"
        ) {
            headers.set(&name, &value)?;
        }
    }
    let token = format!(
        "{PROXY_PREFIX}{}_{}_{}",
        session.key_hash,
        session.expires_ms,
        dashboard::proxy_tag(
            config.server_key.expose().as_bytes(),
            &session.key_hash,
            session.expires_ms
        )
    );
    headers.set("authorization", &format!("Bearer {token}"))?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if !read {
        let body = crate::http::body::read_at_most(&mut req, crate::http::body::MAX_FILE).await?;
        init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let inner = Request::new_with_init(target.as_str(), &init)?;
    let inner_path = inner.path();
    let segments: Vec<&str> = inner_path.trim_start_matches('/').split('/').collect();
    let resp = Box::pin(crate::http::routes::route(
        inner,
        env,
        &segments,
        Ok(shared.clone()),
    ))
    .await
    .unwrap_or_else(ApiError::into_response);
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}
