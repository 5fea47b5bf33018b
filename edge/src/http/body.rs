//! Reading request bodies as raw bytes, with a ceiling, before anything parses them.

use crate::http::error::{ApiError, ApiResult, ErrorType};
use futures_util::StreamExt;
use worker::Request;

/// The largest body the edge reads: 64 KiB, as the contract promises for notifications
/// (and more than any voucher request needs).
pub const MAX_BODY: usize = 64 * 1024;

/// The largest settlement file the edge reads: 5 MiB.
pub const MAX_FILE: usize = 5 * 1024 * 1024;

fn too_large(max: usize) -> ApiError {
    let what = if max >= 1024 * 1024 {
        format!("{} MiB", max / (1024 * 1024))
    } else {
        format!("{} KiB", max / 1024)
    };
    ApiError::new(
        413,
        ErrorType::InvalidRequestError,
        "body_too_large",
        format!("The body is larger than {what}."),
    )
}

/// The raw body, refusing more than [`MAX_BODY`] bytes without reading past the limit.
pub async fn read(req: &mut Request) -> ApiResult<Vec<u8>> {
    read_at_most(req, MAX_BODY).await
}

/// The raw body, refusing more than `max` bytes without reading past the limit.
pub async fn read_at_most(req: &mut Request, max: usize) -> ApiResult<Vec<u8>> {
    let declared = req.headers().get("content-length").ok().flatten();
    if declared
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > max as u64)
    {
        return Err(too_large(max));
    }
    let mut stream = match req.stream() {
        Ok(stream) => stream,
        // No body at all.
        Err(_) => return Ok(Vec::new()),
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::new(
                400,
                ErrorType::InvalidRequestError,
                "body_unreadable",
                "The body could not be read.",
            )
        })?;
        if body.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
