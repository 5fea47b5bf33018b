//! Seller payouts (issue #23): made by hand (`POST /v1/payouts`) or by the end-of-day run
//! (the cron, once per Lima/Bogotá day), from available money only, and closed by the
//! rail (`/paid`, `/failed`: a failed payout gives its amount back to available).
//! `vale_shared::marketplace::ledger` decides; this file loads the seller's rows and
//! payouts and writes the decision in one transaction.
//!
//! A payout keeps its destination whole, frozen when it was made (the payout file needs
//! it); the API shows it masked. A scheduled payout's id is derived from the seller, the
//! day and the currency, and each day's run is recorded, so a run repeated after a crash
//! makes the same payouts once.

use super::accounts;
use super::book::{self, at};
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::runtime::storage::{self, int, opt_int, opt_text, text};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use vale_shared::Money;
use vale_shared::event::EventType;
use vale_shared::id::PayoutId;
use vale_shared::marketplace::ledger::{
    self, Book, Closing, Decision, LedgerError, Payout, PayoutStatus,
};
use vale_shared::refund::FailureReason;
use vale_shared::refund::destination::Destination;
use worker::{SqlStorage, Storage};

#[derive(Deserialize)]
struct Row {
    id: String,
    account: String,
    amount: i64,
    currency: String,
    status: String,
    failure_reason: Option<String>,
    reference: Option<String>,
    destination: Option<String>,
    created_ms: i64,
}

fn corrupt(what: &str) -> ApiError {
    ApiError::internal(format!("a stored payout's {what} does not read back"))
}

impl Row {
    fn payout(&self) -> ApiResult<Payout> {
        let currency = self.currency.parse().map_err(|_| corrupt("currency"))?;
        Ok(Payout {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            account: self.account.parse().map_err(|_| corrupt("account"))?,
            amount: Money::new(self.amount, currency).map_err(|_| corrupt("amount"))?,
            status: self.status.parse().map_err(|()| corrupt("status"))?,
            failure_reason: match &self.failure_reason {
                Some(r) => Some(r.parse().map_err(|()| corrupt("failure_reason"))?),
                None => None,
            },
            reference: self.reference.clone(),
            created_at: at(self.created_ms),
        })
    }

    fn destination(&self) -> Option<Destination> {
        let stored: Value = serde_json::from_str(self.destination.as_deref()?).ok()?;
        Destination::from_stored(&stored)
    }
}

const COLUMNS: &str =
    "id, account, amount, currency, status, failure_reason, reference, destination, created_ms";

fn payout_rows(
    sql: &SqlStorage,
    filter: &str,
    args: Vec<worker::SqlStorageValue>,
) -> ApiResult<Vec<Row>> {
    Ok(sql
        .exec(&format!("SELECT {COLUMNS} FROM payout {filter}"), args)?
        .to_array()?)
}

/// The rows and payouts a payout decision needs: all of them, or one seller's.
fn load(sql: &SqlStorage, account: Option<&str>) -> ApiResult<Book> {
    let (txns, payouts) = match account {
        Some(a) => (
            book::rows(sql, "WHERE account = ? ORDER BY seq", vec![text(a)])?,
            payout_rows(sql, "WHERE account = ?", vec![text(a)])?,
        ),
        None => (
            book::rows(sql, "ORDER BY seq", vec![])?,
            payout_rows(sql, "", vec![])?,
        ),
    };
    let payouts = payouts
        .iter()
        .map(|r| r.payout().map(|p| (p.id.clone(), p)))
        .collect::<ApiResult<BTreeMap<_, _>>>()?;
    Ok(Book {
        txns,
        payouts,
        ..Book::default()
    })
}

/// The API's answer for a ledger's refusal.
fn refused(e: LedgerError) -> ApiError {
    match e {
        LedgerError::Invalid(invalid) => invalid.into(),
        LedgerError::PayoutClosed(status) => ApiError::new(
            409,
            ErrorType::InvalidRequestError,
            "payout_closed",
            format!("The payout is already {status}."),
        ),
        LedgerError::UnknownPayout => no_such_payout(),
        LedgerError::AmountMismatch => ApiError::internal("a payout's amount does not add up"),
    }
}

/// `404` for a payout this platform (in this mode) does not have.
pub fn no_such_payout() -> ApiError {
    ApiError::new(
        404,
        ErrorType::InvalidRequestError,
        "resource_missing",
        "No such payout.",
    )
    .with_param("id")
}

/// Writes a decision that makes or closes a payout (`destination`: frozen when made),
/// with its event (`payout.created`, `payout.paid` or `payout.failed`).
fn write(
    sql: &SqlStorage,
    decision: &Decision,
    destination: Option<&Destination>,
    livemode: bool,
    now: i64,
) -> ApiResult<()> {
    book::write(sql, decision)?;
    if let Some(p) = &decision.payout {
        let destination = destination.map(|d| d.full().to_string());
        sql.exec(
            &format!(
                "INSERT INTO payout ({COLUMNS}, closed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status,
                   failure_reason = excluded.failure_reason, reference = excluded.reference,
                   closed_ms = ?"
            ),
            vec![
                text(p.id.as_str()),
                text(p.account.as_str()),
                int(p.amount.minor()),
                text(p.amount.currency().code()),
                text(p.status.as_str()),
                opt_text(p.failure_reason.map(FailureReason::as_str)),
                opt_text(p.reference.as_deref()),
                opt_text(destination.as_deref()),
                int(crate::runtime::clock::millis(p.created_at)),
                opt_int((p.status != PayoutStatus::Pending).then_some(now)),
            ],
        )?;
        let kind = match p.status {
            PayoutStatus::Pending => EventType::PayoutCreated,
            PayoutStatus::Paid => EventType::PayoutPaid,
            PayoutStatus::Failed => EventType::PayoutFailed,
        };
        let data = render(sql, p.id.as_str(), livemode)?;
        super::outbox::emit(
            sql,
            kind,
            p.id.as_str(),
            "1",
            p.account.as_str(),
            &data,
            now,
        )?;
    }
    Ok(())
}

/// One payout as the API shows it.
fn render(sql: &SqlStorage, id: &str, livemode: bool) -> ApiResult<Value> {
    let rows = payout_rows(sql, "WHERE id = ?", vec![text(id)])?;
    let row = rows.first().ok_or_else(no_such_payout)?;
    Ok(vale_shared::marketplace::objects::payout(
        &row.payout()?,
        livemode,
        row.destination().as_ref(),
    ))
}

/// `POST /v1/payouts {account, amount?}`: pays out `account`'s available money (all of
/// it in whole cash steps, or `amount`).
pub fn make(storage: &Storage, sql: &SqlStorage, request: Manual, now: i64) -> ApiResult<Value> {
    storage::atomically(storage, sql, move |sql| {
        let account = match accounts::get(sql, &request.account) {
            Ok(a) => a,
            Err(e) if e.status == 404 => {
                return Err(ApiError::invalid(
                    "account",
                    "account_invalid",
                    "No such account for this platform in this mode.",
                ));
            }
            Err(e) => return Err(e),
        };
        let book = load(sql, Some(&request.account))?;
        let id: PayoutId = request
            .id
            .parse()
            .map_err(|_| ApiError::internal("make: not a payout id"))?;
        let decision = ledger::payout(
            &book,
            &id,
            &account.payout_seller(),
            request.amount,
            at(now),
        )
        .map_err(refused)?;
        write(
            sql,
            &decision,
            account.payout_destination.as_ref(),
            account.livemode,
            now,
        )?;
        render(sql, id.as_str(), account.livemode)
    })
}

/// A manual payout's request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manual {
    /// `po_…`, made by the route.
    pub id: String,
    /// `acct_…`.
    pub account: String,
    /// Minor units; all that is available (in whole cash steps) when `None`.
    pub amount: Option<i64>,
}

/// How the rail closed a payout.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Close {
    /// Paid, with the rail's reference.
    Paid {
        /// The rail's reference.
        reference: Option<String>,
    },
    /// Failed (a name of `FailureReason`, checked by the route).
    Failed {
        /// Why.
        failure_reason: String,
    },
}

/// `POST /v1/payouts/{id}/paid|failed`: closing it again the same way changes nothing;
/// the other way is `409`.
pub fn close(
    storage: &Storage,
    sql: &SqlStorage,
    id: String,
    how: Close,
    livemode: bool,
    now: i64,
) -> ApiResult<Value> {
    storage::atomically(storage, sql, move |sql| {
        let rows = payout_rows(sql, "WHERE id = ?", vec![text(&id)])?;
        let row = rows.first().ok_or_else(no_such_payout)?;
        let book = load(sql, Some(&row.account))?;
        let closing = match how {
            Close::Paid { reference } => Closing::Paid(reference),
            Close::Failed { failure_reason } => Closing::Failed(
                failure_reason
                    .parse()
                    .map_err(|()| corrupt("failure_reason"))?,
            ),
        };
        let payout_id: PayoutId = id.parse().map_err(|_| no_such_payout())?;
        let decision =
            ledger::close_payout(&book, &payout_id, closing, at(now)).map_err(refused)?;
        write(sql, &decision, row.destination().as_ref(), livemode, now)?;
        render(sql, &id, livemode)
    })
}

/// The payouts made between `from_ms` and `to_ms` (a day of the payout file), oldest
/// first, as payout file lines: `{"lines": [{refund: po_…, amount, currency,
/// destination (whole), kind: "seller_payout", account}]}`.
pub fn file_lines(sql: &SqlStorage, from_ms: i64, to_ms: i64) -> ApiResult<Value> {
    let rows = payout_rows(
        sql,
        "WHERE created_ms >= ? AND created_ms < ? ORDER BY created_ms, id",
        vec![int(from_ms), int(to_ms)],
    )?;
    let lines: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "refund": r.id,
                "amount": r.amount,
                "currency": r.currency,
                "destination": r.destination().as_ref().map(Destination::full),
                "kind": "seller_payout",
                "account": r.account,
            })
        })
        .collect();
    Ok(json!({"lines": lines}))
}

/// `GET /v1/payouts/{id}`.
pub fn get(sql: &SqlStorage, id: &str, livemode: bool) -> ApiResult<Value> {
    render(sql, id, livemode)
}

/// The end-of-day run for `day` (a Lima/Bogotá date, `YYYY-MM-DD`): every enabled seller
/// on a daily schedule (weekly: Mondays) with a positive available balance gets a
/// payout of it. Once per day: a day already run makes nothing.
pub fn run(storage: &Storage, sql: &SqlStorage, day: String, now: i64) -> ApiResult<Value> {
    let date = time::Date::parse(
        &day,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| ApiError::internal("run: not a day"))?;
    storage::atomically(storage, sql, move |sql| {
        #[derive(Deserialize)]
        struct Ran {
            #[allow(dead_code)]
            day: String,
        }
        let ran: Vec<Ran> = sql
            .exec("SELECT day FROM payout_run WHERE day = ?", vec![text(&day)])?
            .to_array()?;
        if !ran.is_empty() {
            return Ok(json!({"made": 0}));
        }
        let sellers = accounts::all(sql)?;
        let mut book = load(sql, None)?;
        let planned = ledger::plan_payouts(
            &book,
            &sellers
                .iter()
                .map(|a| a.payout_seller())
                .collect::<Vec<_>>(),
            date,
        );
        let mut made = 0_u32;
        for plan in &planned {
            let Some(account) = sellers.iter().find(|a| a.id == plan.account) else {
                continue;
            };
            let decision = ledger::payout(
                &book,
                &plan.id,
                &account.payout_seller(),
                Some(plan.amount.minor()),
                at(now),
            )
            .map_err(refused)?;
            write(
                sql,
                &decision,
                account.payout_destination.as_ref(),
                account.livemode,
                now,
            )?;
            book.apply(&decision);
            made = made.saturating_add(1);
        }
        sql.exec(
            "INSERT INTO payout_run (day, ran_ms) VALUES (?, ?)",
            vec![text(&day), int(now)],
        )?;
        Ok(json!({"made": made}))
    })
}
