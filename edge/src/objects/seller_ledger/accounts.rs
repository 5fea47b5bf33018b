//! The account commands: each reads what it needs, decides with
//! `vale_shared::marketplace::account`, and writes in one transaction.

use super::protocol::{AccountQuery, Idempotency};
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::storage::{self, int, text};
use serde::Deserialize;
use serde_json::{Value, json};
use vale_shared::marketplace::{Account, AccountUpdate};
use worker::{SqlStorage, Storage};

#[derive(Deserialize)]
struct Row {
    data: String,
}

/// `404` for an account this platform (in this mode) does not have.
pub fn no_such_account() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such account.",
    )
    .with_param("id")
}

fn decode(row: &Row) -> ApiResult<Account> {
    serde_json::from_str::<Value>(&row.data)
        .ok()
        .and_then(|v| Account::from_stored(&v))
        .ok_or_else(|| ApiError::internal("a stored account does not read back"))
}

/// Every account, oldest first.
pub fn all(sql: &SqlStorage) -> ApiResult<Vec<Account>> {
    let rows: Vec<Row> = sql
        .exec("SELECT data FROM account ORDER BY seq", None)?
        .to_array()?;
    rows.iter().map(decode).collect()
}

/// The account `id`, or `404`.
pub fn get(sql: &SqlStorage, id: &str) -> ApiResult<Account> {
    let rows: Vec<Row> = sql
        .exec("SELECT data FROM account WHERE id = ?", vec![text(id)])?
        .to_array()?;
    rows.first().map_or_else(|| Err(no_such_account()), decode)
}

fn write(sql: &SqlStorage, account: &Account, now: i64) -> ApiResult<()> {
    sql.exec(
        "UPDATE account SET data = ?, status = ?, updated_ms = ? WHERE id = ?",
        vec![
            text(&account.to_stored().to_string()),
            text(account.status().as_str()),
            int(now),
            text(account.id.as_str()),
        ],
    )?;
    Ok(())
}

/// Stores a new account. With an `Idempotency-Key` seen before: the same body answers
/// the account it made (`replayed`), another body is `422`.
pub fn create(
    storage: &Storage,
    sql: &SqlStorage,
    stored: Value,
    idempotency: Option<Idempotency>,
    now: i64,
) -> ApiResult<Value> {
    let account = Account::from_stored(&stored)
        .ok_or_else(|| ApiError::internal("create_account: not a stored account"))?;
    storage::atomically(storage, sql, move |sql| {
        if let Some(key) = &idempotency {
            #[derive(Deserialize)]
            struct Seen {
                request_sha256: String,
                account: String,
            }
            let seen: Vec<Seen> = sql
                .exec(
                    "SELECT request_sha256, account FROM idempotency WHERE key_sha256 = ?",
                    vec![text(&key.key_sha256)],
                )?
                .to_array()?;
            if let Some(seen) = seen.first() {
                if !vale_shared::secret::constant_time_eq(
                    seen.request_sha256.as_bytes(),
                    key.request_sha256.as_bytes(),
                ) {
                    return Err(ApiError::new(
                        422,
                        ErrorType::IdempotencyError,
                        "idempotency_key_reused",
                        "This Idempotency-Key was used with another request body; use a new key.",
                    ));
                }
                let made = get(sql, &seen.account)?;
                return Ok(json!({"replayed": true, "account": made.to_json()}));
            }
            sql.exec(
                "INSERT INTO idempotency (key_sha256, request_sha256, account) VALUES (?, ?, ?)",
                vec![
                    text(&key.key_sha256),
                    text(&key.request_sha256),
                    text(account.id.as_str()),
                ],
            )?;
        }
        sql.exec(
            "INSERT INTO account (id, data, status, updated_ms) VALUES (?, ?, ?, ?)",
            vec![
                text(account.id.as_str()),
                text(&stored.to_string()),
                text(account.status().as_str()),
                int(now),
            ],
        )?;
        Ok(json!({"replayed": false, "account": account.to_json()}))
    })
}

/// Checks `body` as an update of the account's country and applies it.
pub fn update(
    storage: &Storage,
    sql: &SqlStorage,
    id: String,
    body: String,
    now: i64,
) -> ApiResult<Value> {
    storage::atomically(storage, sql, move |sql| {
        let account = get(sql, &id)?;
        let before = account.to_json();
        let change = AccountUpdate::from_json(body.as_bytes(), account.country)?;
        let account = account.updated(change);
        write(sql, &account, now)?;
        let after = account.to_json();
        super::outbox::account_updated(sql, &before, &after, now)?;
        Ok(after)
    })
}

/// Disables the account: no new vouchers, no payouts. Final (the contract has no route
/// back); disabling again changes nothing.
pub fn disable(storage: &Storage, sql: &SqlStorage, id: String, now: i64) -> ApiResult<Value> {
    storage::atomically(storage, sql, move |sql| {
        let account = get(sql, &id)?;
        if account.disabled {
            return Ok(account.to_json());
        }
        let before = account.to_json();
        let account = Account {
            disabled: true,
            ..account
        };
        write(sql, &account, now)?;
        let after = account.to_json();
        super::outbox::account_updated(sql, &before, &after, now)?;
        Ok(after)
    })
}

#[derive(Deserialize)]
struct Seq {
    seq: i64,
}

/// A page of accounts, newest first, of one status if asked.
pub fn list(sql: &SqlStorage, query: &AccountQuery) -> ApiResult<Value> {
    let mut before = i64::MAX;
    if let Some(after) = &query.starting_after {
        let seqs: Vec<Seq> = sql
            .exec("SELECT seq FROM account WHERE id = ?", vec![text(after)])?
            .to_array()?;
        before = seqs.first().map(|s| s.seq).ok_or_else(|| {
            ApiError::invalid(
                "starting_after",
                "resource_missing",
                "starting_after is not an account of this list.",
            )
        })?;
    }
    let limit = i64::from(query.limit);
    let rows: Vec<Row> = match query.status() {
        Some(status) => sql.exec(
            "SELECT data FROM account WHERE status = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            vec![text(status.as_str()), int(before), int(limit + 1)],
        )?,
        None => sql.exec(
            "SELECT data FROM account WHERE seq < ? ORDER BY seq DESC LIMIT ?",
            vec![int(before), int(limit + 1)],
        )?,
    }
    .to_array()?;
    let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let data = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|row| decode(row).map(|a| a.to_json()))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json!({"object": "list", "data": data, "has_more": has_more}))
}
