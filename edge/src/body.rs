//! Reading request bodies as raw bytes, with a ceiling, before anything parses them.

use crate::error::{ApiError, ApiResult, ErrorType};
use futures_util::StreamExt;
use worker::Request;

/// The largest body the edge reads: 64 KiB, as the contract promises for notifications
/// (and more than any voucher request needs).
pub const MAX_BODY: usize = 64 * 1024;

fn too_large() -> ApiError {
    ApiError::new(
        413,
        ErrorType::InvalidRequestError,
        "body_too_large",
        "The body is larger than 64 KiB.",
    )
}

/// The raw body, refusing more than [`MAX_BODY`] bytes without reading past the limit.
pub async fn read(req: &mut Request) -> ApiResult<Vec<u8>> {
    let declared = req.headers().get("content-length").ok().flatten();
    if declared
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_large());
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
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
