//! `GET /v1/events` and `GET /v1/events/{id}` (a secret or restricted key; the key's mode).

use super::{Command, EventsClient};
use crate::auth;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, json_response};
use crate::vouchers::api::{page_params, unknown_param};
use vale_shared::EventId;
use vale_shared::event::EventType;
use worker::{Env, Request, Response};

/// `GET /v1/events?type=&limit=&starting_after=`.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let mut limit = 10;
    let mut starting_after = None;
    let mut kind = None;
    for (name, value) in req.url()?.query_pairs() {
        if page_params(&name, &value, &mut limit, &mut starting_after, |v| {
            v.parse::<EventId>().ok()
        })? {
            continue;
        }
        match name.as_ref() {
            "type" => {
                kind = Some(value.parse::<EventType>().map_err(|_| {
                    ApiError::invalid(
                        "type",
                        "type_invalid",
                        "type is not an event type of the contract.",
                    )
                })?);
            }
            other => return Err(unknown_param(other)),
        }
    }
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::List {
            kind,
            limit,
            starting_after,
        })
        .await?;
    Ok(json_response(200, body))
}

/// `GET /v1/events/{id}`.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let id = id.parse::<EventId>().map_err(|_| {
        ApiError::new(
            404,
            crate::error::ErrorType::InvalidRequestError,
            "resource_missing",
            "No such event.",
        )
        .with_param("id")
    })?;
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::Get { id })
        .await?;
    Ok(json_response(200, body))
}
