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

use super::report::{self, LineRow, ROWS_PER_STATEMENT, Status, Summary};
use crate::config::Mode;
use crate::http::error::{ApiError, ApiResult};
use crate::objects::ledger::{self, CodedList, LedgerClient};
use crate::objects::voucher::{
    Command as VoucherCommand, Scope, SettleLine, SettleLines, Settled, VoucherClient,
};
use crate::runtime::clock;
use crate::runtime::rpc;
use crate::runtime::storage::{self, flag, int, opt_text, text};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vale_shared::id::SettlementId;
use vale_shared::settlement::{self, Category};
use vale_shared::{Currency, MerchantId, Money, Network, VoucherId};
use worker::{
    DurableObject, Env, Request, Response, Result, ScheduledTime, SqlStorage, State, Stub,
    durable_object,
};

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
const RUN_MS: u64 = 60_000;

/// What a whole run spends besides asking vouchers: the D1 row, the lookup, the close
/// (two ledger calls), the last D1 rows and the event.
const OWN_CALLS: usize = 10;

/// Voucher objects asked at once.
const PARALLEL: usize = 50;

/// D1 statements a run writes at most in one batch.
const STATEMENTS_PER_BATCH: usize = 100;

/// The longest wait before a failed run is retried.
const MAX_BACKOFF_S: i64 = 300;

/// The schema, one step per version. Never edit a step that has shipped: add one.
const MIGRATIONS: &[&str] = &["
CREATE TABLE job (
  singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
  id          TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  livemode    INTEGER NOT NULL,
  network     TEXT NOT NULL,
  file_date   TEXT NOT NULL,
  lines       INTEGER NOT NULL,
  total       INTEGER NOT NULL,
  currency    TEXT NOT NULL,
  phase       TEXT NOT NULL,
  reported    INTEGER NOT NULL DEFAULT 0,
  failures    INTEGER NOT NULL DEFAULT 0,
  created_ms  INTEGER NOT NULL,
  object      TEXT
);
CREATE TABLE line (
  n              INTEGER PRIMARY KEY,
  line           INTEGER,
  payment_code   TEXT NOT NULL,
  amount         INTEGER,
  paid_at        TEXT,
  operation      TEXT,
  voucher_id     TEXT,
  voucher_amount INTEGER,
  category       TEXT
);
CREATE INDEX line_by_code ON line (payment_code);
CREATE INDEX line_open ON line (voucher_id, n) WHERE category IS NULL;
"];

/// Commands the job takes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Takes a file (already parsed and checked whole by the Worker) and runs it as far
    /// as one run goes; a file it already has is not taken again.
    Start {
        /// The settlement (the name of this object).
        id: SettlementId,
        /// Whose file.
        merchant: MerchantId,
        /// Test or live.
        livemode: bool,
        /// Whose format.
        network: Network,
        /// The file as received (UTF-8: a file that parsed is).
        file: String,
    },
}

/// The answer to `Start`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Progress {
    /// Whether this call took the file (a file sent again answers `false`).
    pub fresh: bool,
    /// The settlement object as it stands.
    pub object: serde_json::Value,
    /// Whether every line is reconciled.
    pub reconciled: bool,
}

/// The job of one settlement.
#[durable_object]
pub struct SettlementJob {
    state: State,
    env: Env,
    sql: SqlStorage,
    ready: Cell<bool>,
    /// A run is in progress (a request's or an alarm's): one at a time.
    running: Cell<bool>,
}

impl std::fmt::Debug for SettlementJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SettlementJob")
    }
}

impl DurableObject for SettlementJob {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        SettlementJob {
            state,
            env,
            sql,
            ready: Cell::new(false),
            running: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Command>(&mut req).await {
            Ok(Command::Start {
                id,
                merchant,
                livemode,
                network,
                file,
            }) => self.start(&id, merchant, livemode, network, &file).await,
            Err(e) => Err(e),
        };
        Ok(rpc::reply(result))
    }

    /// The next run of an unfinished job.
    async fn alarm(&self) -> Result<Response> {
        if let Err(e) = self.advance(false).await {
            worker::console_error!("settlement job: {}", e.code);
        }
        Response::ok("")
    }
}

/// The job's phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    Lookup,
    Apply,
    Close,
    Report,
    Done,
}

impl Phase {
    const ALL: [Phase; 6] = [
        Phase::Open,
        Phase::Lookup,
        Phase::Apply,
        Phase::Close,
        Phase::Report,
        Phase::Done,
    ];

    const fn as_str(self) -> &'static str {
        match self {
            Phase::Open => "open",
            Phase::Lookup => "lookup",
            Phase::Apply => "apply",
            Phase::Close => "close",
            Phase::Report => "report",
            Phase::Done => "done",
        }
    }
}

/// The job's row.
#[derive(Debug, Clone, Deserialize)]
struct JobRow {
    id: String,
    merchant_id: String,
    livemode: i64,
    network: String,
    file_date: String,
    lines: i64,
    total: i64,
    currency: String,
    phase: String,
    reported: i64,
    failures: i64,
    created_ms: i64,
    object: Option<String>,
}

/// A job as the runs use it.
#[derive(Debug, Clone)]
struct Job {
    id: SettlementId,
    merchant: MerchantId,
    livemode: bool,
    network: Network,
    file_date: time::Date,
    lines: i64,
    total: i64,
    currency: Currency,
    phase: Phase,
    reported: i64,
    failures: i64,
    created_ms: i64,
    object: Option<String>,
}

fn corrupt(what: &str) -> ApiError {
    ApiError::internal(format!("settlement job: bad {what}"))
}

impl JobRow {
    fn parse(self) -> ApiResult<Job> {
        let date = time::macros::format_description!("[year]-[month]-[day]");
        Ok(Job {
            id: self.id.parse().map_err(|_| corrupt("id"))?,
            merchant: self.merchant_id.parse().map_err(|_| corrupt("merchant"))?,
            livemode: self.livemode != 0,
            network: self.network.parse().map_err(|_| corrupt("network"))?,
            file_date: time::Date::parse(&self.file_date, &date).map_err(|_| corrupt("date"))?,
            lines: self.lines,
            total: self.total,
            currency: self.currency.parse().map_err(|_| corrupt("currency"))?,
            phase: Phase::ALL
                .into_iter()
                .find(|p| p.as_str() == self.phase)
                .ok_or_else(|| corrupt("phase"))?,
            reported: self.reported,
            failures: self.failures,
            created_ms: self.created_ms,
            object: self.object,
        })
    }
}

/// What a run may still spend: subrequests, and time.
struct Budget {
    left: usize,
    until_ms: u64,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            left: RUN_BUDGET,
            until_ms: worker::Date::now().as_millis().saturating_add(RUN_MS),
        }
    }

    /// Takes `n` subrequests if that many are left and the run's time is not up.
    fn take(&mut self, n: usize) -> bool {
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
struct OpenLine {
    line: i64,
    amount: i64,
    paid_at: Option<String>,
    operation: Option<String>,
    voucher_id: String,
}

impl SettlementJob {
    fn has_schema(&self) -> ApiResult<bool> {
        if self.ready.get() {
            return Ok(true);
        }
        if storage::has_table(&self.sql, "job")? {
            storage::migrate(&self.state.storage(), &self.sql, MIGRATIONS)?;
            self.ready.set(true);
        }
        Ok(self.ready.get())
    }

    fn job(&self) -> ApiResult<Option<Job>> {
        if !self.has_schema()? {
            return Ok(None);
        }
        self.sql
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
                    set_alarm(&self.state, clock::now()).await?;
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
                set_alarm(&self.state, clock::now()).await?;
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
        storage::atomically(&self.state.storage(), &self.sql, move |sql| {
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
        self.ready.set(true);
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
                self.sql.exec("UPDATE job SET failures = 0", None)?;
                let next = if answering {
                    now + time::Duration::seconds(1)
                } else {
                    now
                };
                set_alarm(&self.state, next).await
            }
            Err(e) => {
                worker::console_error!(
                    "settlement job {}: run failed ({}); retrying",
                    job.id,
                    e.code
                );
                self.sql
                    .exec("UPDATE job SET failures = failures + 1", None)?;
                let wait = 2_i64
                    .saturating_pow(u32::try_from(job.failures.clamp(0, 16)).unwrap_or(16))
                    .min(MAX_BACKOFF_S);
                set_alarm(&self.state, now + time::Duration::seconds(wait)).await
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
            self.sql
                .exec("UPDATE job SET phase = ?", vec![text(next.as_str())])?;
        }
    }

    /// The settlement object as the lines stand.
    fn summary(&self, job: &Job, status: Status) -> ApiResult<Summary> {
        #[derive(Deserialize)]
        struct Count {
            category: String,
            n: i64,
        }
        let mut counts = BTreeMap::new();
        for c in self
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

    /// Every payment code's voucher, in one ledger call; codes nobody has are
    /// `unknown_reference`.
    async fn lookup(&self, job: &Job) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Code {
            payment_code: String,
        }
        let codes: Vec<String> = self
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
        storage::atomically(&self.state.storage(), &self.sql, move |sql| {
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
    async fn apply(&self, job: &Job, budget: &mut Budget) -> ApiResult<bool> {
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
            storage::atomically(&self.state.storage(), &self.sql, move |sql| {
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
    async fn close(&self, job: &Job) -> ApiResult<()> {
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
            .sql
            .exec("SELECT MAX(n) AS last FROM line", None)?
            .to_array::<Last>()?
            .into_iter()
            .next()
            .and_then(|l| l.last)
            .unwrap_or(0);
        storage::atomically(&self.state.storage(), &self.sql, move |sql| {
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
    async fn report(&self, job: &Job, budget: &mut Budget) -> ApiResult<bool> {
        let db = self.env.d1("REPORTS")?;
        let mut reported = job.reported;
        loop {
            let rows: Vec<LineRow> = self
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
            self.sql
                .exec("UPDATE job SET reported = ?", vec![int(reported)])?;
        }
        if !budget.take(2) {
            return Ok(false);
        }
        let summary = self.summary(job, Status::Reconciled)?;
        summary.store(&db, &job.merchant).await?;
        let object = summary.render();
        self.sql
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

async fn set_alarm(state: &State, at: OffsetDateTime) -> ApiResult<()> {
    #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
    let date = worker::js_sys::Date::new(&(clock::millis(at) as f64).into());
    state.storage().set_alarm(ScheduledTime::new(date)).await?;
    Ok(())
}

/// The job of settlement `id`.
#[derive(Debug)]
pub struct JobClient {
    stub: Stub,
}

impl JobClient {
    /// The job object named by the settlement's id.
    pub fn of(env: &Env, id: &SettlementId) -> ApiResult<Self> {
        let stub = env
            .durable_object("SETTLEMENTS")?
            .id_from_name(id.as_str())?
            .get_stub()?;
        Ok(JobClient { stub })
    }

    /// Sends a command and reads the answer.
    pub async fn call<T: serde::de::DeserializeOwned>(&self, command: &Command) -> ApiResult<T> {
        rpc::call(&self.stub, command).await
    }
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
