//! The ledger's review rows: kept by the voucher, listed and read by the review routes.

use super::protocol::*;
use super::store::*;
use crate::http::error::ApiResult;
use crate::objects::shell::{SqlShell, json};
use crate::runtime::storage::{self, flag, int, text};

/// `Command::PutReview`.
pub(super) fn put_review(
    shell: &SqlShell,
    livemode: bool,
    id: String,
    status: String,
    created_ms: i64,
    body: String,
) -> ApiResult<String> {
    shell.sql.exec(
        "INSERT INTO review (id, livemode, status, created_ms, body) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body",
        vec![
            text(&id),
            flag(livemode),
            text(&status),
            int(created_ms),
            text(&body),
        ],
    )?;
    json(&Done { ok: true })
}

/// `Command::ListReviews`.
pub(super) fn list_reviews(
    shell: &SqlShell,
    livemode: bool,
    status: Option<String>,
    limit: u32,
    starting_after: Option<String>,
) -> ApiResult<String> {
    let mut query = "SELECT body FROM review WHERE livemode = ?".to_owned();
    let mut args = vec![flag(livemode)];
    if let Some(status) = &status {
        query.push_str(" AND status = ?");
        args.push(text(status));
    }
    if let Some(after) = &starting_after {
        let seq = storage::cursor(&shell.sql, "review", after, "a review")?;
        query.push_str(" AND seq < ?");
        args.push(int(seq));
    }
    query.push_str(" ORDER BY seq DESC LIMIT ?");
    args.push(int(i64::from(limit) + 1));
    let rows: Vec<BodyRow> = shell.sql.exec(&query, args)?.to_array()?;
    let has_more = rows.len() > limit as usize;
    let bodies = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| r.body)
        .collect();
    json(&ReviewPage { bodies, has_more })
}

/// `Command::GetReview`.
pub(super) fn get_review(shell: &SqlShell, livemode: bool, id: String) -> ApiResult<String> {
    let rows: Vec<BodyRow> = shell
        .sql
        .exec(
            "SELECT body FROM review WHERE id = ? AND livemode = ?",
            vec![text(&id), flag(livemode)],
        )?
        .to_array()?;
    let bodies = rows.into_iter().map(|r| r.body).collect();
    json(&ReviewPage {
        bodies,
        has_more: false,
    })
}
