//! CORS: which answers carry it (a client secret's, or no key at all such as a
//! preflight; a secret or restricted key's never), its headers, and the `OPTIONS`
//! preflight of the display routes.

use crate::http::auth;
use worker::{Request, Response};

/// Whether an answer to `req` carries CORS headers: a request with a client secret (or no
/// key at all, such as a preflight) does; one with a secret or restricted key never.
pub fn wants_cors(req: &Request) -> bool {
    !auth::presents_key(req)
}

/// CORS for the display view: any origin may read it with the client secret (no cookies
/// are involved, so `*` is safe).
pub fn with_cors(resp: Response) -> Response {
    let headers = resp.headers();
    let _ = headers.set("access-control-allow-origin", "*");
    let _ = headers.set("vary", "Origin");
    resp
}

/// The `OPTIONS` preflight of `GET /v1/vouchers/{id}`.
pub fn preflight() -> Response {
    let resp = Response::builder().with_status(204).empty();
    let headers = resp.headers();
    let _ = headers.set("access-control-allow-origin", "*");
    let _ = headers.set("access-control-allow-methods", "GET, POST, OPTIONS");
    let _ = headers.set(
        "access-control-allow-headers",
        "Authorization, Content-Type",
    );
    let _ = headers.set("access-control-max-age", "86400");
    resp
}
