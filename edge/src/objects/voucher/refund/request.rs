//! A refusal of a refund request, naming its field. The create's body itself is read in
//! `shared` (`vale_shared::refund::NewRefund`).

use crate::http::error::ApiError;

pub(super) fn invalid(param: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(param, code, message)
}
