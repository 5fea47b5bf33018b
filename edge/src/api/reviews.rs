//! `GET /v1/reviews` and `GET /v1/reviews/{id}`: the merchant's risk decisions, read by a
//! secret or a restricted key of the same mode; `POST /v1/reviews/{id}/approve` and
//! `/reject`: a restricted key closes an open review (a secret key may not: `403`).

use crate::api::vouchers::{page_params, unknown_param};
use crate::config::Config;
use crate::http::auth;
use crate::http::error::{ApiError, ApiResult, json_response};
use crate::objects::ledger::{self, LedgerClient, ReviewPage};
use crate::objects::voucher::review::ReviewStatus;
use crate::objects::voucher::{Command, Scope, VoucherClient};
use worker::{Env, Request, Response};

fn valid_id(id: &str) -> bool {
    id.strip_prefix("rev_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// `GET /v1/reviews?status=&limit=&starting_after=`, newest first.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let url = req.url()?;
    let (mut status, mut limit, mut starting_after) = (None, 10_u32, None);
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "status" => {
                status = Some(ReviewStatus::parse(&value).ok_or_else(|| {
                    ApiError::invalid("status", "status_invalid", "status is not a review status.")
                })?);
            }
            other => {
                if !page_params(other, &value, &mut limit, &mut starting_after, |v| {
                    valid_id(v).then(|| v.to_owned())
                })? {
                    return Err(unknown_param(other));
                }
            }
        }
    }
    let page: ReviewPage = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::ListReviews {
            livemode: access.livemode(),
            status: status.map(|s| s.as_str().to_owned()),
            limit,
            starting_after,
        })
        .await?;
    let body = format!(
        r#"{{"object":"list","data":[{}],"has_more":{}}}"#,
        page.bodies.join(","),
        page.has_more
    );
    Ok(json_response(200, body))
}

/// `GET /v1/reviews/{id}`.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    if !valid_id(id) {
        return Err(ApiError::not_found());
    }
    let page: ReviewPage = LedgerClient::of(env, &access.merchant.id)?
        .call(&ledger::Command::GetReview {
            livemode: access.livemode(),
            id: id.to_owned(),
        })
        .await?;
    let body = page
        .bodies
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(200, body))
}

/// `POST /v1/reviews/{id}/approve` (`approve`) or `/reject`: the review's voucher issues
/// its code, or is cancelled. A review is named after its voucher, so no lookup is needed.
pub async fn decide(
    req: &Request,
    env: &Env,
    config: &Config,
    id: &str,
    approve: bool,
) -> ApiResult<Response> {
    let access = auth::restricted(req, config)?;
    let voucher = id
        .strip_prefix("rev_")
        .filter(|_| valid_id(id))
        .and_then(|rest| format!("vch_{rest}").parse::<vale_shared::VoucherId>().ok())
        .ok_or_else(ApiError::not_found)?;
    let body = VoucherClient::of(env, &voucher)?
        .text(
            Scope::merchant(&access.merchant.id, access.mode),
            Command::Review { approve },
        )
        .await?;
    Ok(json_response(200, body))
}
