//! `GET /v/{id}?cs=…` and `GET /r/{id}?cs=…`: the hosted, printable voucher page and the
//! refund page. Each is a static page (`www/hosted.html`, `www/refund.html`, served
//! through the `ASSETS` binding) that renders its element. The voucher page comes with
//! its `<vale-voucher>` already in place and, for a pending voucher and a valid client
//! secret, the voucher drawn into it by the widget's own views ([`first`]): what to pay
//! shows as soon as the page arrives. A request with `X-Vale-Shell: 1` (the page keeping itself for offline visits,
//! where one copy serves every voucher) gets the page without any voucher in it.

mod first;

use crate::http::error::{ApiError, ApiResult};
use crate::objects::voucher::{Command, Scope, VoucherClient};
use serde::Deserialize;
use time::OffsetDateTime;
use vale_shared::VoucherId;
use vale_shared::id::ClientSecret;
use vale_shared::voucher::DisplayVoucher;
use vale_views::Answer;
use vale_views::words::with_client_secret;
use worker::{Env, Request, Response};

/// Serves the hosted page for any voucher path. The page the widget build wrote
/// (`www/widget/hosted.html`: `hosted.html` preloading the content-named wasm, so its
/// download starts with the HTML) when there is one, else `hosted.html` itself (an edge
/// deployed without a widget build).
pub async fn page(req: &Request, env: &Env) -> ApiResult<Response> {
    let mut shell = match asset_page(req, env, "/widget/hosted").await {
        Err(e) if e.status == 404 => asset_page(req, env, "/hosted").await?,
        found => found?,
    };
    let html = shell.text().await?;
    let url = req.url()?;
    let id = url.path_segments().and_then(|mut s| s.nth(1)).unwrap_or("");
    let secret = url
        .query_pairs()
        .find(|(name, _)| name == "cs")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    // Only plain ids and secrets are written into the page; anything else is left to
    // hosted.js, which reads them from the address as before.
    let plain = |text: &str| text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let wants_first = req.headers().get("x-vale-shell").ok().flatten().is_none();
    let page = if plain(id) && plain(&secret) {
        let answer = if wants_first {
            first_answer(env, id, &secret).await
        } else {
            None
        };
        let (element, with_first) =
            first::element(id, &secret, answer.as_ref(), crate::runtime::clock::now());
        first::into_page(&html, &element, with_first)
    } else {
        None
    };
    let resp = Response::from_html(page.unwrap_or(html))?;
    // A page with the voucher drawn in it shows the voucher as it is now: never kept by
    // an HTTP cache. The shell revalidates, as the static page did.
    let caching = if wants_first {
        "no-store"
    } else {
        "max-age=0, must-revalidate"
    };
    resp.headers().set("cache-control", caching)?;
    Ok(resp)
}

/// The voucher to draw into the page, if `secret` is this voucher's.
async fn first_answer(env: &Env, id: &str, secret: &str) -> Option<Answer> {
    let config = crate::config::load(env).ok()?;
    let id: VoucherId = id.parse().ok()?;
    let secret = ClientSecret::parse(secret).ok()?;
    if secret.voucher_id() != id || !secret.verify(config.server_key.expose().as_bytes()) {
        return None;
    }
    let body = VoucherClient::of(env, &id)
        .ok()?
        .text(Scope::Client, Command::Get)
        .await
        .ok()?;
    answer_of(&body, secret.expose())
}

/// The display view (`GET /v1/vouchers/{id}` with its client secret, as `body`) as the
/// views read it; its link carries `secret`.
fn answer_of(body: &str, secret: &str) -> Option<Answer> {
    /// The display view as the client reads it (`GET /v1/vouchers/{id}` with its secret).
    #[derive(Deserialize)]
    struct View {
        #[serde(flatten)]
        voucher: DisplayVoucher,
        merchant_name: Option<String>,
        #[serde(default)]
        seller_name: Option<String>,
        convenio: Option<String>,
        return_url: Option<String>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        expired_at: Option<OffsetDateTime>,
        #[serde(default, with = "time::serde::rfc3339::option")]
        cancelled_at: Option<OffsetDateTime>,
        review: Option<Review>,
    }
    #[derive(Deserialize)]
    struct Review {
        status: String,
    }
    let view: View = serde_json::from_str(body).ok()?;
    let mut voucher = view.voucher;
    // The display view's link leaves the secret out; the link the shopper shares, sends
    // by WhatsApp or saves in the reminder must still open the voucher (as the widget's).
    voucher.hosted_url = with_client_secret(&voucher.hosted_url, secret);
    Some(Answer {
        voucher,
        merchant_name: view.merchant_name,
        seller_name: view.seller_name,
        convenio: view.convenio,
        return_url: view
            .return_url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        expired_at: view.expired_at,
        cancelled_at: view.cancelled_at,
        in_review: view.review.is_some_and(|r| r.status == "open"),
    })
}

/// Whether a client's `GET /v1/vouchers/{id}` asks for the edge's drawing of the voucher
/// too (`?include=first_paint`: what `vale.js` asks on a store's own page, where no
/// first paint came with the HTML).
pub fn wants_first_paint(req: &Request) -> bool {
    req.url().is_ok_and(|url| {
        url.query_pairs()
            .any(|(name, value)| name == "include" && value == "first_paint")
    })
}

/// The display view `body` with `first_paint` added: `{"html", "css"}` (the voucher drawn
/// by the widget's own views, and their stylesheet) for a pending voucher that gets one at
/// `now`, else `null`. The body is answered as it was if it is not a JSON object.
pub fn with_first_paint(body: String, secret: &str, now: OffsetDateTime) -> String {
    let Some(open) = body.trim_end().strip_suffix('}') else {
        return body;
    };
    let paint = answer_of(&body, secret)
        .and_then(|answer| first::fragment(&answer, now))
        .and_then(|html| {
            let html = serde_json::to_string(&html).ok()?;
            let css = serde_json::to_string(vale_views::CSS).ok()?;
            Some(["{\"html\":", &html, ",\"css\":", &css, "}"].concat())
        });
    let paint = paint.as_deref().unwrap_or("null");
    let sep = if open.trim_end().ends_with('{') {
        ""
    } else {
        ","
    };
    [open, sep, "\"first_paint\":", paint, "}"].concat()
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

#[cfg(test)]
mod tests {
    use super::with_first_paint;
    use time::OffsetDateTime;

    const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    #[test]
    fn a_body_with_nothing_to_draw_gets_a_null_first_paint_and_stays_json() {
        assert_eq!(
            with_first_paint("{}".into(), "x", NOW),
            r#"{"first_paint":null}"#
        );
        assert_eq!(
            with_first_paint("{\"id\": \"vch_1\"}\n".into(), "x", NOW),
            r#"{"id": "vch_1","first_paint":null}"#
        );
        // Not an object: answered as it was.
        assert_eq!(with_first_paint("[]".into(), "x", NOW), "[]");
    }
}
