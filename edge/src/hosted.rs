//! `GET /v/{id}?cs=…` and `GET /r/{id}?cs=…`: the hosted, printable voucher page and the
//! refund page. Each is a static page (`www/hosted.html`, `www/refund.html`, served
//! through the `ASSETS` binding) that reads the id from the path and the client secret
//! from the query, and renders its element.

use crate::error::{ApiError, ApiResult};
use worker::{Env, Request, Response};

/// Serves the hosted page for any voucher path; the page itself checks the client secret.
/// The page the widget build wrote (`www/widget/hosted.html`: `hosted.html` preloading the
/// content-named wasm, so its download starts with the HTML) when there is one, else
/// `hosted.html` itself (an edge deployed without a widget build).
pub async fn page(req: &Request, env: &Env) -> ApiResult<Response> {
    match asset_page(req, env, "/widget/hosted").await {
        Err(e) if e.status == 404 => asset_page(req, env, "/hosted").await,
        found => found,
    }
}

/// `GET /r/{id}?cs=…`: the hosted refund page, `refund.html`, the same way.
pub async fn refund_page(req: &Request, env: &Env) -> ApiResult<Response> {
    asset_page(req, env, "/refund").await
}

/// The static page at `path` for any path under it. `hosted` rather than `hosted.html`:
/// the assets router redirects `.html` paths to their pretty form.
async fn asset_page(req: &Request, env: &Env, path: &str) -> ApiResult<Response> {
    let mut url = req.url()?;
    url.set_path(path);
    url.set_query(None);
    let resp = env.assets("ASSETS")?.fetch(url.as_str(), None).await?;
    if resp.status_code() == 404 {
        return Err(ApiError::not_found());
    }
    Ok(resp)
}
