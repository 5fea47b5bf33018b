//! The events API and the webhook endpoints API, in the key's mode: reads take a secret
//! or restricted key, changes the secret key.

use crate::api::vouchers::{page_params, unknown_param};
use crate::config::Config;
use crate::http::auth;
use crate::http::body;
use crate::http::error::{ApiError, ApiResult, ErrorType, json_response};
use crate::objects::events::{Command, EventsClient};
use crate::runtime::random;
use vale_shared::EventId;
use vale_shared::event::EventType;
use vale_shared::id::WebhookEndpointId;
use vale_shared::webhook::WebhookSecret;
use worker::{Env, Request, Response};

/// `GET /v1/events?type=&voucher=&limit=&starting_after=`.
pub async fn list(req: &Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let mut limit = 10;
    let mut starting_after = None;
    let mut kind = None;
    let mut voucher = None;
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
            "voucher" => {
                let id = value.parse::<vale_shared::VoucherId>().map_err(|_| {
                    ApiError::invalid(
                        "voucher",
                        "voucher_invalid",
                        "voucher is not a voucher id (vch_…).",
                    )
                })?;
                voucher = Some(id.to_string());
            }
            other => return Err(unknown_param(other)),
        }
    }
    let command = match voucher {
        Some(voucher) => Command::AboutVoucher {
            voucher,
            kind,
            limit,
            starting_after,
        },
        None => Command::List {
            kind,
            limit,
            starting_after,
        },
    };
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&command)
        .await?;
    Ok(json_response(200, readable(body, access.role)?))
}

/// Events as `role` may read them: a restricted key gets refund events without the
/// refund's `client_secret` and `collect_url` (regression, review M3: with them it could
/// choose where an approved refund goes). `body` is an event or a list of them.
fn readable(body: String, role: crate::config::Role) -> ApiResult<String> {
    if role != crate::config::Role::Restricted {
        return Ok(body);
    }
    let mut value: serde_json::Value = serde_json::from_str(&body)?;
    let strip = |event: &mut serde_json::Value| {
        let refund = event
            .get("type")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|t| t.starts_with("refund."));
        if let (true, Some(data)) = (refund, event.get_mut("data")) {
            crate::api::refunds::for_reader(data, crate::config::Role::Restricted);
        }
    };
    match value
        .get_mut("data")
        .and_then(serde_json::Value::as_array_mut)
    {
        Some(events) => events.iter_mut().for_each(strip),
        None => strip(&mut value),
    }
    Ok(value.to_string())
}

/// `GET /v1/events/{id}`.
pub async fn retrieve(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let id = id.parse::<EventId>().map_err(|_| {
        ApiError::new(
            404,
            crate::http::error::ErrorType::InvalidRequestError,
            "resource_missing",
            "No such event.",
        )
        .with_param("id")
    })?;
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::Get { id })
        .await?;
    Ok(json_response(200, readable(body, access.role)?))
}

/// `GET /v1/events/{id}/deliveries` (secret or restricted key): where the event went,
/// one delivery per endpoint it was meant for, with the endpoint's last HTTP status.
pub async fn deliveries(
    req: &Request,
    env: &Env,
    config: &Config,
    id: &str,
) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let id = event_id(id)?;
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::Deliveries { id })
        .await?;
    Ok(json_response(200, body))
}

/// `POST /v1/events/{id}/retry` (secret key).
pub async fn retry(req: &Request, env: &Env, config: &Config, id: &str) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    let id = event_id(id)?;
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&Command::Retry { id })
        .await?;
    Ok(json_response(200, body))
}

fn event_id(id: &str) -> ApiResult<EventId> {
    id.parse::<EventId>().map_err(|_| {
        ApiError::new(
            404,
            ErrorType::InvalidRequestError,
            "resource_missing",
            "No such event.",
        )
        .with_param("id")
    })
}

fn endpoint_id(id: &str) -> ApiResult<WebhookEndpointId> {
    id.parse::<WebhookEndpointId>().map_err(|_| {
        ApiError::new(
            404,
            ErrorType::InvalidRequestError,
            "resource_missing",
            "No such webhook endpoint.",
        )
        .with_param("id")
    })
}

/// A fresh `whsec_` signing secret (24 random bytes).
fn new_secret() -> ApiResult<String> {
    let key = random::bytes::<24>()?.to_vec();
    Ok(WebhookSecret::from_key(key)
        .map_err(|_| ApiError::internal("webhook secret"))?
        .to_whsec())
}

/// `POST /v1/webhook_endpoints {url, events?}` (secret key): the secret is shown once.
pub async fn create_endpoint(mut req: Request, env: &Env, config: &Config) -> ApiResult<Response> {
    let access = auth::secret(&req, config)?;
    let raw = body::read(&mut req).await?;
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&raw).map_err(|_| {
            ApiError::invalid("body", "body_invalid", "The body must be a JSON object.")
        })?;
    if let Some(unknown) = fields
        .keys()
        .find(|k| !["url", "events"].contains(&k.as_str()))
    {
        return Err(unknown_param(unknown));
    }
    let url = fields
        .get("url")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ApiError::invalid("url", "parameter_missing", "url is required."))?;
    let url = crate::objects::events::url::check(url, access.livemode())?;
    let events = match fields.get("events") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Array(list)) if !list.is_empty() => Some(
            list.iter()
                .map(|v| v.as_str().and_then(|s| s.parse::<EventType>().ok()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    ApiError::invalid(
                        "events",
                        "events_invalid",
                        "events must list event types of the contract.",
                    )
                })?,
        ),
        Some(_) => {
            return Err(ApiError::invalid(
                "events",
                "events_invalid",
                "events must be a non-empty list of event types.",
            ));
        }
    };
    let command = Command::CreateEndpoint {
        id: WebhookEndpointId::from_random(random::bytes()?),
        url: url.to_string(),
        events,
        secret: new_secret()?,
        livemode: access.livemode(),
    };
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&command)
        .await?;
    Ok(json_response(201, body))
}

/// `GET /v1/webhook_endpoints` and `GET /v1/webhook_endpoints/{id}` (a key).
pub async fn read_endpoints(
    req: &Request,
    env: &Env,
    config: &Config,
    id: Option<&str>,
) -> ApiResult<Response> {
    let access = auth::reader(req, config)?;
    let command = match id {
        None => Command::ListEndpoints,
        Some(id) => Command::GetEndpoint {
            id: endpoint_id(id)?,
        },
    };
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&command)
        .await?;
    Ok(json_response(200, body))
}

/// What may be done to one endpoint with the secret key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointAction {
    /// `DELETE /v1/webhook_endpoints/{id}`.
    Delete,
    /// `POST /v1/webhook_endpoints/{id}/enable`.
    Enable,
    /// `POST /v1/webhook_endpoints/{id}/rotate_secret`.
    RotateSecret,
    /// `POST /v1/sandbox/webhook_endpoints/{id}/advance` (test keys only).
    SandboxAdvance {
        /// How far, checked by the sandbox route.
        seconds: i64,
    },
}

/// Deletes, enables or rotates the secret of one endpoint (secret key).
pub async fn change_endpoint(
    req: &Request,
    env: &Env,
    config: &Config,
    id: &str,
    action: EndpointAction,
) -> ApiResult<Response> {
    let access = auth::secret(req, config)?;
    let id = endpoint_id(id)?;
    let command = match action {
        EndpointAction::Delete => Command::DeleteEndpoint { id },
        EndpointAction::Enable => Command::EnableEndpoint { id },
        EndpointAction::RotateSecret => Command::RotateSecret {
            id,
            secret: new_secret()?,
        },
        EndpointAction::SandboxAdvance { seconds } => {
            if access.mode != crate::config::Mode::Test {
                return Err(ApiError::not_found());
            }
            Command::SandboxAdvanceEndpoint { id, seconds }
        }
    };
    let body = EventsClient::of(env, &access.merchant.id, access.mode)?
        .text(&command)
        .await?;
    Ok(json_response(200, body))
}
