//! `GET /v/{id}?cs=…`: the hosted, printable voucher page. The page is the static
//! `www/hosted.html` (served through the `ASSETS` binding); it reads the id from the path
//! and the client secret from the query, and renders the widget.

use crate::error::{ApiError, ApiResult};
use worker::{Env, Request, Response};

/// Serves `hosted.html` for any voucher path; the page itself checks the client secret.
pub async fn page(req: &Request, env: &Env) -> ApiResult<Response> {
    let mut url = req.url()?;
    // `hosted` rather than `hosted.html`: the assets router redirects `.html` paths to
    // their pretty form.
    url.set_path("/hosted");
    url.set_query(None);
    let resp = env.assets("ASSETS")?.fetch(url.as_str(), None).await?;
    if resp.status_code() == 404 {
        return Err(ApiError::not_found());
    }
    Ok(resp)
}

/// `GET /r/{id}?cs=…`: the hosted refund page, `refund.html`, the same way.
pub async fn refund_page(req: &Request, env: &Env) -> ApiResult<Response> {
    let mut url = req.url()?;
    url.set_path("/refund");
    url.set_query(None);
    let resp = env.assets("ASSETS")?.fetch(url.as_str(), None).await?;
    if resp.status_code() == 404 {
        return Err(ApiError::not_found());
    }
    Ok(resp)
}
