//! The phases of a run after the file is stored: `lookup` (each code's voucher, from the
//! ledger), `apply` (each voucher's lines, in parallel), `close` (the totals, once) and
//! `report` (the lines to D1, then the settlement's row and its event).

use super::object::*;
use super::report::{self, LineRow, ROWS_PER_STATEMENT, Status};
use super::store::*;
use crate::config::Mode;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::ledger::{self, CodedList, LedgerClient};
use crate::objects::voucher::{
    Command as VoucherCommand, Scope, SettleLine, SettleLines, Settled, VoucherClient,
};
use crate::runtime::clock;
use crate::runtime::storage::{self, int, text};
use futures_util::future::join_all;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vale_shared::settlement::Category;
use vale_shared::{Money, VoucherId};

impl SettlementJob {
    /// Every payment code's voucher, in one ledger call; codes nobody has are
    /// `unknown_reference`.
    pub(super) async fn lookup(&self, job: &Job) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Code {
            payment_code: String,
        }
        let codes: Vec<String> = self
            .shell
            .sql
            .exec("SELECT DISTINCT payment_code FROM line", None)?
            .to_array::<Code>()?
            .into_iter()
            .map(|c| c.payment_code)
            .collect();
        let found: CodedList = LedgerClient::of(&self.env, &job.merchant)?
            .call(&ledger::Command::LookupMany {
                livemode: job.livemode,
                network: job.network,
                codes,
            })
            .await?;
        storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
            for v in &found.vouchers {
                sql.exec(
                    "UPDATE line SET voucher_id = ? WHERE payment_code = ?",
                    vec![text(v.id.as_str()), text(&v.payment_code)],
                )?;
            }
            // A code nobody has, listed again with the same authorization (or operation)
            // and amount: the same payment twice, as the file says it.
            sql.exec(
                "UPDATE line SET category = ? WHERE voucher_id IS NULL AND category IS NULL AND operation IS NOT NULL
                   AND EXISTS (SELECT 1 FROM line AS earlier WHERE earlier.payment_code = line.payment_code
                     AND earlier.amount = line.amount AND earlier.operation = line.operation
                     AND earlier.voucher_id IS NULL AND earlier.n < line.n)",
                vec![text(Category::Duplicate.as_str())],
            )?;
            sql.exec(
                "UPDATE line SET category = ? WHERE voucher_id IS NULL AND category IS NULL",
                vec![text(Category::UnknownReference.as_str())],
            )?;
            Ok(())
        })
    }

    /// Sends each voucher all its open lines, up to `PARALLEL` at once, while the budget
    /// lasts; `true` once no line is open.
    pub(super) async fn apply(&self, job: &Job, budget: &mut Budget) -> ApiResult<bool> {
        #[derive(Deserialize)]
        struct Voucher {
            voucher_id: String,
        }
        let scope = Scope::Merchant {
            merchant: job.merchant.clone(),
            livemode: job.livemode,
        };
        let settlement = job.id.to_string();
        loop {
            let room = PARALLEL.min(budget.left);
            let vouchers: Vec<String> = self
                .shell
                .sql
                .exec(
                    "SELECT DISTINCT voucher_id FROM line WHERE category IS NULL AND voucher_id IS NOT NULL LIMIT ?",
                    vec![int(i64::try_from(room.max(1)).unwrap_or(1))],
                )?
                .to_array::<Voucher>()?
                .into_iter()
                .map(|v| v.voucher_id)
                .collect();
            if vouchers.is_empty() {
                return Ok(true);
            }
            if !budget.take(vouchers.len()) {
                return Ok(false);
            }
            let marks = vec!["?"; vouchers.len()].join(", ");
            let open: Vec<OpenLine> = self
                .shell
                .sql
                .exec(
                    &format!("SELECT line, amount, paid_at, operation, voucher_id FROM line WHERE category IS NULL AND voucher_id IN ({marks}) ORDER BY n"),
                    vouchers.iter().map(|v| text(v)).collect::<Vec<_>>(),
                )?
                .to_array()?;
            let mut by_voucher: HashMap<String, Vec<SettleLine>> = HashMap::new();
            for l in open {
                let paid_at = l
                    .paid_at
                    .as_deref()
                    .map(|t| OffsetDateTime::parse(t, &Rfc3339))
                    .transpose()
                    .map_err(|_| corrupt("paid_at"))?;
                by_voucher
                    .entry(l.voucher_id)
                    .or_default()
                    .push(SettleLine {
                        line: usize::try_from(l.line).map_err(|_| corrupt("line"))?,
                        amount: Money::new(l.amount, job.currency)
                            .map_err(|_| corrupt("amount"))?,
                        paid_at,
                        operation: l.operation,
                    });
            }
            let asks = by_voucher.into_iter().map(|(voucher, lines)| {
                let scope = scope.clone();
                let settlement = settlement.clone();
                async move {
                    let id: VoucherId = voucher.parse().map_err(|_| corrupt("voucher id"))?;
                    let settled = VoucherClient::of(&self.env, &id)?
                        .call::<Settled>(
                            scope,
                            VoucherCommand::Settle(SettleLines { settlement, lines }),
                        )
                        .await;
                    Ok::<_, ApiError>((voucher, settled))
                }
            });
            let answers = join_all(asks).await;
            // Reloaded after the awaits: every answer that came is kept, then the first
            // failure (if any) ends the run.
            let mut failure = None;
            let mut settled = Vec::new();
            let mut gone = Vec::new();
            for answer in answers {
                match answer {
                    Ok((_, Ok(s))) => settled.push(s),
                    // Purged since the lookup: nobody has the code any more.
                    Ok((voucher, Err(e))) if e.status == 404 => gone.push(voucher),
                    Ok((_, Err(e))) | Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
            }
            storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
                for s in &settled {
                    for l in &s.lines {
                        sql.exec(
                            "UPDATE line SET category = ?, voucher_amount = ? WHERE n = ? AND category IS NULL",
                            vec![
                                text(l.category.as_str()),
                                int(s.voucher_amount),
                                int(i64::try_from(l.line).unwrap_or(i64::MAX)),
                            ],
                        )?;
                    }
                }
                for voucher in &gone {
                    sql.exec(
                        "UPDATE line SET category = ?, voucher_id = NULL WHERE voucher_id = ? AND category IS NULL",
                        vec![text(Category::UnknownReference.as_str()), text(voucher)],
                    )?;
                }
                Ok(())
            })?;
            if let Some(e) = failure {
                return Err(e);
            }
        }
    }

    /// The vouchers paid on the file's day that it leaves out, and the ledger told which
    /// vouchers the file listed.
    pub(super) async fn close(&self, job: &Job) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Code {
            payment_code: String,
        }
        #[derive(Deserialize)]
        struct Voucher {
            voucher_id: String,
        }
        #[derive(Deserialize)]
        struct Last {
            last: Option<i64>,
        }
        let ledger = LedgerClient::of(&self.env, &job.merchant)?;
        let (from_ms, to_ms) = clock::day_bounds(job.file_date);
        let paid: CodedList = ledger
            .call(&ledger::Command::PaidIn {
                livemode: job.livemode,
                network: job.network,
                from_ms,
                to_ms,
            })
            .await?;
        let listed: HashSet<String> = self
            .shell
            .sql
            .exec(
                "SELECT DISTINCT payment_code FROM line WHERE line IS NOT NULL",
                None,
            )?
            .to_array::<Code>()?
            .into_iter()
            .map(|c| c.payment_code)
            .collect();
        let ids = self
            .shell
            .sql
            .exec(
                "SELECT DISTINCT voucher_id FROM line WHERE voucher_id IS NOT NULL AND line IS NOT NULL",
                None,
            )?
            .to_array::<Voucher>()?
            .into_iter()
            .map(|v| v.voucher_id.parse().map_err(|_| corrupt("voucher id")))
            .collect::<ApiResult<Vec<VoucherId>>>()?;
        if !ids.is_empty() {
            ledger
                .call::<ledger::Done>(&ledger::Command::MarkSettled { ids })
                .await?;
        }
        let last = self
            .shell
            .sql
            .exec("SELECT MAX(n) AS last FROM line", None)?
            .to_array::<Last>()?
            .into_iter()
            .next()
            .and_then(|l| l.last)
            .unwrap_or(0);
        storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
            // Written once: a close run again finds them there.
            sql.exec("DELETE FROM line WHERE line IS NULL", None)?;
            let left_out = paid
                .vouchers
                .iter()
                .filter(|v| !listed.contains(&v.payment_code));
            for (i, v) in left_out.enumerate() {
                sql.exec(
                    "INSERT INTO line (n, line, payment_code, voucher_id, category) VALUES (?, NULL, ?, ?, ?)",
                    vec![
                        int(last + 1 + i64::try_from(i).unwrap_or(0)),
                        text(&v.payment_code),
                        text(v.id.as_str()),
                        text(Category::NotifiedNotSettled.as_str()),
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The lines to D1 in batches while the budget lasts, then the settlement's row as
    /// reconciled and its event; `true` once done.
    pub(super) async fn report(&self, job: &Job, budget: &mut Budget) -> ApiResult<bool> {
        let db = self.env.d1("REPORTS")?;
        let mut reported = job.reported;
        loop {
            let rows: Vec<LineRow> = self
                .shell
                .sql
                .exec(
                    "SELECT n, line, category, payment_code, voucher_id, amount, voucher_amount, operation, paid_at
                       FROM line WHERE n > ? ORDER BY n LIMIT ?",
                    vec![
                        int(reported),
                        int(i64::try_from(ROWS_PER_STATEMENT * STATEMENTS_PER_BATCH).unwrap_or(1000)),
                    ],
                )?
                .to_array()?;
            let Some(last) = rows.last().map(|r| r.n) else {
                break;
            };
            if !budget.take(rows.len().div_ceil(ROWS_PER_STATEMENT)) {
                return Ok(false);
            }
            report::store_lines(&db, &job.id, &rows).await?;
            reported = last;
            self.shell
                .sql
                .exec("UPDATE job SET reported = ?", vec![int(reported)])?;
        }
        if !budget.take(2) {
            return Ok(false);
        }
        let summary = self.summary(job, Status::Reconciled)?;
        summary.store(&db, &job.merchant).await?;
        let object = summary.render();
        self.shell
            .sql
            .exec("UPDATE job SET object = ?", vec![text(&object.to_string())])?;
        report::reconciled(
            &self.env,
            &job.merchant,
            Mode::of(job.livemode),
            &job.id,
            &object,
        )
        .await;
        Ok(true)
    }
}
