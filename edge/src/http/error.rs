//! One error type for the whole edge, mapped to the contract's JSON:
//! `{"error": {"type", "code", "message", "param"?}}`.
//!
//! The `cause` is for the log only and never reaches the client. Causes are written by
//! this crate from error values that carry no secrets (storage, bindings, JSON shapes),
//! never from configuration text or request headers.

use serde::{Deserialize, Serialize};
use vale_shared::voucher::InvalidParam;
use worker::{Headers, Response};

/// The `type` of an API error, as the contract names them (hence the common suffix).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// Bad input, unknown ids, wrong state.
    InvalidRequestError,
    /// Missing, unknown or misplaced keys; bad signatures.
    AuthenticationError,
    /// An `Idempotency-Key` reused with another body, or still running.
    IdempotencyError,
    /// Too many requests for one key or address (`429`, with `Retry-After`).
    RateLimitError,
    /// Something failed on our side.
    ApiError,
}

/// An error on its way to becoming an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The contract's `type`.
    pub kind: ErrorType,
    /// A snake_case code.
    pub code: String,
    /// A sentence a developer can act on.
    pub message: String,
    /// The offending request field, if any.
    pub param: Option<String>,
    /// What went wrong inside, for the log only.
    cause: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Body {
    error: Wire,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    #[serde(rename = "type")]
    kind: ErrorType,
    code: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    param: Option<String>,
}

impl ApiError {
    /// A new error with no param and no cause.
    pub fn new(status: u16, kind: ErrorType, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            code: code.to_owned(),
            message: message.into(),
            param: None,
            cause: None,
        }
    }

    /// Names the request field at fault.
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// `400` naming `param`.
    pub fn invalid(param: &str, code: &str, message: impl Into<String>) -> Self {
        Self::new(400, ErrorType::InvalidRequestError, code, message).with_param(param)
    }

    /// `401`: no key, or a key we do not know.
    pub fn unauthenticated() -> Self {
        Self::new(
            401,
            ErrorType::AuthenticationError,
            "invalid_api_key",
            "Send a valid secret key as `Authorization: Bearer sk_…`.",
        )
    }

    /// `403`: a client secret or a restricted key on a route it may not use.
    pub fn permission_denied() -> Self {
        Self::new(
            403,
            ErrorType::AuthenticationError,
            "permission_denied",
            "This key may not use this route: a client secret reads its own voucher only, a restricted key reads and approves; use the secret key.",
        )
    }

    /// `409`: the voucher is not pending, so it cannot be `verb`.
    pub fn not_pending(status: vale_shared::VoucherStatus, verb: &str) -> Self {
        Self::new(
            409,
            ErrorType::InvalidRequestError,
            "voucher_not_pending",
            format!(
                "This voucher is {}; only a pending voucher can be {verb}.",
                status.as_str()
            ),
        )
    }

    /// `404` for an unknown voucher.
    pub fn no_such_voucher() -> Self {
        Self::new(
            404,
            ErrorType::InvalidRequestError,
            "resource_missing",
            "No such voucher.",
        )
        .with_param("id")
    }

    /// `404` for a route that does not exist (or is switched off here).
    pub fn not_found() -> Self {
        Self::new(
            404,
            ErrorType::InvalidRequestError,
            "route_not_found",
            "No such route.",
        )
    }

    /// `405` for a known path with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            ErrorType::InvalidRequestError,
            "method_not_allowed",
            "This route does not take that method.",
        )
    }

    /// `500`: something of ours failed; `cause` goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError {
            cause: Some(cause.to_string()),
            ..Self::new(
                500,
                ErrorType::ApiError,
                "api_error",
                "Something went wrong on our side; it is safe to retry.",
            )
        }
    }

    /// The contract's JSON body.
    pub fn to_json(&self) -> String {
        let body = Body {
            error: Wire {
                kind: self.kind,
                code: self.code.clone(),
                message: self.message.clone(),
                param: self.param.clone(),
            },
        };
        serde_json::to_string(&body).unwrap_or_else(|_| {
            r#"{"error":{"type":"api_error","code":"api_error","message":"error"}}"#.to_owned()
        })
    }

    /// Rebuilds an error a Durable Object answered with (its status and contract JSON).
    pub fn from_wire(status: u16, text: &str) -> Self {
        match serde_json::from_str::<Body>(text) {
            Ok(Body { error }) => ApiError {
                status,
                kind: error.kind,
                code: error.code,
                message: error.message,
                param: error.param,
                cause: None,
            },
            Err(_) => Self::internal(format!("unreadable error from a durable object ({status})")),
        }
    }

    /// The response, logging the cause of server-side errors.
    pub fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            worker::console_error!("{} {}: {}", self.status, self.code, cause);
        }
        json_response(self.status, self.to_json())
    }
}

impl From<InvalidParam> for ApiError {
    fn from(e: InvalidParam) -> Self {
        ApiError::invalid(&e.param, e.code, e.message)
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json's message may quote the offending value (a client secret, a key):
        // log only where and what kind of error it was.
        ApiError::internal(format!(
            "json {:?} error at {}:{}",
            e.classify(),
            e.line(),
            e.column()
        ))
    }
}

/// A JSON response with the given status. Never fails: a header that cannot be set
/// leaves a plain body.
pub fn json_response(status: u16, body: String) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    Response::builder()
        .with_status(status)
        .with_headers(headers)
        .fixed(body.into_bytes())
}

/// Shorthand for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_the_contract_shape_and_round_trip() {
        let e = ApiError::invalid("amount", "amount_too_small", "too small");
        let json: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"type": "invalid_request_error", "code": "amount_too_small",
                "message": "too small", "param": "amount"}})
        );
        assert_eq!(ApiError::from_wire(400, &e.to_json()), e);
    }

    #[test]
    fn an_internal_cause_never_reaches_the_client() {
        let e = ApiError::internal("storage said sk_test_local");
        assert!(!e.to_json().contains("sk_test_local"));
        assert!(!e.to_json().contains("param"));
    }
}
