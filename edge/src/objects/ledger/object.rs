//! The `Ledger` Durable Object: its SQL schema and the commands of [`super::protocol::Command`].
//!
//! Each command runs synchronously against SQLite with no `await` between its reads and
//! writes, inside one transaction: all of it commits, or none.

use super::protocol::{
    Asking, Claimed, CodedList, Command, DigestRow, Done, Due, Found, Ids, IndexRow, KeyHome,
    ListQuery, Overdue, PAYOUT_PAGE_MAX, ReviewPage, ToAsk,
};
use super::store::*;
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::rpc;
use crate::runtime::storage::{self, flag, int, text};
use serde::Deserialize;
use std::cell::Cell;
use vale_shared::id::RefundId;
use vale_shared::{Network, VoucherId};
use worker::{
    DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State,
    durable_object,
};

/// A merchant's index of payment codes, listing rows and wake-ups.
#[durable_object]
pub struct Ledger {
    pub(super) state: State,
    pub(super) sql: SqlStorage,
    pub(super) ready: Cell<bool>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
    }
}

impl DurableObject for Ledger {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        Ledger {
            state,
            sql,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Command>(&mut req).await {
            Ok(command) => self.run(command),
            Err(e) => Err(e),
        };
        Ok(rpc::reply(result))
    }
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(value)?)
}

impl Ledger {
    fn run(&self, command: Command) -> ApiResult<String> {
        if !self.ready.get() {
            storage::migrate(&self.state.storage(), &self.sql, MIGRATIONS)?;
            self.ready.set(true);
        }
        match command {
            Command::Claim {
                livemode,
                network,
                candidates,
                reference,
                created_at,
                row,
            } => {
                let code = storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    claim(
                        sql,
                        livemode,
                        network,
                        &candidates,
                        &reference,
                        created_at,
                        &row,
                    )
                })?;
                json(&Claimed { payment_code: code })
            }
            Command::Update { row, refunds } => {
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    let newer = sql
                        .exec(
                            "UPDATE voucher SET status = ?, version = ?, wake_at_ms = ?, paid_ms = ?
                             WHERE id = ? AND version <= ? RETURNING livemode",
                            vec![
                                text(&row.status),
                                int(row.version),
                                int(row.wake_at_ms),
                                storage::opt_int(row.paid_ms),
                                text(row.id.as_str()),
                                int(row.version),
                            ],
                        )?
                        .to_array::<serde_json::Value>()?;
                    // Refund rows only from the newest version (an older update that
                    // arrives late changes nothing).
                    let Some(livemode) = newer
                        .first()
                        .and_then(|v| v.get("livemode"))
                        .and_then(serde_json::Value::as_i64)
                    else {
                        return Ok(());
                    };
                    for r in &refunds {
                        sql.exec(
                            "INSERT INTO refund (id, livemode, status, created_ms, processing_ms) VALUES (?, ?, ?, ?, ?)
                             ON CONFLICT (id) DO UPDATE SET status = excluded.status, processing_ms = excluded.processing_ms",
                            vec![
                                text(r.id.as_str()),
                                int(livemode),
                                text(&r.status),
                                int(r.created_ms),
                                storage::opt_int(r.processing_ms),
                            ],
                        )?;
                    }
                    Ok(())
                })?;
                json(&Done { ok: true })
            }
            Command::LookupMany {
                livemode,
                network,
                codes,
            } => {
                let mut vouchers = Vec::with_capacity(codes.len());
                for chunk in codes.chunks(90) {
                    let marks = vec!["?"; chunk.len()].join(", ");
                    let mut args = vec![flag(livemode), text(network.as_str())];
                    args.extend(chunk.iter().map(|c| text(c)));
                    let rows: Vec<CodedRow> = self
                        .sql
                        .exec(
                            &format!("SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND network = ? AND payment_code IN ({marks})"),
                            args,
                        )?
                        .to_array()?;
                    vouchers.extend(coded(rows)?);
                }
                json(&CodedList { vouchers })
            }
            Command::PaidIn {
                livemode,
                network,
                from_ms,
                to_ms,
            } => {
                let rows: Vec<CodedRow> = self
                    .sql
                    .exec(
                        "SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND network = ? AND paid_ms >= ? AND paid_ms < ? ORDER BY paid_ms LIMIT 100000",
                        vec![flag(livemode), text(network.as_str()), int(from_ms), int(to_ms)],
                    )?
                    .to_array()?;
                json(&CodedList {
                    vouchers: coded(rows)?,
                })
            }
            Command::MarkSettled { ids } => {
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    for id in &ids {
                        sql.exec(
                            "UPDATE voucher SET settled = 1 WHERE id = ?",
                            vec![text(id.as_str())],
                        )?;
                    }
                    Ok(())
                })?;
                json(&Done { ok: true })
            }
            Command::Unsettled {
                livemode,
                paid_before_ms,
                limit,
            } => {
                let rows: Vec<CodedRow> = self
                    .sql
                    .exec(
                        "SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND settled = 0 AND paid_ms IS NOT NULL AND paid_ms < ?
                           AND status IN ('paid', 'partially_refunded', 'refunded') ORDER BY paid_ms LIMIT ?",
                        vec![flag(livemode), int(paid_before_ms), int(i64::from(limit))],
                    )?
                    .to_array()?;
                json(&CodedList {
                    vouchers: coded(rows)?,
                })
            }
            Command::Digest {
                livemode,
                day,
                paid_before_ms,
                now_ms,
            } => {
                if let Some(found) = self.digest(livemode, Some(&day))? {
                    return json(&found);
                }
                let rows: Vec<CodedRow> = self
                    .sql
                    .exec(
                        "SELECT id, payment_code, network FROM voucher WHERE livemode = ? AND settled = 0 AND paid_ms IS NOT NULL AND paid_ms < ?
                           AND status IN ('paid', 'partially_refunded', 'refunded') ORDER BY paid_ms LIMIT 1000",
                        vec![flag(livemode), int(paid_before_ms)],
                    )?
                    .to_array()?;
                let unsettled = coded(rows)?;
                self.sql.exec(
                    "INSERT OR IGNORE INTO digest (day, livemode, unsettled, created_ms) VALUES (?, ?, ?, ?)",
                    vec![
                        text(&day),
                        flag(livemode),
                        text(&serde_json::to_string(&unsettled)?),
                        int(now_ms),
                    ],
                )?;
                json(&DigestRow {
                    day,
                    unsettled,
                    created_ms: now_ms,
                })
            }
            Command::LatestDigest { livemode } => {
                json(&self.digest(livemode, None)?.unwrap_or(DigestRow {
                    day: String::new(),
                    unsettled: Vec::new(),
                    created_ms: 0,
                }))
            }
            Command::ListRefunds {
                livemode,
                status,
                limit,
                starting_after,
            } => {
                let mut query = "SELECT id FROM refund WHERE livemode = ?".to_owned();
                let mut args = vec![flag(livemode)];
                if let Some(status) = &status {
                    query.push_str(" AND status = ?");
                    args.push(text(status));
                }
                if let Some(after) = &starting_after {
                    query.push_str(" AND seq < (SELECT seq FROM refund WHERE id = ?)");
                    args.push(text(after.as_str()));
                }
                query.push_str(" ORDER BY seq DESC LIMIT ?");
                args.push(int(i64::from(limit) + 1));
                let rows: Vec<IdRow> = self.sql.exec(&query, args)?.to_array()?;
                refund_ids(rows, limit)
            }
            Command::RefundsPrepared {
                livemode,
                from_ms,
                to_ms,
                limit,
                starting_after,
            } => {
                // Regression (review L8): the file stopped silently at 10,000 lines; it
                // pages now, after the cursor's (processing_ms, seq).
                let limit = limit.clamp(1, PAYOUT_PAGE_MAX);
                let mut query = "SELECT id FROM refund WHERE livemode = ? AND processing_ms >= ? AND processing_ms < ?".to_owned();
                let mut args = vec![flag(livemode), int(from_ms), int(to_ms)];
                if let Some(after) = &starting_after {
                    #[derive(Deserialize)]
                    struct At {
                        seq: i64,
                        processing_ms: Option<i64>,
                    }
                    let at: At = self
                        .sql
                        .exec(
                            "SELECT seq, processing_ms FROM refund WHERE id = ? AND livemode = ?",
                            vec![text(after.as_str()), flag(livemode)],
                        )?
                        .to_array()?
                        .into_iter()
                        .next()
                        .ok_or_else(|| {
                            ApiError::invalid(
                                "starting_after",
                                "resource_missing",
                                "starting_after is not a refund of this account.",
                            )
                        })?;
                    let at_ms = at.processing_ms.unwrap_or(i64::MIN);
                    query.push_str(" AND (processing_ms > ? OR (processing_ms = ? AND seq > ?))");
                    args.extend([int(at_ms), int(at_ms), int(at.seq)]);
                }
                query.push_str(" ORDER BY processing_ms, seq LIMIT ?");
                args.push(int(i64::from(limit) + 1));
                let rows: Vec<IdRow> = self.sql.exec(&query, args)?.to_array()?;
                refund_ids(rows, limit)
            }
            Command::ClaimRefundKey {
                livemode,
                key_hash,
                voucher,
            } => {
                let home = storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    let held: Vec<VoucherRow> = sql
                        .exec(
                            "SELECT voucher FROM refund_key WHERE key_hash = ? AND livemode = ?",
                            vec![text(&key_hash), flag(livemode)],
                        )?
                        .to_array()?;
                    if let Some(held) = held.into_iter().next() {
                        let voucher = held
                            .voucher
                            .parse()
                            .map_err(|_| ApiError::internal("ledger: bad voucher id"))?;
                        return Ok(KeyHome {
                            voucher,
                            fresh: false,
                        });
                    }
                    sql.exec(
                        "INSERT INTO refund_key (key_hash, livemode, voucher) VALUES (?, ?, ?)",
                        vec![text(&key_hash), flag(livemode), text(voucher.as_str())],
                    )?;
                    Ok(KeyHome {
                        voucher,
                        fresh: true,
                    })
                })?;
                json(&home)
            }
            Command::ReleaseRefundKey { key_hash, voucher } => {
                self.sql.exec(
                    "DELETE FROM refund_key WHERE key_hash = ? AND voucher = ?",
                    vec![text(&key_hash), text(voucher.as_str())],
                )?;
                json(&Done { ok: true })
            }
            Command::PutReview {
                livemode,
                id,
                status,
                created_ms,
                body,
            } => {
                self.sql.exec(
                    "INSERT INTO review (id, livemode, status, created_ms, body) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body",
                    vec![text(&id), flag(livemode), text(&status), int(created_ms), text(&body)],
                )?;
                json(&Done { ok: true })
            }
            Command::ListReviews {
                livemode,
                status,
                limit,
                starting_after,
            } => {
                let mut query = "SELECT body FROM review WHERE livemode = ?".to_owned();
                let mut args = vec![flag(livemode)];
                if let Some(status) = &status {
                    query.push_str(" AND status = ?");
                    args.push(text(status));
                }
                if let Some(after) = &starting_after {
                    let seq = storage::cursor(&self.sql, "review", after, "a review")?;
                    query.push_str(" AND seq < ?");
                    args.push(int(seq));
                }
                query.push_str(" ORDER BY seq DESC LIMIT ?");
                args.push(int(i64::from(limit) + 1));
                let rows: Vec<BodyRow> = self.sql.exec(&query, args)?.to_array()?;
                let has_more = rows.len() > limit as usize;
                let bodies = rows
                    .into_iter()
                    .take(limit as usize)
                    .map(|r| r.body)
                    .collect();
                json(&ReviewPage { bodies, has_more })
            }
            Command::GetReview { livemode, id } => {
                let rows: Vec<BodyRow> = self
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
            Command::Remove { id } => {
                // Regression (review L1): the refund rows outlived their voucher, and the
                // refund list and payout file answered 404 for good.
                let random = id
                    .as_str()
                    .strip_prefix(VoucherId::PREFIX)
                    .unwrap_or_default()
                    .to_owned();
                storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                    sql.exec("DELETE FROM voucher WHERE id = ?", vec![text(id.as_str())])?;
                    // A refund id is `re_` and its voucher's random part, then its number.
                    if !random.is_empty() {
                        let prefix = format!("{}{random}", RefundId::PREFIX);
                        sql.exec(
                            "DELETE FROM refund WHERE substr(id, 1, ?) = ?",
                            vec![
                                int(i64::try_from(prefix.len()).unwrap_or(i64::MAX)),
                                text(&prefix),
                            ],
                        )?;
                    }
                    sql.exec(
                        "DELETE FROM refund_key WHERE voucher = ?",
                        vec![text(id.as_str())],
                    )?;
                    Ok(())
                })?;
                json(&Done { ok: true })
            }
            Command::Lookup {
                livemode,
                network,
                payment_code,
            } => {
                let rows: Vec<IdRow> = self
                    .sql
                    .exec(
                        "SELECT id FROM voucher WHERE livemode = ? AND network = ? AND payment_code = ?",
                        vec![flag(livemode), text(network.as_str()), text(&payment_code)],
                    )?
                    .to_array()?;
                match ids(rows)?.into_iter().next() {
                    Some(voucher_id) => json(&Found { voucher_id }),
                    None => Err(ApiError::new(
                        404,
                        ErrorType::InvalidRequestError,
                        "payment_code_unknown",
                        "No voucher has this payment code.",
                    )),
                }
            }
            Command::List(query) => json(&self.list(&query)?),
            Command::ToAsk {
                network,
                created_before,
                asked_before_ms,
                now_ms,
                limit,
            } => {
                #[derive(Deserialize)]
                struct AskRow {
                    id: String,
                    payment_code: String,
                }
                // Chosen and marked in one transaction: two sweeps never ask twice.
                let rows: Vec<AskRow> =
                    storage::atomically(&self.state.storage(), &self.sql, move |sql| {
                        Ok(sql
                            .exec(
                                "UPDATE voucher SET asked_ms = ? WHERE seq IN (
                               SELECT seq FROM voucher
                               WHERE livemode = 1 AND network = ? AND status = 'pending'
                                 AND created_at < ? AND (asked_ms IS NULL OR asked_ms < ?)
                               ORDER BY asked_ms IS NOT NULL, asked_ms, seq LIMIT ?)
                             RETURNING id, payment_code",
                                vec![
                                    int(now_ms),
                                    text(network.as_str()),
                                    int(created_before),
                                    int(asked_before_ms),
                                    int(i64::from(limit)),
                                ],
                            )?
                            .to_array()?)
                    })?;
                let mut ask = Vec::with_capacity(rows.len());
                for row in rows {
                    let id = row
                        .id
                        .parse()
                        .map_err(|_| ApiError::internal("ledger: bad voucher id"))?;
                    ask.push(ToAsk {
                        id,
                        payment_code: row.payment_code,
                    });
                }
                json(&Asking { ask })
            }
            Command::Overdue { now_ms, limit } => {
                #[derive(Deserialize)]
                struct DueRow {
                    id: String,
                    livemode: i64,
                }
                let rows: Vec<DueRow> = self
                    .sql
                    .exec(
                        "SELECT id, livemode FROM voucher WHERE wake_at_ms <= ? ORDER BY wake_at_ms LIMIT ?",
                        vec![int(now_ms), int(i64::from(limit))],
                    )?
                    .to_array()?;
                let mut due = Vec::with_capacity(rows.len());
                for row in rows {
                    let id = row
                        .id
                        .parse()
                        .map_err(|_| ApiError::internal("ledger: bad voucher id"))?;
                    due.push(Due {
                        id,
                        livemode: row.livemode != 0,
                    });
                }
                json(&Overdue { due })
            }
        }
    }

    /// The digest of `day`, or the newest one.
    fn digest(&self, livemode: bool, day: Option<&str>) -> ApiResult<Option<DigestRow>> {
        #[derive(Deserialize)]
        struct Row {
            day: String,
            unsettled: String,
            created_ms: i64,
        }
        let rows: Vec<Row> = match day {
            Some(day) => self.sql.exec(
                "SELECT day, unsettled, created_ms FROM digest WHERE livemode = ? AND day = ?",
                vec![flag(livemode), text(day)],
            )?,
            None => self.sql.exec(
                "SELECT day, unsettled, created_ms FROM digest WHERE livemode = ? ORDER BY day DESC LIMIT 1",
                vec![flag(livemode)],
            )?,
        }
        .to_array()?;
        rows.into_iter()
            .next()
            .map(|r| {
                Ok(DigestRow {
                    day: r.day,
                    unsettled: serde_json::from_str(&r.unsettled)?,
                    created_ms: r.created_ms,
                })
            })
            .transpose()
    }

    /// One page of ids, newest first.
    fn list(&self, query: &ListQuery) -> ApiResult<Ids> {
        let mut sql = String::from("SELECT id FROM voucher WHERE livemode = ?");
        let mut bindings = vec![flag(query.livemode)];
        if let Some(reference) = &query.reference {
            sql.push_str(" AND reference = ?");
            bindings.push(text(reference));
        }
        if let Some(status) = &query.status {
            sql.push_str(" AND status = ?");
            bindings.push(text(status));
        }
        if let Some(after) = &query.starting_after {
            #[derive(Deserialize)]
            struct SeqRow {
                seq: i64,
            }
            let rows: Vec<SeqRow> = self
                .sql
                .exec(
                    "SELECT seq FROM voucher WHERE id = ? AND livemode = ?",
                    vec![text(after.as_str()), flag(query.livemode)],
                )?
                .to_array()?;
            let seq = rows.first().map(|r| r.seq).ok_or_else(|| {
                ApiError::invalid(
                    "starting_after",
                    "resource_missing",
                    "starting_after is not a voucher of this account.",
                )
            })?;
            sql.push_str(" AND seq < ?");
            bindings.push(SqlStorageValue::Integer(seq));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        bindings.push(int(i64::from(query.limit) + 1));
        let mut found = ids(self.sql.exec(&sql, bindings)?.to_array()?)?;
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let has_more = found.len() > limit;
        found.truncate(limit);
        Ok(Ids {
            ids: found,
            has_more,
        })
    }
}

/// Takes the first free code for `row.id` (or answers the one it already holds).
pub(super) fn claim(
    sql: &SqlStorage,
    livemode: bool,
    network: Network,
    candidates: &[String],
    reference: &str,
    created_at: i64,
    row: &IndexRow,
) -> ApiResult<String> {
    #[derive(Deserialize)]
    struct Held {
        payment_code: String,
        network: String,
        livemode: i64,
    }
    let held: Option<Held> = sql
        .exec(
            "SELECT payment_code, network, livemode FROM voucher WHERE id = ?",
            vec![text(row.id.as_str())],
        )?
        .to_array()?
        .into_iter()
        .next();
    if let Some(held) = held {
        // A create resumed after its first attempt claimed this code and died: the same
        // code, with the retry's reference. A retry for another network (the first
        // attempt's body was never stored, so its key was free) claims afresh.
        if held.network == network.as_str() && (held.livemode != 0) == livemode {
            sql.exec(
                "UPDATE voucher SET reference = ?, created_at = ? WHERE id = ?",
                vec![text(reference), int(created_at), text(row.id.as_str())],
            )?;
            return Ok(held.payment_code);
        }
        sql.exec(
            "DELETE FROM voucher WHERE id = ?",
            vec![text(row.id.as_str())],
        )?;
    }
    for code in candidates {
        let taken = sql
            .exec(
                "SELECT 1 AS taken FROM voucher WHERE livemode = ? AND network = ? AND payment_code = ?",
                vec![flag(livemode), text(network.as_str()), text(code)],
            )?
            .to_array::<serde_json::Value>()?;
        if taken.is_empty() {
            sql.exec(
                "INSERT INTO voucher (id, livemode, network, payment_code, reference, status, created_at, version, wake_at_ms)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    text(row.id.as_str()),
                    flag(livemode),
                    text(network.as_str()),
                    text(code),
                    text(reference),
                    text(&row.status),
                    int(created_at),
                    int(row.version),
                    int(row.wake_at_ms),
                ],
            )?;
            return Ok(code.clone());
        }
    }
    Err(ApiError::internal("every candidate payment code was taken"))
}
