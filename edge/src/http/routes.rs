//! The route table: method and path to handler, and every error to the contract's JSON.

use crate::api::events::EndpointAction;
use crate::api::{
    demo, events, hosted, notifications, payouts, places, refunds, reviews, sandbox,
    settlement_reports, settlements, vouchers,
};
use crate::config;
use crate::http::cors;
use crate::http::error::{ApiError, ApiResult};
use crate::http::limits;
use vale_shared::Network;
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
    let result = match limits::check(&req, env).await {
        Ok(()) => route(req, env, &segments).await,
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

fn refund_move(name: &str) -> Option<refunds::Move> {
    use refunds::Move;
    Some(match name {
        "cancel" => Move::Cancel,
        "approve" => Move::Approve,
        "reject" => Move::Reject,
        "settle" => Move::Settle,
        "fail" => Move::Fail,
        "destination" => Move::Destination,
        "void_withdrawal" => Move::VoidWithdrawal,
        _ => return None,
    })
}

/// `GET /v1/openapi.json`: the contract as this build implements it, public (no key).
fn openapi() -> ApiResult<Response> {
    let resp = crate::http::error::json_response(200, OPENAPI.to_owned());
    resp.headers().set("content-type", "application/json")?;
    resp.headers().set("access-control-allow-origin", "*")?;
    Ok(resp)
}

/// The document, embedded at compile time so the served one always matches the build.
const OPENAPI: &str = include_str!("../../../docs/openapi.json");

fn network(name: &str) -> Option<Network> {
    name.parse().ok()
}

async fn route(req: Request, env: &Env, segments: &[&str]) -> ApiResult<Response> {
    use Method::{Delete, Get, Head, Options, Post};
    crate::api::acting_for::refuse_elsewhere(&req, segments)?;
    if matches!(segments, ["v1", "accounts", ..]) {
        return crate::api::accounts::route(req, env, &*config::load(env)?, segments).await;
    }
    let method = req.method();
    match (method, segments) {
        (Options, ["v1", "vouchers", _] | ["v1", "vouchers", _, "places"]) => Ok(cors::preflight()),
        (Get, ["v1", "openapi.json"]) => openapi(),
        (Get | Head, ["v", _]) => hosted::page(&req, env).await,
        (Get | Head, ["r", _]) => hosted::refund_page(&req, env).await,
        (Get | Head, [""] | ["index.html"]) if demo::enabled(env) => demo::store(&req, env).await,
        (Post, ["demo", "checkout"]) if demo::enabled(env) => {
            demo::checkout(req, env, &*config::load(env)?).await
        }
        (Post, ["demo", "vouchers", id, "pay"]) if demo::enabled(env) => {
            demo::pay(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["demo", "vouchers", id, "refund"]) if demo::enabled(env) => {
            demo::refund(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["demo", "refunds", id, "succeed"]) if demo::enabled(env) => {
            demo::succeed(env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "vouchers"]) => vouchers::create(req, env, &*config::load(env)?).await,
        (Get, ["v1", "vouchers"]) => vouchers::list(&req, env, &*config::load(env)?).await,
        (Get, ["v1", "vouchers", id]) => {
            vouchers::retrieve(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "vouchers", id]) => {
            let id = (*id).to_owned();
            vouchers::update(req, env, &*config::load(env)?, &id).await
        }
        (Post, ["v1", "vouchers", id, "cancel"]) => {
            vouchers::cancel(&req, env, &*config::load(env)?, id).await
        }
        (Get, ["v1", "vouchers", id, "places"]) => {
            places::nearby(&req, env, &*config::load(env)?, id).await
        }
        (Get, ["v1", "vouchers", id, "notifications"]) => {
            vouchers::notifications(&req, env, &*config::load(env)?, id).await
        }
        (Options, ["v1", "refunds", _] | ["v1", "refunds", _, "destination"]) => {
            Ok(cors::preflight())
        }
        (Post, ["v1", "refunds"]) => refunds::create(req, env, &*config::load(env)?).await,
        (Get, ["v1", "refunds"]) => refunds::list(&req, env, &*config::load(env)?).await,
        (Get, ["v1", "refunds", id]) => {
            refunds::retrieve(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "refunds", id, action]) if refund_move(action).is_some() => {
            let what = refund_move(action).ok_or_else(ApiError::not_found)?;
            let id = (*id).to_owned();
            refunds::change(req, env, &*config::load(env)?, &id, what).await
        }
        (Post, ["v1", "payouts"]) => {
            crate::api::seller_payouts::create(req, env, &*config::load(env)?).await
        }
        (Get, ["v1", "payouts", id]) => {
            crate::api::seller_payouts::retrieve(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "payouts", id, "paid"]) => {
            let id = (*id).to_owned();
            crate::api::seller_payouts::close(req, env, &*config::load(env)?, &id, true).await
        }
        (Post, ["v1", "payouts", id, "failed"]) => {
            let id = (*id).to_owned();
            crate::api::seller_payouts::close(req, env, &*config::load(env)?, &id, false).await
        }
        (Get, ["v1", "payouts", "files", date]) => {
            payouts::payout_file(&req, env, &*config::load(env)?, date).await
        }
        (Get, ["v1", "balance"]) => {
            crate::api::balances::balance(&req, env, &*config::load(env)?).await
        }
        (Get, ["v1", "balance_transactions"]) => {
            crate::api::balances::transactions(&req, env, &*config::load(env)?).await
        }
        (Get, ["v1", "reviews"]) => reviews::list(&req, env, &*config::load(env)?).await,
        (Get, ["v1", "reviews", id]) => {
            reviews::retrieve(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "reviews", id, "approve"]) => {
            reviews::decide(&req, env, &*config::load(env)?, id, true).await
        }
        (Post, ["v1", "reviews", id, "reject"]) => {
            reviews::decide(&req, env, &*config::load(env)?, id, false).await
        }
        (Post, ["v1", "settlements"]) => settlements::create(req, env, &*config::load(env)?).await,
        (Get, ["v1", "settlements"]) => settlements::list(&req, env, &*config::load(env)?).await,
        (Get, ["v1", "settlements", "digest"]) => {
            settlement_reports::digest(&req, env, &*config::load(env)?).await
        }
        (Get, ["v1", "settlements", "unsettled"]) => {
            settlement_reports::unsettled(&req, env, &*config::load(env)?).await
        }
        (Get, ["v1", "settlements", id]) => {
            settlements::retrieve(&req, env, &*config::load(env)?, id).await
        }
        (Get, ["v1", "settlements", id, "lines"]) => {
            settlements::lines(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "sandbox", "refunds", id, "succeed"]) => {
            let id = (*id).to_owned();
            refunds::sandbox(req, env, &*config::load(env)?, &id, true).await
        }
        (Post, ["v1", "sandbox", "refunds", id, "fail"]) => {
            let id = (*id).to_owned();
            refunds::sandbox(req, env, &*config::load(env)?, &id, false).await
        }
        (Get, ["v1", "sandbox", "settlements", date]) => {
            settlements::sandbox_file(&req, env, &*config::load(env)?, date).await
        }
        (Post, ["v1", "sandbox", "settlements", date, "apply"]) => {
            settlements::sandbox_apply(&req, env, &*config::load(env)?, date).await
        }
        (Get, ["v1", "events"]) => events::list(&req, env, &*config::load(env)?).await,
        (Get, ["v1", "events", id]) => events::retrieve(&req, env, &*config::load(env)?, id).await,
        (Post, ["v1", "events", id, "retry"]) => {
            events::retry(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "webhook_endpoints"]) => {
            events::create_endpoint(req, env, &*config::load(env)?).await
        }
        (Get, ["v1", "webhook_endpoints"]) => {
            events::read_endpoints(&req, env, &*config::load(env)?, None).await
        }
        (Get, ["v1", "webhook_endpoints", id]) => {
            events::read_endpoints(&req, env, &*config::load(env)?, Some(id)).await
        }
        (Delete, ["v1", "webhook_endpoints", id]) => {
            let action = EndpointAction::Delete;
            events::change_endpoint(&req, env, &*config::load(env)?, id, action).await
        }
        (Post, ["v1", "webhook_endpoints", id, "enable"]) => {
            let action = EndpointAction::Enable;
            events::change_endpoint(&req, env, &*config::load(env)?, id, action).await
        }
        (Post, ["v1", "webhook_endpoints", id, "rotate_secret"]) => {
            let action = EndpointAction::RotateSecret;
            events::change_endpoint(&req, env, &*config::load(env)?, id, action).await
        }
        (Post, ["v1", "notifications", name]) if network(name).is_some() => {
            let network = network(name).ok_or_else(ApiError::not_found)?;
            notifications::handle(network, None, req, env, &*config::load(env)?).await
        }
        (Post, ["v1", "notifications", name, merchant]) if network(name).is_some() => {
            let network = network(name).ok_or_else(ApiError::not_found)?;
            let merchant = (*merchant).to_owned();
            notifications::handle(network, Some(&merchant), req, env, &*config::load(env)?).await
        }
        (Post, ["v1", "sandbox", "vouchers", id, "pay"]) => {
            sandbox::pay(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "sandbox", "vouchers", id, "expire"]) => {
            sandbox::expire(&req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "sandbox", "webhook_endpoints", id, "advance"]) => {
            let id = id.to_owned();
            sandbox::advance_endpoint(req, env, &*config::load(env)?, id).await
        }
        (Post, ["v1", "sandbox", "vouchers", id, "advance"]) => {
            let id = (*id).to_owned();
            sandbox::advance(req, env, &*config::load(env)?, &id).await
        }
        (
            _,
            ["v1", "vouchers"]
            | ["v1", "vouchers", _]
            | ["v1", "vouchers", _, "cancel" | "notifications" | "places"]
            | ["v1", "events"]
            | ["v1", "events", _]
            | ["v1", "events", _, "retry"]
            | ["v1", "webhook_endpoints"]
            | ["v1", "webhook_endpoints", _]
            | ["v1", "webhook_endpoints", _, "enable" | "rotate_secret"]
            | ["v1", "notifications", "pagoefectivo" | "efecty"]
            | ["v1", "notifications", "pagoefectivo" | "efecty", _]
            | ["v1", "sandbox", "vouchers", _, "pay" | "expire" | "advance"]
            | ["v1", "sandbox", "webhook_endpoints", _, "advance"]
            | ["v1", "refunds"]
            | ["v1", "refunds", _]
            | [
                "v1",
                "refunds",
                _,
                "cancel" | "approve" | "reject" | "settle" | "fail" | "destination"
                | "void_withdrawal",
            ]
            | ["v1", "payouts", "files", _]
            | ["v1", "payouts"]
            | ["v1", "payouts", _]
            | ["v1", "payouts", _, "paid" | "failed"]
            | ["v1", "reviews"]
            | ["v1", "reviews", _]
            | ["v1", "reviews", _, "approve" | "reject"]
            | ["v1", "settlements"]
            | ["v1", "settlements", _]
            | ["v1", "settlements", _, "lines"]
            | ["v1", "sandbox", "settlements", _]
            | ["v1", "sandbox", "settlements", _, "apply"]
            | ["v1", "sandbox", "refunds", _, "succeed" | "fail"],
        ) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found()),
    }
}
