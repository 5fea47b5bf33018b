//! The front door: limits, then the route (path first, then method, from
//! [`super::route_table::ROUTES`]) and its handler, then CORS, and every error as the
//! contract's JSON.

use crate::api::{
    accounts, demo, events, hosted, notifications, payouts, places, refunds, reviews, sandbox,
    sessions, settlement_reports, settlements, vouchers,
};
use crate::config::{self, Config};
use crate::http::cors;
use crate::http::error::{ApiError, ApiResult};
use crate::http::limits;
use crate::http::route_table::{Route, resolve};
use crate::http::session;
use std::rc::Rc;
use worker::{Env, Method, Request, Response};

/// Answers one request; never fails (errors become contract JSON).
pub async fn handle(req: Request, env: &Env) -> Response {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // A client secret's answers carry CORS on every route, errors included; the display
    // routes' also when no key is sent (a preflight); a key's never.
    let cors = (segments.first() == Some(&"v1") && crate::http::auth::presents_client_secret(&req))
        || (matches!(
            segments.as_slice(),
            ["v1", "vouchers", _]
                | ["v1", "vouchers", _, "places"]
                | ["v1", "refunds", _]
                | ["v1", "refunds", _, "destination"]
        ) && cors::wants_cors(&req));
    // The configuration, loaded once for the whole request (a route that needs none still
    // answers when it is broken).
    let config = config::load(env);
    let result = match limits::check(&req, env, config.as_deref().ok()).await {
        Ok(()) => route(req, env, &segments, config).await,
        Err(e) => Err(e),
    };
    let resp = result.unwrap_or_else(ApiError::into_response);
    if resp.status_code() == 429 {
        let _ = resp
            .headers()
            .set("retry-after", &limits::RETRY_AFTER_SECONDS.to_string());
    }
    if cors { cors::with_cors(resp) } else { resp }
}

/// `GET /v1/openapi.json`: the contract as this build implements it, public (no key).
fn openapi() -> ApiResult<Response> {
    let resp = crate::http::error::json_response(200, OPENAPI.to_owned());
    resp.headers().set("content-type", "application/json")?;
    resp.headers().set("access-control-allow-origin", "*")?;
    Ok(resp)
}

/// The document, embedded at compile time so the served one always matches the build.
pub(super) const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// The route for `segments` (also what the dashboard's proxy calls, `http::session`).
pub(crate) async fn route(
    req: Request,
    env: &Env,
    segments: &[&str],
    config: ApiResult<Rc<Config>>,
) -> ApiResult<Response> {
    use Method::{Delete, Get, Head, Post};
    crate::api::acting_for::refuse_elsewhere(&req, segments)?;
    // The pages, outside the API's table.
    match (req.method(), segments) {
        (Post, ["dashboard", "session"]) => return sessions::sign_in(req, env, &*config?).await,
        (Get, ["dashboard", "session"]) => return sessions::show(&req, env, &*config?).await,
        (Delete, ["dashboard", "session"]) => return sessions::sign_out(&req, env).await,
        (_, ["dashboard", "session"]) => return Err(ApiError::method_not_allowed()),
        (_, ["dashboard", "api", mode, "v1", rest @ ..]) if session::mode(mode).is_some() => {
            let mode = session::mode(mode).ok_or_else(ApiError::not_found)?;
            return session::proxy(req, env, config?, mode, rest).await;
        }
        (Get | Head, ["v", _]) => return hosted::page(&req, env).await,
        (Get | Head, ["r", _]) => return hosted::refund_page(&req, env).await,
        (Get | Head, [""] | ["index.html"]) if demo::enabled(env) => {
            return demo::store(&req, env).await;
        }
        (Post, ["demo", "checkout"]) if demo::enabled(env) => {
            return demo::checkout(req, env, &*config?).await;
        }
        (Post, ["demo", "vouchers", id, "pay"]) if demo::enabled(env) => {
            return demo::pay(&req, env, &*config?, id).await;
        }
        (Post, ["demo", "vouchers", id, "refund"]) if demo::enabled(env) => {
            return demo::refund(&req, env, &*config?, id).await;
        }
        (Post, ["demo", "refunds", id, "succeed"]) if demo::enabled(env) => {
            return demo::succeed(env, &*config?, id).await;
        }
        _ => {}
    }
    let (route, id) = resolve(&req.method(), segments)?;
    match route {
        Route::Preflight => return Ok(cors::preflight()),
        Route::OpenApi => return openapi(),
        _ => {}
    }
    let config = &*config?;
    answer(route, req, env, config, segments, id).await
}

/// Runs `route`'s handler; `id` is the path's parameter.
async fn answer(
    route: Route,
    req: Request,
    env: &Env,
    config: &Config,
    segments: &[&str],
    id: &str,
) -> ApiResult<Response> {
    match route {
        Route::Preflight => Ok(cors::preflight()),
        Route::OpenApi => openapi(),
        Route::Accounts => accounts::route(req, env, config, segments).await,
        Route::CreateVoucher => vouchers::create(req, env, config).await,
        Route::CreateCheckout => crate::api::checkouts::create(req, env, config).await,
        Route::ListVouchers => vouchers::list(&req, env, config).await,
        Route::RetrieveVoucher => vouchers::retrieve(&req, env, config, id).await,
        Route::UpdateVoucher => vouchers::update(req, env, config, id).await,
        Route::CancelVoucher => vouchers::cancel(&req, env, config, id).await,
        Route::VoucherPlaces => places::nearby(&req, env, config, id).await,
        Route::VoucherNotifications => vouchers::notifications(&req, env, config, id).await,
        Route::CreateRefund => refunds::create(req, env, config).await,
        Route::ListRefunds => refunds::list(&req, env, config).await,
        Route::RetrieveRefund => refunds::retrieve(&req, env, config, id).await,
        Route::MoveRefund(what) => refunds::change(req, env, config, id, what).await,
        Route::PayoutFile => payouts::payout_file(&req, env, config, id).await,
        Route::CreatePayout => crate::api::seller_payouts::create(req, env, config).await,
        Route::RetrievePayout => crate::api::seller_payouts::retrieve(&req, env, config, id).await,
        Route::ClosePayout(paid) => {
            let id = id.to_owned();
            crate::api::seller_payouts::close(req, env, config, &id, paid).await
        }
        Route::Balance => crate::api::balances::balance(&req, env, config).await,
        Route::BalanceTransactions => crate::api::balances::transactions(&req, env, config).await,
        Route::ListReviews => reviews::list(&req, env, config).await,
        Route::RetrieveReview => reviews::retrieve(&req, env, config, id).await,
        Route::DecideReview(approve) => reviews::decide(&req, env, config, id, approve).await,
        Route::CreateSettlement => settlements::create(req, env, config).await,
        Route::ListSettlements => settlements::list(&req, env, config).await,
        Route::SettlementDigest => settlement_reports::digest(&req, env, config).await,
        Route::Unsettled => settlement_reports::unsettled(&req, env, config).await,
        Route::RetrieveSettlement => settlements::retrieve(&req, env, config, id).await,
        Route::SettlementLines => settlements::lines(&req, env, config, id).await,
        Route::SandboxRefund(succeed) => refunds::sandbox(req, env, config, id, succeed).await,
        Route::SandboxSettlementFile => settlements::sandbox_file(&req, env, config, id).await,
        Route::SandboxSettlementApply => settlements::sandbox_apply(&req, env, config, id).await,
        Route::ListEvents => events::list(&req, env, config).await,
        Route::RetrieveEvent => events::retrieve(&req, env, config, id).await,
        Route::RetryEvent => events::retry(&req, env, config, id).await,
        Route::EventDeliveries => events::deliveries(&req, env, config, id).await,
        Route::CreateEndpoint => events::create_endpoint(req, env, config).await,
        Route::ListEndpoints => events::read_endpoints(&req, env, config, None).await,
        Route::RetrieveEndpoint => events::read_endpoints(&req, env, config, Some(id)).await,
        Route::ChangeEndpoint(action) => {
            events::change_endpoint(&req, env, config, id, action).await
        }
        Route::Notification(network) => {
            notifications::handle(network, None, req, env, config).await
        }
        Route::MerchantNotification(network) => {
            notifications::handle(network, Some(id), req, env, config).await
        }
        Route::SandboxPay => sandbox::pay(&req, env, config, id).await,
        Route::SandboxExpire => sandbox::expire(&req, env, config, id).await,
        Route::SandboxAdvance => sandbox::advance(req, env, config, id).await,
        Route::SandboxAdvanceEndpoint => sandbox::advance_endpoint(req, env, config, id).await,
    }
}
