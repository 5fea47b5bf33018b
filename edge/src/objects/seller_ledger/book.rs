//! The seller ledger's balance transactions (issue #23): a voucher's facts fed in
//! ([`feed`]: its payments, listings and refunds, decided by
//! `vale_shared::marketplace::ledger::feed`, written in one transaction), and the reads
//! (`GET /v1/balance`, `GET /v1/balance_transactions`), rendered by
//! `vale_shared::marketplace::objects`.
//!
//! A row is stored as the ledger's [`Txn`]: its id derived from what it books, so a row
//! written twice is one row (`INSERT OR IGNORE`), and the decisions never book twice.

use crate::http::error::{ApiError, ApiResult};
use crate::runtime::clock;
use crate::runtime::storage::{self, int, opt_int, opt_text, text};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vale_shared::Currency;
use vale_shared::id::{PayoutId, RefundId, VoucherId};
use vale_shared::marketplace::Split;
use vale_shared::marketplace::ledger::{
    self, Book, Decision, PaidFact, Party, PaymentRef, RefundFact, Slot, Source, Txn,
};
use worker::{SqlStorage, Storage};

/// A voucher's facts, as its object sends them after each change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    /// `vch_…`.
    pub voucher: String,
    /// Its split ([`Split::to_stored`]), `None` for the platform's own voucher.
    pub split: Option<Value>,
    /// Its payments, in the order of the voucher's `unexpected_payments`.
    pub payments: Vec<PaidFact>,
    /// Its refunds.
    pub refunds: Vec<RefundFact>,
    /// Its payment code and network, for the seller's statement.
    pub payment_code: String,
    /// Its network.
    pub network: vale_shared::Network,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    account: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    amount: i64,
    fee: i64,
    currency: String,
    status: String,
    source: String,
    voucher: Option<String>,
    slot: Option<String>,
    created_ms: i64,
    available_ms: Option<i64>,
}

const COLUMNS: &str = "id, account, type, amount, fee, currency, status, source, voucher, slot, created_ms, available_ms";

fn corrupt(what: &str) -> ApiError {
    ApiError::internal(format!(
        "a stored balance transaction's {what} does not read back"
    ))
}

fn slot_text(slot: Slot) -> String {
    match slot {
        Slot::Own => "own".to_owned(),
        Slot::Unexpected(n) => format!("unexpected/{n}"),
    }
}

fn slot_of(text: &str) -> Option<Slot> {
    match text {
        "own" => Some(Slot::Own),
        _ => text
            .strip_prefix("unexpected/")
            .and_then(|n| n.parse().ok())
            .map(Slot::Unexpected),
    }
}

fn source_of(text: &str) -> Option<Source> {
    if text.starts_with(VoucherId::PREFIX) {
        text.parse().ok().map(Source::Voucher)
    } else if text.starts_with(RefundId::PREFIX) {
        text.parse().ok().map(Source::Refund)
    } else {
        text.parse::<PayoutId>().ok().map(Source::Payout)
    }
}

pub(super) fn at(ms: i64) -> time::OffsetDateTime {
    clock::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl Row {
    fn txn(self) -> ApiResult<Txn> {
        let payment = match (&self.voucher, &self.slot) {
            (Some(v), Some(s)) => Some(PaymentRef {
                voucher: v.parse().map_err(|_| corrupt("voucher"))?,
                slot: slot_of(s).ok_or_else(|| corrupt("slot"))?,
            }),
            _ => None,
        };
        Ok(Txn {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            party: match &self.account {
                Some(a) => Party::Seller(a.parse().map_err(|_| corrupt("account"))?),
                None => Party::Platform,
            },
            kind: self.kind.parse().map_err(|()| corrupt("type"))?,
            amount: self.amount,
            fee: self.fee,
            currency: self.currency.parse().map_err(|_| corrupt("currency"))?,
            status: self.status.parse().map_err(|()| corrupt("status"))?,
            source: source_of(&self.source).ok_or_else(|| corrupt("source"))?,
            payment,
            created_at: at(self.created_ms),
            available_at: self.available_ms.map(at),
        })
    }
}

pub(super) fn rows(
    sql: &SqlStorage,
    filter: &str,
    args: Vec<worker::SqlStorageValue>,
) -> ApiResult<Vec<Txn>> {
    let rows: Vec<Row> = sql
        .exec(&format!("SELECT {COLUMNS} FROM txn {filter}"), args)?
        .to_array()?;
    rows.into_iter().map(Row::txn).collect()
}

/// The rows and listings of one voucher: all a feed's decisions need.
fn voucher_book(sql: &SqlStorage, voucher: &VoucherId) -> ApiResult<Book> {
    #[derive(Deserialize)]
    struct Settled {
        slot: String,
    }
    let txns = rows(
        sql,
        "WHERE voucher = ? ORDER BY seq",
        vec![text(voucher.as_str())],
    )?;
    let settled: Vec<Settled> = sql
        .exec(
            "SELECT slot FROM settled WHERE voucher = ?",
            vec![text(voucher.as_str())],
        )?
        .to_array()?;
    Ok(Book {
        txns,
        settled: settled
            .iter()
            .filter_map(|s| slot_of(&s.slot))
            .map(|slot| PaymentRef {
                voucher: voucher.clone(),
                slot,
            })
            .collect(),
        payouts: Default::default(),
    })
}

/// Writes one decision's rows (its payout, if any, is `payouts`'s to write).
pub(super) fn write(sql: &SqlStorage, decision: &Decision) -> ApiResult<()> {
    for t in &decision.new {
        let (voucher, slot) = match &t.payment {
            Some(p) => (Some(p.voucher.to_string()), Some(slot_text(p.slot))),
            None => (None, None),
        };
        sql.exec(
            &format!(
                "INSERT OR IGNORE INTO txn ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            vec![
                text(t.id.as_str()),
                opt_text(t.party.account().map(|a| a.as_str())),
                text(t.kind.as_str()),
                int(t.amount),
                int(t.fee),
                text(t.currency.code()),
                text(t.status.as_str()),
                text(t.source.as_str()),
                opt_text(voucher.as_deref()),
                opt_text(slot.as_deref()),
                int(clock::millis(t.created_at)),
                opt_int(t.available_at.map(clock::millis)),
            ],
        )?;
    }
    let at = decision.at.map(clock::millis);
    for id in &decision.available {
        sql.exec(
            "UPDATE txn SET status = 'available', available_ms = ? WHERE id = ? AND status = 'pending'",
            vec![opt_int(at), text(id.as_str())],
        )?;
    }
    if let Some(p) = &decision.settled {
        sql.exec(
            "INSERT OR IGNORE INTO settled (voucher, slot, listed_ms) VALUES (?, ?, ?)",
            vec![
                text(p.voucher.as_str()),
                text(&slot_text(p.slot)),
                opt_int(at),
            ],
        )?;
    }
    Ok(())
}

/// Books what a voucher's facts add, in one transaction; answers how many decisions.
pub fn feed(storage: &Storage, sql: &SqlStorage, facts: Facts, now: i64) -> ApiResult<Value> {
    let voucher: VoucherId = facts
        .voucher
        .parse()
        .map_err(|_| ApiError::internal("feed: not a voucher id"))?;
    let split = match &facts.split {
        Some(v) => {
            Some(Split::from_stored(v).ok_or_else(|| ApiError::internal("feed: not a split"))?)
        }
        None => None,
    };
    storage::atomically(storage, sql, move |sql| {
        let book = voucher_book(sql, &voucher)?;
        let decisions = ledger::feed(
            &book,
            &voucher,
            split.as_ref(),
            &facts.payments,
            &facts.refunds,
            at(now),
        )
        .map_err(|e| ApiError::internal(format!("feed: the ledger refused ({e})")))?;
        for d in &decisions {
            write(sql, d)?;
        }
        sql.exec(
            "INSERT OR IGNORE INTO voucher_code (voucher, payment_code, network) VALUES (?, ?, ?)",
            vec![
                text(voucher.as_str()),
                text(&facts.payment_code),
                text(facts.network.as_str()),
            ],
        )?;
        Ok(json!({"decisions": decisions.len()}))
    })
}

/// A seller's statement from `from` to `to` (Lima/Bogotá days, both included), as CSV:
/// `{"csv": …}`.
pub fn statement(sql: &SqlStorage, account: &str, from: &str, to: &str) -> ApiResult<Value> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = |d: &str| {
        time::Date::parse(d, &format).map_err(|_| ApiError::internal("statement: not a day"))
    };
    let (from, to) = (day(from)?, day(to)?);
    let party = Party::Seller(account.parse().map_err(|_| corrupt("account"))?);
    let txns = rows(sql, "WHERE account = ? ORDER BY seq", vec![text(account)])?;
    #[derive(Deserialize)]
    struct Code {
        voucher: String,
        payment_code: String,
        network: String,
    }
    let codes: Vec<Code> = sql
        .exec(
            "SELECT voucher, payment_code, network FROM voucher_code WHERE voucher IN
               (SELECT DISTINCT voucher FROM txn WHERE account = ? AND voucher IS NOT NULL)",
            vec![text(account)],
        )?
        .to_array()?;
    let csv = vale_shared::marketplace::statement::statement(&txns, &party, from, to, |t| {
        let voucher = t.payment.as_ref()?.voucher.as_str().to_owned();
        let code = codes.iter().find(|c| c.voucher == voucher)?;
        Some(vale_shared::marketplace::statement::VoucherFacts {
            payment_code: code.payment_code.clone(),
            network: code.network.parse().ok()?,
        })
    });
    Ok(json!({"csv": csv}))
}

/// Whose rows a read is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "party", rename_all = "snake_case")]
pub enum Whose {
    /// One seller.
    Seller {
        /// `acct_…`.
        account: String,
    },
    /// The platform's own rows.
    Platform,
    /// Every party's (balance transactions only).
    Everyone,
}

fn party_filter(whose: &Whose) -> (String, Vec<worker::SqlStorageValue>) {
    match whose {
        Whose::Seller { account } => ("account = ?".to_owned(), vec![text(account)]),
        Whose::Platform => ("account IS NULL".to_owned(), vec![]),
        Whose::Everyone => ("1 = 1".to_owned(), vec![]),
    }
}

/// `GET /v1/balance`: available and pending per currency (each of `currencies`, even
/// when zero).
pub fn balance(
    sql: &SqlStorage,
    whose: &Whose,
    livemode: bool,
    currencies: &[Currency],
) -> ApiResult<Value> {
    let (filter, args) = party_filter(whose);
    let txns = rows(sql, &format!("WHERE {filter}"), args)?;
    let party = match whose {
        Whose::Seller { account } => {
            Party::Seller(account.parse().map_err(|_| corrupt("account"))?)
        }
        Whose::Platform | Whose::Everyone => Party::Platform,
    };
    let book = Book {
        txns,
        ..Book::default()
    };
    Ok(vale_shared::marketplace::objects::balance(
        &book, &party, livemode, currencies,
    ))
}

/// `GET /v1/balance_transactions`: newest first.
pub fn transactions(
    sql: &SqlStorage,
    whose: &Whose,
    limit: u32,
    starting_after: Option<&str>,
) -> ApiResult<Value> {
    let (filter, mut args) = party_filter(whose);
    let mut before = i64::MAX;
    if let Some(after) = starting_after {
        #[derive(Deserialize)]
        struct Seq {
            seq: i64,
        }
        let (_, mut seek) = party_filter(whose);
        seek.push(text(after));
        let seqs: Vec<Seq> = sql
            .exec(
                &format!("SELECT seq FROM txn WHERE {filter} AND id = ?"),
                seek,
            )?
            .to_array()?;
        before = seqs.first().map(|s| s.seq).ok_or_else(|| {
            ApiError::invalid(
                "starting_after",
                "starting_after_invalid",
                "starting_after is not an id of this list.",
            )
        })?;
    }
    args.push(int(before));
    args.push(int(i64::from(limit) + 1));
    let txns = rows(
        sql,
        &format!("WHERE {filter} AND seq < ? ORDER BY seq DESC LIMIT ?"),
        args,
    )?;
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = txns.len() > take;
    let data: Vec<Value> = txns
        .iter()
        .take(take)
        .map(vale_shared::marketplace::objects::transaction)
        .collect();
    Ok(json!({"object": "list", "data": data, "has_more": has_more}))
}
