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

use super::outbox::*;
use super::payments::PaymentRow;
use super::protocol::{Command, Envelope, Notice, RefundAction, Scope};
use super::render;
use super::store::{MIGRATIONS, Stored};
use crate::config::{self, Config, Mode};
use crate::http::error::{ApiError, ApiResult};
use crate::networks::rail::{Rail, Rails, Withdrawn};
use crate::objects::ledger::Done;
pub(super) use crate::objects::shell::json;
use crate::objects::shell::{self, Object, SqlShell};
use crate::runtime::clock;
use crate::runtime::storage::int;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::cell::{Cell, RefCell};
use time::{Duration, OffsetDateTime};
use vale_shared::VoucherStatus;
use worker::{DurableObject, Env, Request, Response, Result, State, Storage, durable_object};

/// The refusal of a report whose code is not the voucher's (the Worker then looks the
/// code up).
pub const CODE_MISMATCH: &str = "payment_code_mismatch";

/// One voucher and everything that happened to it.
#[durable_object]
#[derive(Debug)]
pub struct VoucherObject {
    pub(super) shell: SqlShell,
    pub(super) env: Env,
    /// The request hash of a create running in this object right now.
    pub(super) running: RefCell<Option<String>>,
    /// Whether a deadline move is asking the network right now (one at a time, so the
    /// network and the voucher end with the same deadline).
    pub(super) updating: Cell<bool>,
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
        VoucherObject {
            shell: SqlShell::new(state, MIGRATIONS, "voucher"),
            env,
            running: RefCell::new(None),
            updating: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }

    /// Whatever is due: the window's end, a lagging index, purges.
    async fn alarm(&self) -> Result<Response> {
        // A failure lets the runtime retry the alarm: it does so with back-off.
        shell::alarm("alarm", self.wake(false).await)
    }
}

impl Object for VoucherObject {
    type Protocol = Envelope;

    async fn answer(&self, envelope: Envelope) -> ApiResult<String> {
        self.run(envelope).await
    }
}

/// `404` for a sandbox command on a live voucher: the sandbox does not exist there.
pub(super) fn sandbox_only(stored: &Stored) -> ApiResult<()> {
    if stored.livemode {
        Err(ApiError::not_found())
    } else {
        Ok(())
    }
}

impl VoucherObject {
    pub(super) fn storage(&self) -> Storage {
        self.shell.storage()
    }

    /// Whether this object holds a voucher (reads only: probing unknown ids leaves no
    /// storage behind), with its schema brought up to date.
    pub(super) fn has_schema(&self) -> ApiResult<bool> {
        self.shell.existing()
    }

    /// The voucher, if it exists and `scope` may see it: another merchant's or the other
    /// mode's voucher is `404`, as if it did not exist.
    pub(super) fn loaded(&self, scope: &Scope) -> ApiResult<Stored> {
        let stored = if self.has_schema()? {
            Stored::load(&self.shell.sql)?
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

    pub(super) async fn run(&self, envelope: Envelope) -> ApiResult<String> {
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
                    &self.shell.sql,
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
                self.shell
                    .sql
                    .exec("UPDATE voucher SET sandbox_due = 1", None)?;
                set_alarm(&self.storage(), real).await?;
                self.render(&stored, &scope, real)
            }
            Command::SandboxAdvance { seconds } => {
                sandbox_only(&stored)?;
                let ahead = stored.clock_offset + Duration::seconds(seconds);
                let life = stored.life.at(real + ahead);
                let changed = life != stored.life;
                let now_ms = clock::millis(real);
                let stored = self
                    .commit(stored, now_ms, move |tx, next| {
                        // A new clock is a change: the index learns the new wake-up.
                        next.clock_offset = ahead;
                        next.version += 1;
                        tx.sql.exec(
                            "UPDATE voucher SET clock_offset_s = ?, version = ?",
                            vec![int(ahead.whole_seconds()), int(next.version)],
                        )?;
                        if changed {
                            next.record_move(tx.sql, life, tx.key, tx.now_ms)?;
                        }
                        Ok(())
                    })
                    .await?;
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
        let payments = PaymentRow::load_all(&self.shell.sql)?;
        let voucher = stored.render(key, &payments);
        let review = stored.issued.review.as_ref();
        match scope {
            Scope::Merchant { .. } | Scope::Refund { .. } => {
                let mut value = serde_json::to_value(&voucher)?;
                super::review::patch(&mut value, review);
                super::market::patch_voucher(&mut value, stored);
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
                super::market::patch_display(&mut value, stored);
                json(&value)
            }
        }
    }
}
