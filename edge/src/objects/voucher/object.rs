//! `VoucherObject`: one SQLite-backed Durable Object per voucher (named by its id), the
//! source of truth for that voucher: its money state, its payments, its audit trail and
//! its idempotency record.
//!
//! A thin shell. Every command loads the stored voucher, asks the pure core
//! (`vale_shared::voucher::Life`, `schedule::Facts`) what to write, writes it in one
//! SQLite transaction (`storage::atomically`: the notification, the payment row and the
//! state change commit together or not at all), and only then awaits anything. After any
//! await it reloads before deciding again. The alarm is always computed from storage.
//!
//! The merchant's index (the ledger) is updated after the answer, by a task started with
//! the change; if that fails the alarm retries it with back-off, so a change is never
//! lost between the object and the index.

use super::payments::{self, PaymentRow};
use super::protocol::{Applied, Command, Envelope, Notice, RefundAction, Scope};
use super::render;
use super::schedule::Facts;
use super::store::{self, MIGRATIONS, Stored};
use super::{orphans, refund as refunds};
use crate::config::{self, Config, Mode};
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::networks::rail::{Rail, Rails, Withdrawn};
use crate::objects::events::{self, EventsClient, Forwarded};
use crate::objects::ledger::{self, Done, IndexRow, LedgerClient};
use crate::runtime::clock;
use crate::runtime::random;
use crate::runtime::rpc;
use crate::runtime::storage::{self, int, opt_text, text};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::cell::{Cell, RefCell};
use time::{Duration, OffsetDateTime};
use vale_shared::VoucherStatus;
use vale_shared::event::EventType;
use vale_shared::payment::PaymentIdentity;
use vale_shared::settlement::reconcile;
use vale_shared::voucher::{Decision, Life, NotificationOutcome, Payment, PaymentOutcome};
use worker::{
    DurableObject, Env, Request, Response, Result, ScheduledTime, SqlStorage, State, Storage,
    durable_object,
};

/// The refusal of a report whose code is not the voucher's (the Worker then looks the
/// code up).
pub const CODE_MISMATCH: &str = "payment_code_mismatch";

/// One voucher and everything that happened to it.
#[durable_object]
pub struct VoucherObject {
    pub(super) state: State,
    pub(super) env: Env,
    pub(super) sql: SqlStorage,
    pub(super) ready: Cell<bool>,
    /// The schema was looked for and is not there (a new object, or one purged).
    pub(super) absent: Cell<bool>,
    /// The request hash of a create running in this object right now.
    pub(super) running: RefCell<Option<String>>,
    /// Whether a deadline move is asking the network right now (one at a time, so the
    /// network and the voucher end with the same deadline).
    pub(super) updating: Cell<bool>,
}

impl std::fmt::Debug for VoucherObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VoucherObject")
    }
}

/// The answer to a create.
#[derive(Debug, Serialize, Deserialize)]
pub struct Created {
    /// Whether this is the stored answer of an earlier request with the same key.
    pub replayed: bool,
    /// The voucher as first answered.
    pub voucher: Box<RawValue>,
}

impl DurableObject for VoucherObject {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        VoucherObject {
            state,
            env,
            sql,
            ready: Cell::new(false),
            absent: Cell::new(false),
            running: RefCell::new(None),
            updating: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Envelope>(&mut req).await {
            Ok(envelope) => self.run(envelope).await,
            Err(e) => Err(e),
        };
        Ok(rpc::reply(result))
    }

    /// Whatever is due: the window's end, a lagging index, purges.
    async fn alarm(&self) -> Result<Response> {
        if let Err(e) = self.wake(false).await {
            // Let the runtime retry the alarm: it does so with back-off.
            return Err(worker::Error::RustError(format!(
                "alarm failed: {}",
                e.code
            )));
        }
        Response::ok("")
    }
}

pub(super) fn json<T: Serialize>(value: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(value)?)
}

/// `404` for a sandbox command on a live voucher: the sandbox does not exist there.
fn sandbox_only(stored: &Stored) -> ApiResult<()> {
    if stored.livemode {
        Err(ApiError::not_found())
    } else {
        Ok(())
    }
}

impl VoucherObject {
    pub(super) fn storage(&self) -> Storage {
        self.state.storage()
    }

    /// Whether this object holds a voucher (reads only: probing unknown ids leaves no
    /// storage behind), with its schema brought up to date.
    pub(super) fn has_schema(&self) -> ApiResult<bool> {
        if self.ready.get() {
            return Ok(true);
        }
        // Only this instance writes this object's storage, and it sets `ready` when it
        // creates the schema: once seen absent, absent it stays until then.
        if self.absent.get() {
            return Ok(false);
        }
        if storage::has_table(&self.sql, "voucher")? {
            storage::migrate(&self.storage(), &self.sql, MIGRATIONS)?;
            self.ready.set(true);
        } else {
            self.absent.set(true);
        }
        Ok(self.ready.get())
    }

    /// The voucher, if it exists and `scope` may see it: another merchant's or the other
    /// mode's voucher is `404`, as if it did not exist.
    pub(super) fn loaded(&self, scope: &Scope) -> ApiResult<Stored> {
        let stored = if self.has_schema()? {
            Stored::load(&self.sql)?
        } else {
            None
        };
        match (stored, scope) {
            (Some(stored), Scope::Client) => Ok(stored),
            (Some(stored), Scope::Refund { refund }) if refund.voucher_id() == stored.id => {
                Ok(stored)
            }
            (Some(stored), Scope::Merchant { merchant, livemode })
                if stored.merchant == *merchant && stored.livemode == *livemode =>
            {
                Ok(stored)
            }
            _ => Err(ApiError::no_such_voucher()),
        }
    }

    /// The network seam for this voucher's merchant, network and mode.
    pub(super) fn rail(&self, stored: &Stored) -> ApiResult<Rails> {
        let config = self.config()?;
        let merchant = config
            .merchant(&stored.merchant)
            .ok_or_else(|| ApiError::internal("a voucher of an unknown merchant"))?;
        Ok(Rails::of(
            merchant,
            stored.network,
            Mode::of(stored.livemode),
        ))
    }

    pub(super) fn config(&self) -> ApiResult<std::rc::Rc<Config>> {
        config::load(&self.env)
    }

    /// The server key's bytes, to render client secrets inside a transaction.
    pub(super) fn server_key(&self) -> ApiResult<Vec<u8>> {
        Ok(self.config()?.server_key.expose().as_bytes().to_vec())
    }

    async fn run(&self, envelope: Envelope) -> ApiResult<String> {
        let Envelope { scope, command } = envelope;
        if let Command::Create(request) = command {
            return json(&self.create(&scope, request).await?);
        }
        let allowed = match (&scope, &command) {
            (Scope::Merchant { .. }, _) | (Scope::Client, Command::Get) => true,
            (
                Scope::Refund { refund },
                Command::Refund {
                    id,
                    action: RefundAction::Get | RefundAction::Destination { .. },
                },
            ) => refund == id,
            _ => false,
        };
        if !allowed {
            return Err(ApiError::permission_denied());
        }
        let mut stored = self.loaded(&scope)?;
        let real = clock::now();
        match command {
            Command::Create(_) => Err(ApiError::internal("unreachable")),
            Command::Get => {
                let life = stored.life.at(stored.now(real));
                if life != stored.life {
                    // An expiry a read notices asks the network first, as the alarm does.
                    if self.ask_before_expiry(&stored).await? {
                        stored = self.loaded(&scope)?;
                    } else {
                        // Reload after the await.
                        stored = self.loaded(&scope)?;
                        let life = stored.life.at(stored.now(clock::now()));
                        if life != stored.life {
                            stored = self.change(stored, life).await?;
                        }
                    }
                }
                self.render(&stored, &scope, clock::now())
            }
            Command::Cancel => {
                let cancel = |stored: &Stored| {
                    stored
                        .life
                        .cancel(stored.now(clock::now()))
                        .map_err(|e| ApiError::not_pending(e.from, "cancelled"))
                };
                cancel(&stored)?;
                // The network first: a code it still takes must not outlive the cancel.
                let withdrawn = self.rail(&stored)?.withdraw(&stored.payment_code).await?;
                // Reload after the await: a payment may have landed meanwhile.
                let stored = self.loaded(&scope)?;
                if let Withdrawn::AlreadyPaid(upstream) = withdrawn {
                    if let Some(notice) = Notice::from_search(&stored.payment_code, &upstream) {
                        self.notify(stored, notice, clock::now()).await?;
                    }
                    let stored = self.loaded(&scope)?;
                    return Err(ApiError::not_pending(stored.life.status, "cancelled"));
                }
                let life = cancel(&stored)?;
                let stored = self.change(stored, life).await?;
                self.render(&stored, &scope, clock::now())
            }
            Command::Update { body } => self.update(stored, &scope, body.as_deref()).await,
            Command::Notify(notice) => self.notify(stored, notice, real).await,
            Command::Review { approve } => self.decide_review(stored, approve, &scope).await,
            Command::Notifications {
                limit,
                starting_after,
            } => {
                let (data, has_more) = render::audit_page(
                    &self.sql,
                    stored.network,
                    limit,
                    starting_after.as_deref(),
                )?;
                json(&serde_json::json!({"object": "list", "data": data, "has_more": has_more}))
            }
            Command::SandboxExpire => {
                sandbox_only(&stored)?;
                let life = stored
                    .life
                    .expire_now(stored.now(real))
                    .map_err(|e| ApiError::not_pending(e.from, "expired"))?;
                let stored = self.change(stored, life).await?;
                self.render(&stored, &scope, real)
            }
            Command::SandboxExpireByAlarm => {
                sandbox_only(&stored)?;
                let life = stored.life.at(stored.now(real));
                if life.status != VoucherStatus::Pending {
                    return Err(ApiError::not_pending(life.status, "expired"));
                }
                self.sql.exec("UPDATE voucher SET sandbox_due = 1", None)?;
                set_alarm(&self.storage(), real).await?;
                self.render(&stored, &scope, real)
            }
            Command::SandboxAdvance { seconds } => {
                sandbox_only(&stored)?;
                let ahead = stored.clock_offset + Duration::seconds(seconds);
                let life = stored.life.at(real + ahead);
                let mut next = stored.clone();
                let changed = life != stored.life;
                let key = self.server_key()?;
                let now_ms = clock::millis(real);
                let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
                    // A new clock is a change: the index learns the new wake-up.
                    next.clock_offset = ahead;
                    next.version += 1;
                    sql.exec(
                        "UPDATE voucher SET clock_offset_s = ?, version = ?",
                        vec![int(ahead.whole_seconds()), int(next.version)],
                    )?;
                    if changed {
                        next.record_move(sql, life, &key, now_ms)?;
                    }
                    Ok(next)
                })?;
                self.after_write(&stored).await?;
                self.render(&stored, &scope, real)
            }
            Command::Wake => {
                self.wake(true).await?;
                json(&Done { ok: true })
            }
            Command::CreateRefund(request) => {
                let (replayed, refund) = self.create_refund(stored, request).await?;
                json(&serde_json::json!({
                    "replayed": replayed,
                    "refund": RawValue::from_string(refund)?,
                }))
            }
            Command::Refund { id, action } => {
                let origin = stored.issued.origin.clone();
                self.refund_action(stored, &scope, &id, action, &origin)
                    .await
            }
            Command::Settle(line) => self.settle(stored, line).await,
            Command::Payment => self.paid_with(&stored),
            Command::Refunds { status } => {
                let origin = stored.issued.origin.clone();
                self.list_refunds(&stored, status, &origin)
            }
        }
    }

    /// The answer for `scope`: the merchant's whole voucher, or the display view.
    pub(super) fn render(
        &self,
        stored: &Stored,
        scope: &Scope,
        real: OffsetDateTime,
    ) -> ApiResult<String> {
        let config = self.config()?;
        let key = config.server_key.expose().as_bytes();
        let payments = PaymentRow::load_all(&self.sql)?;
        let voucher = stored.render(key, &payments);
        let review = stored.issued.review.as_ref();
        match scope {
            Scope::Merchant { .. } | Scope::Refund { .. } => {
                let mut value = serde_json::to_value(&voucher)?;
                super::review::patch(&mut value, review);
                json(&value)
            }
            Scope::Client => {
                let merchant = config.merchant(&stored.merchant);
                let server_time = stored.now(real).to_offset(stored.network.utc_offset());
                let mut value = serde_json::to_value(render::DisplayView {
                    voucher: voucher
                        .display(server_time.replace_millisecond(0).unwrap_or(server_time)),
                    merchant_name: merchant.map_or("", |m| m.name.as_str()),
                    convenio: merchant
                        .filter(|_| stored.network == vale_shared::Network::Efecty)
                        .and_then(|m| m.efecty(Mode::of(stored.livemode)).convenio.as_deref()),
                    return_url: voucher.return_url.clone(),
                    expired_at: voucher.expired_at,
                    cancelled_at: voucher.cancelled_at,
                })?;
                // The widget shows a voucher under review ("en revisión") from `review`.
                super::review::patch(&mut value, review);
                json(&value)
            }
        }
    }

    /// Writes a new money state, then schedules and indexes it.
    async fn change(&self, stored: Stored, life: Life) -> ApiResult<Stored> {
        let mut next = stored;
        let key = self.server_key()?;
        let now_ms = clock::millis(clock::now());
        let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
            next.record_move(sql, life, &key, now_ms)?;
            Ok(next)
        })?;
        self.after_write(&stored).await?;
        Ok(stored)
    }

    /// After a write: the alarm from what is stored, and the index row and outbox drained
    /// by a task of their own (the answer does not wait; the alarm retries what fails).
    pub(super) async fn after_write(&self, stored: &Stored) -> ApiResult<()> {
        let facts = facts(&self.sql, stored)?;
        set_alarm(&self.storage(), facts.next_wake(clock::now())).await?;
        if !facts.indexed {
            let (env, storage, sql) = (self.env.clone(), self.storage(), self.sql.clone());
            worker::wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = sync_index(&env, &storage, &sql).await {
                    worker::console_error!(
                        "index or outbox drain failed ({}); the alarm retries",
                        e.code
                    );
                }
            });
        }
        Ok(())
    }

    /// The payment row a paid report names among those the voucher holds, when its key
    /// was not seen before: see `vale_shared::settlement::reconcile::pair_notification`.
    fn pair(
        &self,
        stored: &Stored,
        notice: &Notice,
        real: OffsetDateTime,
    ) -> ApiResult<Option<i64>> {
        let (super::protocol::Reported::Paid { amount, paid_at }, Some(identity)) = (
            notice.report,
            PaymentIdentity::parse_key(&notice.network_key),
        ) else {
            return Ok(None);
        };
        let held = payments::held(&self.sql, stored.network)?;
        let payments: Vec<_> = held.iter().map(|h| h.held.clone()).collect();
        Ok(reconcile::pair_notification(
            stored.network,
            &payments,
            &notice.payment_code,
            &identity,
            amount,
            paid_at.unwrap_or_else(|| stored.now(real)),
        )
        .and_then(|i| held.get(i))
        .map(|h| h.seq))
    }

    /// Applies a network's report: the audit row, the payment row and the state change in
    /// one transaction; a refusal (amount or currency) is kept in the audit trail too.
    async fn notify(
        &self,
        stored: Stored,
        notice: Notice,
        real: OffsetDateTime,
    ) -> ApiResult<String> {
        let seen = self
            .sql
            .exec(
                "SELECT 1 AS seen FROM notification WHERE network_key = ? AND outcome IN ('applied', 'unexpected_payment', 'ignored') LIMIT 1",
                vec![text(&notice.network_key)],
            )?
            .to_array::<serde_json::Value>()?;
        let under_another_code = notice.payment_code != stored.payment_code;
        if under_another_code && !notice.accept_other_code {
            return Err(ApiError::new(
                409,
                ErrorType::InvalidRequestError,
                CODE_MISMATCH,
                "This voucher does not have that payment code.",
            ));
        }
        // A payment the voucher already holds under another road's identity (a file line
        // paid it first) is the same payment (review H1).
        let paired = if seen.is_empty() {
            self.pair(&stored, &notice, real)?
        } else {
            None
        };
        let decision: Decision = stored.life.decide(
            stored.amount,
            !seen.is_empty() || paired.is_some(),
            notice.report.report(under_another_code),
            stored.now(real),
        );
        // Its whole identity, for a payment this report records or names first.
        let identity =
            PaymentIdentity::parse_key(&notice.network_key).map(|_| notice.network_key.clone());
        let notification_id =
            vale_shared::NotificationId::from_random(random::bytes()?).to_string();
        let changed = decision.life != stored.life;
        let mut next = stored;
        let received_ms = clock::millis(real);
        let id = notification_id.clone();
        let key = self.server_key()?;
        let network_key = notice.network_key.clone();
        let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
            sql.exec(
                "INSERT INTO notification (id, message_id, network_key, received_ms, outcome, body) VALUES (?, ?, ?, ?, ?, ?)",
                vec![
                    text(&id),
                    opt_text(notice.message_id.as_deref()),
                    text(&notice.network_key),
                    int(received_ms),
                    text(decision.outcome.as_str()),
                    text(&notice.body),
                ],
            )?;
            if let Some(payment) = &decision.payment {
                let reported_by = notice.message_id.as_deref().unwrap_or(&id);
                PaymentRow::insert(
                    sql,
                    &notice.network_key,
                    identity.as_deref(),
                    &notice.payment_code,
                    payment,
                    reported_by,
                    &notice.source,
                )?;
            }
            if let (Some(seq), Some(identity)) = (paired, &identity) {
                sql.exec(
                    "UPDATE payment SET identity = ? WHERE seq = ? AND identity IS NULL",
                    vec![text(identity), int(seq)],
                )?;
            }
            if changed {
                next.record_move(sql, decision.life, &key, received_ms)?;
            }
            if decision.outcome == NotificationOutcome::UnexpectedPayment {
                let kind = EventType::VoucherPaymentUnexpected;
                next.emit(sql, kind, &notice.network_key, &key, received_ms)?;
            }
            Ok(next)
        })?;
        self.after_write(&stored).await?;
        if let Some(Payment {
            outcome: PaymentOutcome::Unexpected(anomaly),
            ..
        }) = decision.payment
        {
            // Reload after the await.
            if let Some(stored) = Stored::load(&self.sql)? {
                self.refund_unexpected(stored, &network_key, anomaly).await;
            }
        }
        match decision.outcome {
            NotificationOutcome::AmountMismatch => Err(ApiError::invalid(
                "amount",
                "amount_mismatch",
                "The notification's amount is not the voucher's.",
            )),
            NotificationOutcome::CurrencyMismatch => Err(ApiError::invalid(
                "currency",
                "currency_mismatch",
                "The notification's currency is not the voucher's.",
            )),
            NotificationOutcome::Unconfirmed => Err(ApiError::new(
                409,
                ErrorType::InvalidRequestError,
                "notification_unconfirmed",
                "PagoEfectivo's own record does not confirm this payment yet; it is kept in the audit trail and not applied.",
            )),
            outcome => json(&Applied {
                duplicate: outcome == NotificationOutcome::Duplicate,
                status: stored.life.status,
            }),
        }
    }

    /// A live voucher about to expire whose network can be asked is asked once first,
    /// so a payment whose notification went missing pays it instead: `true` when the
    /// network's answer was applied. If the network cannot be reached the voucher
    /// expires anyway; a later report is still kept (as an unexpected payment).
    async fn ask_before_expiry(&self, stored: &Stored) -> ApiResult<bool> {
        let now = stored.now(clock::now());
        if stored.life.status != VoucherStatus::Pending
            || stored.life.at(now).status != VoucherStatus::Expired
        {
            return Ok(false);
        }
        let rail = self.rail(stored)?;
        if !rail.can_query() {
            return Ok(false);
        }
        let code = stored.payment_code.as_str();
        let rows = match rail.query(&[code]).await {
            Ok(rows) => rows,
            Err(e) => {
                worker::console_error!("expiry: the network could not be asked ({})", e.code);
                return Ok(false);
            }
        };
        let Some(notice) = rows
            .iter()
            .find(|(c, _)| c == code)
            .and_then(|(_, upstream)| Notice::from_search(code, upstream))
        else {
            return Ok(false);
        };
        // Reload after the await.
        let Some(stored) = Stored::load(&self.sql)? else {
            return Ok(true);
        };
        // The question was asked as the window ended (the alarm's time): judged then, a
        // payment made in time still pays, however late the alarm ran.
        let asked_at = clock::now().min(stored.life.window_ends_at() - Duration::milliseconds(1));
        match self.notify(stored, notice, asked_at).await {
            // A refusal (an amount that is not the voucher's) is in the audit trail.
            Ok(_) => Ok(true),
            Err(e) if e.status < 500 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Does what is due: a sandbox-requested expiry, the window's end, body and voucher
    /// purges, the index. `sweep`: called by the cron's sweep, so the index's wake-up is
    /// refreshed even when nothing changed.
    async fn wake(&self, sweep: bool) -> ApiResult<()> {
        // Orphan CIPs first: there may be no voucher here at all.
        if let Err(e) = orphans::retry(&self.env, &self.storage(), &self.sql).await {
            worker::console_error!("orphan CIP retry failed ({}); retrying later", e.code);
        }
        if !self.has_schema()? {
            return Ok(());
        }
        let Some(stored) = Stored::load(&self.sql)? else {
            return Ok(());
        };
        self.refund_deadlines(stored.now(clock::now())).await?;
        if self.ask_before_expiry(&stored).await? {
            return Ok(());
        }
        // Reload after the await.
        let Some(stored) = Stored::load(&self.sql)? else {
            return Ok(());
        };
        let real = clock::now();
        let now = stored.now(real);
        let forced = !stored.livemode
            && !self
                .sql
                .exec(
                    "UPDATE voucher SET sandbox_due = 0 WHERE sandbox_due = 1 RETURNING id",
                    None,
                )?
                .to_array::<serde_json::Value>()?
                .is_empty();
        let life = if forced {
            stored.life.expire_now(now).unwrap_or(stored.life)
        } else {
            stored.life.at(now)
        };

        let changed = life != stored.life;
        let purge_before = clock::millis(now - store::BODY_RETENTION);
        let mut next = stored;
        let key = self.server_key()?;
        let now_ms = clock::millis(real);
        let stored = storage::atomically(&self.storage(), &self.sql, move |sql| {
            sql.exec(
                "UPDATE notification SET body = NULL WHERE body IS NOT NULL AND received_ms < ?",
                vec![int(purge_before)],
            )?;
            if changed {
                next.record_move(sql, life, &key, now_ms)?;
            }
            Ok(next)
        })?;
        let facts = facts(&self.sql, &stored)?;
        if facts.is_purgeable(real) {
            let remove = ledger::Command::Remove {
                id: stored.id.clone(),
            };
            LedgerClient::of(&self.env, &stored.merchant)?
                .call::<Done>(&remove)
                .await?;
            self.storage().delete_alarm().await?;
            self.storage().delete_all().await?;
            self.ready.set(false);
            return Ok(());
        }
        if sweep || !facts.indexed {
            // Inline here: the alarm (or the sweep) is the retry.
            if let Err(e) = sync_index(&self.env, &self.storage(), &self.sql).await {
                worker::console_error!("index update failed ({}); retrying later", e.code);
            }
            return Ok(());
        }
        set_alarm(&self.storage(), facts.next_wake(real)).await
    }
}

/// What the schedule is computed from, read from storage.
fn facts(sql: &SqlStorage, stored: &Stored) -> ApiResult<Facts> {
    #[derive(Deserialize)]
    struct Pending {
        oldest: Option<i64>,
        unforwarded: i64,
    }
    let pending = sql
        .exec(
            "SELECT (SELECT MIN(received_ms) FROM notification WHERE body IS NOT NULL) AS oldest,
                    (SELECT COUNT(*) FROM outbox WHERE forwarded = 0) AS unforwarded",
            None,
        )?
        .to_array::<Pending>()?
        .into_iter()
        .next();
    let oldest = pending.as_ref().and_then(|p| p.oldest);
    let unforwarded = pending.map_or(0, |p| p.unforwarded);
    let (refund_due, refund_changed) = refunds::schedule_facts(sql)?;
    let at = |ms: Option<i64>| ms.map(|ms| clock::from_millis(u64::try_from(ms).unwrap_or(0)));
    Ok(Facts {
        refund_due: at(refund_due),
        refund_changed: at(refund_changed),
        orphan_due: orphans::due(sql)?,
        life: stored.life,
        created_at: stored.created_at,
        clock_offset: stored.clock_offset,
        indexed: stored.indexed_version >= stored.version && unforwarded == 0,
        index_failures: stored.index_failures,
        oldest_body: oldest.map(|ms| clock::from_millis(u64::try_from(ms).unwrap_or(0))),
    })
}

/// Drains what must reach the outside: the voucher's index row to the merchant's ledger
/// and its outbox's events to the merchant's events object. Then records how that went
/// and sets the alarm from storage (reloaded after the awaits).
async fn sync_index(env: &Env, storage: &Storage, sql: &SqlStorage) -> ApiResult<()> {
    let Some(stored) = Stored::load(sql)? else {
        return Ok(());
    };
    let forwarded = forward_outbox(env, sql, &stored).await;
    let now = clock::now();
    let row = IndexRow {
        id: stored.id.clone(),
        version: stored.version,
        status: stored.life.status.as_str().to_owned(),
        wake_at_ms: clock::millis(facts(sql, &stored)?.next_wake(now)),
        paid_ms: stored.life.paid_at.map(clock::millis),
    };
    let refunds: Vec<ledger::RefundRow> = sql
        .exec(
            "SELECT id, status, created_ms, processing_ms FROM refund ORDER BY number",
            None,
        )?
        .to_array()?;
    // The risk counters first: the row is marked indexed only once they know too, so
    // the alarm retries them with the row.
    let counted = match crate::objects::voucher::screen::sync(
        env,
        &stored.issued.risk_counters,
        &stored.id,
        vale_shared::risk::Standing::of(stored.life.status),
    )
    .await
    {
        Ok(()) => match stored.review() {
            Some(review) => super::review::put(env, &stored.merchant, &review).await,
            None => Ok(()),
        },
        Err(e) => Err(e),
    };
    let sent = match counted {
        Ok(()) => {
            LedgerClient::of(env, &stored.merchant)?
                .call::<Done>(&ledger::Command::Update { row, refunds })
                .await
        }
        Err(e) => Err(e),
    };
    match &sent {
        Ok(_) => sql.exec(
            "UPDATE voucher SET indexed_version = max(indexed_version, ?), index_failures = 0",
            vec![int(stored.version)],
        )?,
        Err(_) => sql.exec(
            "UPDATE voucher SET index_failures = index_failures + 1",
            None,
        )?,
    };
    if forwarded.is_err() {
        sql.exec(
            "UPDATE voucher SET index_failures = index_failures + 1",
            None,
        )?;
    }
    if let Some(stored) = Stored::load(sql)? {
        set_alarm(storage, facts(sql, &stored)?.next_wake(clock::now())).await?;
    }
    sent.and(forwarded).map(|_| ())
}

/// Forwards the outbox's events not yet taken (oldest first, a batch at a time) and marks
/// them forwarded once the events object has them.
async fn forward_outbox(env: &Env, sql: &SqlStorage, stored: &Stored) -> ApiResult<()> {
    #[derive(Deserialize)]
    struct Row {
        seq: i64,
        event_id: String,
        #[serde(rename = "type")]
        kind: String,
        created_ms: i64,
        data: String,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT seq, event_id, type, created_ms, data FROM outbox WHERE forwarded = 0 ORDER BY seq LIMIT 50",
            None,
        )?
        .to_array()?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(());
    };
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        events.push(Forwarded {
            id: row
                .event_id
                .parse()
                .map_err(|_| ApiError::internal("outbox: bad event id"))?,
            kind: row
                .kind
                .parse()
                .map_err(|_| ApiError::internal("outbox: bad event type"))?,
            created_ms: row.created_ms,
            data: row.data,
        });
    }
    let record = events::Command::Record {
        livemode: stored.livemode,
        events,
    };
    EventsClient::of(env, &stored.merchant, Mode::of(stored.livemode))?
        .text(&record)
        .await?;
    // Reloaded after the await: only the rows sent are marked.
    sql.exec(
        "UPDATE outbox SET forwarded = 1 WHERE forwarded = 0 AND seq <= ?",
        vec![int(last)],
    )?;
    Ok(())
}

async fn set_alarm(storage: &Storage, at: OffsetDateTime) -> ApiResult<()> {
    #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
    let date = worker::js_sys::Date::new(&(clock::millis(at) as f64).into());
    storage.set_alarm(ScheduledTime::new(date)).await?;
    Ok(())
}
