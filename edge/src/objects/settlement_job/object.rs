//! `SettlementJob`: one SQLite-backed Durable Object per settlement (named by its
//! `stl_…` id, itself derived from the merchant, the mode, the network and the file's
//! bytes), which applies a file's lines to their vouchers in bounded runs.
//!
//! A file was parsed and checked whole (dates included) before it gets here, so nothing
//! is applied from a file that fails its own checks. The job keeps the file's lines and
//! moves through its phases, each step durable before the next:
//!
//! 1. `open`: the settlement's row in D1, `status: "processing"`;
//! 2. `lookup`: one ledger call maps every payment code to its voucher (a code no
//!    voucher has is `unknown_reference`);
//! 3. `apply`: **one command per voucher carrying all its lines of the file**
//!    (`Command::Settle`), so the voucher decides them together: identity first, then
//!    amount and day, never a line's position. A voucher's answer is recorded as soon as
//!    it comes; the voucher answers the same settlement again from its own records, so a
//!    run cut short repeats nothing;
//! 4. `close`: the vouchers the edge counts as paid on the file's day that the file
//!    leaves out (`notified_not_settled`), and the ledger learns which vouchers the file
//!    listed;
//! 5. `report`: the lines to D1, then the settlement's row as `reconciled` and the
//!    `settlement.reconciled` event.
//!
//! A run (the request that brought the file, or an alarm) does as much as
//! [`RUN_BUDGET`] subrequests allow and, if work is left, sets an alarm at once to go
//! on: a file whose codes one run can ask is reconciled within its request (`201`); a
//! larger one is answered `202` with `status: "processing"` at once, and its alarms
//! reconcile it. A run that fails
//! (an object that did not answer) keeps what it did and retries from an alarm, backing
//! off.

use super::protocol::*;
use super::report::{Status, Summary};
use super::store::*;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::shell::{self, Object, SqlShell};
use crate::runtime::clock;
use crate::runtime::storage::{self, flag, int, opt_text, text};
use serde::Deserialize;
use std::cell::Cell;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vale_shared::id::SettlementId;
use vale_shared::settlement::{self, Category};
use vale_shared::{MerchantId, Network};
use worker::{DurableObject, Env, Request, Response, Result, ScheduledTime, State, durable_object};

/// The most subrequests (calls to other Durable Objects, D1 statements, counted one
/// each) one run makes. Cloudflare's limits, checked on developers.cloudflare.com
/// (Workers and D1 "Limits" pages, December 2026): Workers Paid allows 10,000
/// subrequests per invocation by default (configurable up to 10 million); Workers Free
/// allows 50 to the Internet and 1,000 to Cloudflare's own services (Durable Objects and
/// D1 are those); accounts on the older Paid limit had 1,000; D1 allows 1,000 queries
/// per invocation on Paid (50 on Free) and 100 bound parameters per statement. 900 stays
/// under 1,000 on every plan with room for the run's own bookkeeping calls; a 30,000-line
/// file with a voucher per line takes about 34 runs.
pub const RUN_BUDGET: usize = 900;
// Never above the smallest of those limits, whatever it is tuned to.
const _: () = assert!(RUN_BUDGET < 1_000);

/// The longest a run goes on asking vouchers, in milliseconds. Workers set no limit on a
/// request's wall time while its client waits, and a run spends far less CPU than the
/// 30 s a Durable Object invocation may by default (Durable Objects "Limits" page); this
/// bound is for the client who sent the file: past it, the answer is `202` and alarms go
/// on. A run of 890 vouchers takes seconds; a minute leaves room for a busy edge (a
/// shared local test machine took 22 s for 500).
pub(super) const RUN_MS: u64 = 60_000;

/// What a whole run spends besides asking vouchers: the D1 row, the lookup, the close
/// (two ledger calls), the last D1 rows and the event.
pub(super) const OWN_CALLS: usize = 10;

/// Voucher objects asked at once.
pub(super) const PARALLEL: usize = 50;

/// D1 statements a run writes at most in one batch.
pub(super) const STATEMENTS_PER_BATCH: usize = 100;

/// The longest wait before a failed run is retried.
pub(super) const MAX_BACKOFF_S: i64 = 300;

/// The job of one settlement.
#[durable_object]
#[derive(Debug)]
pub struct SettlementJob {
    pub(super) shell: SqlShell,
    pub(super) env: Env,
    /// A run is in progress (a request's or an alarm's): one at a time.
    pub(super) running: Cell<bool>,
}

impl DurableObject for SettlementJob {
    fn new(state: State, env: Env) -> Self {
        SettlementJob {
            shell: SqlShell::new(state, MIGRATIONS, "job"),
            env,
            running: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }

    /// The next run of an unfinished job.
    async fn alarm(&self) -> Result<Response> {
        if let Err(e) = self.advance(false).await {
            worker::console_error!("settlement job: {}", e.code);
        }
        Response::ok("")
    }
}

impl Object for SettlementJob {
    type Protocol = Command;

    async fn answer(&self, command: Command) -> ApiResult<String> {
        match command {
            Command::Start {
                id,
                merchant,
                livemode,
                network,
                file,
            } => self.start(&id, merchant, livemode, network, &file).await,
        }
    }
}

/// What a run may still spend: subrequests, and time.
pub(super) struct Budget {
    pub(super) left: usize,
    pub(super) until_ms: u64,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            left: RUN_BUDGET,
            until_ms: worker::Date::now().as_millis().saturating_add(RUN_MS),
        }
    }

    /// Takes `n` subrequests if that many are left and the run's time is not up.
    pub(super) fn take(&mut self, n: usize) -> bool {
        if self.left >= n && worker::Date::now().as_millis() < self.until_ms {
            self.left -= n;
            true
        } else {
            false
        }
    }
}

/// One open line, as a voucher is sent it.
#[derive(Debug, Deserialize)]
pub(super) struct OpenLine {
    pub(super) line: i64,
    pub(super) amount: i64,
    pub(super) paid_at: Option<String>,
    pub(super) operation: Option<String>,
    pub(super) voucher_id: String,
}

impl SettlementJob {
    fn job(&self) -> ApiResult<Option<Job>> {
        if !self.shell.existing()? {
            return Ok(None);
        }
        self.shell.sql
            .exec(
                "SELECT id, merchant_id, livemode, network, file_date, lines, total, currency, phase, reported, failures, created_ms, object FROM job",
                None,
            )?
            .to_array::<JobRow>()?
            .into_iter()
            .next()
            .map(JobRow::parse)
            .transpose()
    }

    /// Takes the file (unless it has it), runs, and answers where it stands.
    async fn start(
        &self,
        id: &SettlementId,
        merchant: MerchantId,
        livemode: bool,
        network: Network,
        file: &str,
    ) -> ApiResult<String> {
        let fresh = match self.job()? {
            Some(job) if job.id != *id || job.merchant != merchant || job.livemode != livemode => {
                // Ids are derived from the merchant and the mode: never another's.
                return Err(ApiError::internal("settlement job of another merchant"));
            }
            Some(job) => {
                // Sent again while its alarms work: nudge them (a run going on ignores it).
                if job.phase != Phase::Done && !self.running.get() {
                    set_alarm(self.shell.state(), clock::now()).await?;
                }
                false
            }
            None => {
                self.take(id, merchant, livemode, network, file)?;
                true
            }
        };
        if fresh {
            if self.fits_one_run()? {
                // Reconciled within the request: the answer is the whole report.
                self.advance(true).await?;
            } else {
                // More vouchers than one run may ask: the alarm runs all of it, and the
                // sender has its answer (`202`) at once.
                set_alarm(self.shell.state(), clock::now()).await?;
            }
        }
        let job = self.job()?.ok_or_else(|| corrupt("row"))?;
        let object = match &job.object {
            Some(object) => serde_json::from_str(object)?,
            None => self.summary(&job, Status::Processing)?.render(),
        };
        Ok(serde_json::to_string(&Progress {
            fresh,
            object,
            reconciled: job.phase == Phase::Done,
        })?)
    }

    /// Whether one run can ask every voucher the file may name: at most one per distinct
    /// payment code, with room for the run's own calls.
    fn fits_one_run(&self) -> ApiResult<bool> {
        #[derive(Deserialize)]
        struct Codes {
            n: i64,
        }
        let codes = self
            .shell
            .sql
            .exec("SELECT COUNT(DISTINCT payment_code) AS n FROM line", None)?
            .to_array::<Codes>()?
            .first()
            .map_or(0, |c| c.n);
        Ok(usize::try_from(codes).unwrap_or(usize::MAX) <= RUN_BUDGET - OWN_CALLS)
    }

    /// Stores the job and the file's lines, with the schema, in one transaction.
    fn take(
        &self,
        id: &SettlementId,
        merchant: MerchantId,
        livemode: bool,
        network: Network,
        file: &str,
    ) -> ApiResult<()> {
        let parsed = settlement::parse(network, file.as_bytes())
            .map_err(|e| ApiError::internal(format!("a checked settlement file: {e}")))?;
        let id = id.to_string();
        let now_ms = clock::millis(clock::now());
        storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
            storage::migrate_within(sql, MIGRATIONS)?;
            sql.exec(
                "INSERT INTO job (singleton, id, merchant_id, livemode, network, file_date, lines, total, currency, phase, created_ms)
                 VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    text(&id),
                    text(merchant.as_str()),
                    flag(livemode),
                    text(network.as_str()),
                    text(&parsed.file_date.to_string()),
                    int(i64::try_from(parsed.lines.len()).unwrap_or(i64::MAX)),
                    int(parsed.total.minor()),
                    text(parsed.total.currency().code()),
                    text(Phase::Open.as_str()),
                    int(now_ms),
                ],
            )?;
            // Sixteen lines a statement (six columns; at most 100 parameters).
            for chunk in parsed.lines.chunks(16) {
                let marks = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
                let mut args = Vec::with_capacity(chunk.len() * 6);
                for l in chunk {
                    let n = i64::try_from(l.line).unwrap_or(i64::MAX);
                    args.extend([
                        int(n),
                        int(n),
                        text(&l.payment_code),
                        int(l.amount.minor()),
                        opt_text(l.paid_at.and_then(|t| t.format(&Rfc3339).ok()).as_deref()),
                        opt_text(l.operation.as_deref()),
                    ]);
                }
                sql.exec(
                    &format!(
                        "INSERT INTO line (n, line, payment_code, amount, paid_at, operation) VALUES {marks}"
                    ),
                    args,
                )?;
            }
            Ok(())
        })?;
        self.shell.created();
        Ok(())
    }

    /// One run, if none is going on: as far as the budget goes, then an alarm to go on
    /// (after a failure, with back-off). `answering`: the run of the request that brought
    /// the file, whose answer must not wait for the next run: that alarm is a moment
    /// later, not at once.
    async fn advance(&self, answering: bool) -> ApiResult<()> {
        if self.running.replace(true) {
            return Ok(());
        }
        let result = self.run().await;
        self.running.set(false);
        // Reloaded after the awaits.
        let Some(job) = self.job()? else {
            return Ok(());
        };
        let now = clock::now();
        match result {
            Ok(()) if job.phase == Phase::Done => Ok(()),
            Ok(()) => {
                self.shell.sql.exec("UPDATE job SET failures = 0", None)?;
                let next = if answering {
                    now + time::Duration::seconds(1)
                } else {
                    now
                };
                set_alarm(self.shell.state(), next).await
            }
            Err(e) => {
                worker::console_error!(
                    "settlement job {}: run failed ({}); retrying",
                    job.id,
                    e.code
                );
                self.shell
                    .sql
                    .exec("UPDATE job SET failures = failures + 1", None)?;
                let wait = 2_i64
                    .saturating_pow(u32::try_from(job.failures.clamp(0, 16)).unwrap_or(16))
                    .min(MAX_BACKOFF_S);
                set_alarm(self.shell.state(), now + time::Duration::seconds(wait)).await
            }
        }
    }

    /// Moves through the phases until the budget or the work runs out.
    async fn run(&self) -> ApiResult<()> {
        let mut budget = Budget::new();
        loop {
            let Some(job) = self.job()? else {
                return Ok(());
            };
            let next = match job.phase {
                Phase::Open => {
                    if !budget.take(1) {
                        return Ok(());
                    }
                    self.summary(&job, Status::Processing)?
                        .store(&self.env.d1("REPORTS")?, &job.merchant)
                        .await?;
                    Phase::Lookup
                }
                Phase::Lookup => {
                    if !budget.take(1) {
                        return Ok(());
                    }
                    self.lookup(&job).await?;
                    Phase::Apply
                }
                Phase::Apply => {
                    if !self.apply(&job, &mut budget).await? {
                        return Ok(());
                    }
                    Phase::Close
                }
                Phase::Close => {
                    if !budget.take(2) {
                        return Ok(());
                    }
                    self.close(&job).await?;
                    Phase::Report
                }
                Phase::Report => {
                    if !self.report(&job, &mut budget).await? {
                        return Ok(());
                    }
                    Phase::Done
                }
                Phase::Done => return Ok(()),
            };
            self.shell
                .sql
                .exec("UPDATE job SET phase = ?", vec![text(next.as_str())])?;
        }
    }

    /// The settlement object as the lines stand.
    pub(super) fn summary(&self, job: &Job, status: Status) -> ApiResult<Summary> {
        #[derive(Deserialize)]
        struct Count {
            category: String,
            n: i64,
        }
        let mut counts = BTreeMap::new();
        for c in self
            .shell
            .sql
            .exec(
                "SELECT category, COUNT(*) AS n FROM line WHERE category IS NOT NULL GROUP BY category",
                None,
            )?
            .to_array::<Count>()?
        {
            let category: Category = c.category.parse().map_err(|_| corrupt("category"))?;
            counts.insert(category, c.n);
        }
        Ok(Summary {
            id: job.id.clone(),
            livemode: job.livemode,
            network: job.network,
            file_date: job.file_date.to_string(),
            lines: job.lines,
            total: job.total,
            currency: job.currency.code().to_owned(),
            status,
            counts,
            created_ms: job.created_ms,
        })
    }
}

pub(super) async fn set_alarm(state: &State, at: OffsetDateTime) -> ApiResult<()> {
    #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
    let date = worker::js_sys::Date::new(&(clock::millis(at) as f64).into());
    state.storage().set_alarm(ScheduledTime::new(date)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dates a settlement file may carry are the edge's sane days (review M5).
    #[test]
    fn settlement_dates_are_the_edges_sane_years() {
        assert_eq!(settlement::YEARS, clock::SANE_YEARS);
    }
}
