//! The create path of a voucher object: the stored answer of a replay, the in-memory
//! lease of a create under way, the payment code claimed in the merchant's index, and the
//! one write that stores the voucher.

use super::market;
use super::object::{Created, VoucherObject, json};
use super::orphans;
use super::review;
use super::screen;
use crate::config::{Merchant, Mode};
use crate::http::error::{ApiError, ApiResult, ErrorType};
use crate::networks::rail::{NotIssued, Order, Rail, Rails};
use crate::objects::ledger::{self, Claimed, IndexRow, LedgerClient};
use crate::objects::voucher::store::{self, MIGRATIONS, Stored};
use crate::objects::voucher::{CreateRequest, Scope};
use crate::runtime::clock;
use crate::runtime::storage::{self, text};
use serde::Deserialize;
use serde_json::value::RawValue;
use time::{Duration, OffsetDateTime};
use vale_shared::VoucherStatus;
use vale_shared::event::EventType;
use vale_shared::voucher::{Life, NewVoucher};

/// Whether two request hashes are the same request (constant time).
fn same_request(a: &str, b: &str) -> bool {
    vale_shared::secret::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// `422`: the key was used with another body.
fn key_reused() -> ApiError {
    ApiError::new(
        422,
        ErrorType::IdempotencyError,
        "idempotency_key_reused",
        "This Idempotency-Key was used with another request body; use a new key.",
    )
}

/// What screening gave the voucher to keep: its counters' names and its open review;
/// and its sellers, if a platform issued it for them.
#[derive(Debug)]
struct Risked {
    counters: Vec<String>,
    review: Option<review::VoucherReview>,
    sold: Option<market::Sold>,
}

impl VoucherObject {
    /// A create: answered from the stored response when this object already holds the
    /// voucher (checked before any validation, so a replay succeeds after the clock or the
    /// limits moved), `409` while another attempt with the same key runs here, else
    /// validated and issued. Nothing is written before the payment code is claimed, so any
    /// error leaves nothing behind and the key free.
    pub(super) async fn create(&self, scope: &Scope, request: CreateRequest) -> ApiResult<Created> {
        let Scope::Merchant { merchant, livemode } = scope else {
            return Err(ApiError::permission_denied());
        };
        if let Some(replay) = self.replay(scope, &request)? {
            return Ok(replay);
        }
        if let Some(running) = self.running.borrow().as_deref() {
            return Err(if same_request(running, &request.request_hash) {
                ApiError::new(
                    409,
                    ErrorType::IdempotencyError,
                    "idempotency_request_in_progress",
                    "A request with this Idempotency-Key is still running; retry in a moment.",
                )
            } else {
                key_reused()
            });
        }
        let config = self.config()?;
        let merchant = config
            .merchant(merchant)
            .ok_or_else(|| ApiError::internal("create for an unknown merchant"))?;
        let real = clock::now();
        let body = request.body.as_deref().unwrap_or("\u{0}");
        let (body, taken) = market::take(merchant, body.as_bytes());
        let new =
            NewVoucher::from_json_at_least(&body, real, *livemode, self.min_lifetime(), |n, c| {
                merchant.limits(n, c)
            })?;
        // The lease lives in memory: an attempt that dies with the object leaves no lock,
        // and its retry resumes the same voucher (the ledger gives back the claimed code).
        *self.running.borrow_mut() = Some(request.request_hash.clone());
        let issued = self
            .sold(&config, merchant, *livemode, new, taken, &request, real)
            .await;
        *self.running.borrow_mut() = None;
        issued
    }

    /// A platform's sellers first (checked, and the voucher's place held under their
    /// limits), then screening; a create that fails after the sellers' check gives the
    /// places back.
    #[allow(clippy::too_many_arguments)]
    async fn sold(
        &self,
        config: &crate::config::Config,
        merchant: &Merchant,
        livemode: bool,
        new: NewVoucher,
        taken: Option<vale_shared::marketplace::split::Taken>,
        request: &CreateRequest,
        real: OffsetDateTime,
    ) -> ApiResult<Created> {
        let sold = market::reserve(
            &self.env,
            merchant,
            livemode,
            &request.id,
            &new,
            taken,
            request.acting_for.as_deref(),
        )
        .await?;
        let reserved = sold.is_some();
        let issued = self
            .screened(config, merchant, livemode, new, request, real, sold)
            .await;
        if issued.is_err() && reserved {
            // Best effort: a place left held ends with the voucher's window anyway.
            let _ = market::release(&self.env, &merchant.id, livemode, &request.id, true).await;
        }
        issued
    }

    /// The merchant's risk rules first (before any payment code exists): a block refuses
    /// the create (`402`, recorded as a review); a review issues the voucher with an open
    /// review (no payment code shown until a restricted key approves it, `review.opened`);
    /// an allow issues it as usual. The voucher keeps the names of the counters it was
    /// counted in.
    #[allow(clippy::too_many_arguments)]
    async fn screened(
        &self,
        config: &crate::config::Config,
        merchant: &Merchant,
        livemode: bool,
        new: NewVoucher,
        request: &CreateRequest,
        real: OffsetDateTime,
        sold: Option<market::Sold>,
    ) -> ApiResult<Created> {
        let key = config.server_key.expose().as_bytes();
        let screen =
            screen::screen(&self.env, key, merchant, livemode, &request.id, &new, real).await?;
        if screen::is_block(&screen) {
            screen::release(&self.env, &screen.counters, &request.id).await;
            let rule = screen.decision.rule.as_deref().unwrap_or("");
            review::record_block(
                &self.env,
                &merchant.id,
                livemode,
                &request.id,
                &new,
                rule,
                real,
            )
            .await?;
            return Err(screen::blocked_error());
        }
        let review = (screen.decision.action == vale_shared::risk::Action::Review).then(|| {
            review::VoucherReview {
                id: review::review_id(&request.id),
                reason: screen.decision.rule.clone().unwrap_or_default(),
                status: review::ReviewStatus::Open,
                closed_at: None,
            }
        });
        let issued = self
            .issue(
                merchant,
                livemode,
                new,
                request,
                real,
                Risked {
                    counters: screen.counters.clone(),
                    review,
                    sold,
                },
            )
            .await;
        if issued.is_err() {
            screen::release(&self.env, &screen.counters, &request.id).await;
        }
        issued
    }

    /// The shortest `expires_at` ahead: the contract's 15 minutes, or
    /// `VALE_MIN_LIFETIME_SECONDS` (tests only: a test watches a voucher expire in
    /// seconds, live mode included, where there is no sandbox clock).
    pub(super) fn min_lifetime(&self) -> Duration {
        self.env
            .var("VALE_MIN_LIFETIME_SECONDS")
            .ok()
            .and_then(|v| v.to_string().parse::<u16>().ok())
            .map_or(vale_shared::expiry::MIN_LIFETIME, |s| {
                Duration::seconds(i64::from(s))
            })
    }

    /// The stored answer when this object already holds the create (same key and body),
    /// or the refusal of a reuse with another body (`422`).
    fn replay(&self, scope: &Scope, request: &CreateRequest) -> ApiResult<Option<Created>> {
        if !self.has_schema()? {
            return Ok(None);
        }
        #[derive(Deserialize)]
        struct Answer {
            request_hash: String,
            response: String,
        }
        let answer: Option<Answer> = self
            .shell
            .sql
            .exec("SELECT request_hash, response FROM voucher", None)?
            .to_array()?
            .into_iter()
            .next();
        let Some(answer) = answer else {
            return Ok(None);
        };
        // The voucher exists: it must be this scope's (the key was this merchant's and mode's).
        self.loaded(scope)?;
        if !same_request(&answer.request_hash, &request.request_hash) {
            return Err(key_reused());
        }
        Ok(Some(Created {
            replayed: true,
            voucher: RawValue::from_string(answer.response)?,
        }))
    }

    /// Claims a payment code in the merchant's index and stores the voucher.
    async fn issue(
        &self,
        merchant: &Merchant,
        livemode: bool,
        new: NewVoucher,
        request: &CreateRequest,
        real: OffsetDateTime,
        risk: Risked,
    ) -> ApiResult<Created> {
        let id = request.id.clone();
        // Live PagoEfectivo issues its CIP here (an await: the lease holds the key); a
        // failure stores nothing and frees the key for a retry.
        let concept = format!("{} · Pedido {}", merchant.name, new.reference);
        let rail = Rails::of(merchant, new.network, Mode::of(livemode));
        let owner = orphans::Owner {
            merchant: merchant.id.clone(),
            livemode,
        };
        let issued = match rail
            .issue(&Order {
                voucher_id: id.as_str(),
                amount: new.amount,
                expires_at: new.expires_at,
                concept: &concept,
                customer: &new.customer,
            })
            .await
        {
            Ok(issued) => issued,
            Err(NotIssued { error, late }) => {
                // The answer did not come in time: if it comes later, its CIP was shown
                // to no one and goes (review M1).
                if let Some(late) = late {
                    let (env, storage, sql) =
                        (self.env.clone(), self.storage(), self.shell.sql.clone());
                    worker::wasm_bindgen_futures::spawn_local(async move {
                        if let Some(cip) = late.await {
                            orphans::discard(&env, &storage, &sql, &owner, &cip).await;
                        }
                    });
                }
                return Err(error);
            }
        };
        let codes = issued.candidates.clone();
        let stored = self
            .store(merchant, livemode, new, request, real, risk, issued)
            .await;
        // A CIP issued upstream that the stored voucher does not hold (a resumed attempt
        // finished first, or the index gave back the code an earlier attempt claimed) is
        // an orphan: deleted there (review M1). After a failure nothing is deleted: the
        // index may hold this CIP for the retry to resume with.
        if stored.is_ok() && rail.can_query() {
            for cip in &codes {
                orphans::discard(&self.env, &self.storage(), &self.shell.sql, &owner, cip).await;
            }
        }
        stored
    }

    /// Claims the issued code in the merchant's index and stores the voucher (or answers
    /// the attempt that finished meanwhile).
    #[allow(clippy::too_many_arguments)]
    async fn store(
        &self,
        merchant: &Merchant,
        livemode: bool,
        new: NewVoucher,
        request: &CreateRequest,
        real: OffsetDateTime,
        risk: Risked,
        issued: crate::networks::rail::Issued,
    ) -> ApiResult<Created> {
        let Risked {
            counters: risk_counters,
            review,
            sold,
        } = risk;
        let id = request.id.clone();
        // Reload after the await: a resumed attempt may have finished meanwhile.
        let scope = Scope::merchant(&merchant.id, Mode::of(livemode));
        if let Some(replay) = self.replay(&scope, request)? {
            return Ok(replay);
        }
        let candidates = issued.candidates;
        let window = merchant.confirmation_window(new.network);
        let life = Life::pending(new.expires_at, window);
        let created_at = real.replace_nanosecond(0).unwrap_or(real);
        let wake = life.window_ends_at();
        let claim = ledger::Command::Claim {
            livemode,
            network: new.network,
            candidates,
            reference: new.reference.clone(),
            created_at: created_at.unix_timestamp(),
            row: IndexRow {
                id: id.clone(),
                version: 1,
                status: VoucherStatus::Pending.as_str().to_owned(),
                wake_at_ms: clock::millis(wake),
                paid_ms: None,
            },
        };
        let claimed: Claimed = LedgerClient::of(&self.env, &merchant.id)?
            .call(&claim)
            .await?;
        // Reload after the await: a resumed attempt may have finished meanwhile.
        if let Some(replay) = self.replay(&scope, request)? {
            return Ok(replay);
        }
        let barcode = new
            .network
            .barcode(
                &claimed.payment_code,
                new.amount,
                new.expires_at,
                // Test vouchers never carry the live agreement (review L6).
                merchant.efecty(Mode::of(livemode)).gln.as_deref(),
            )
            .map_err(|e| ApiError::internal(format!("barcode: {e}")))?;
        let stored = Stored {
            id,
            merchant: merchant.id.clone(),
            livemode,
            network: new.network,
            amount: new.amount,
            payment_code: claimed.payment_code,
            issued: store::Issued {
                reference: new.reference,
                description: new.description,
                barcode,
                customer: new.customer,
                metadata: new.metadata,
                return_url: new.return_url,
                origin: request.origin.clone(),
                network_url: issued.network_url,
                risk_counters,
                review,
                market: sold,
            },
            created_at,
            life,
            clock_offset: Duration::ZERO,
            version: 1,
            indexed_version: 1,
            index_failures: 0,
            refunds: store::RefundTotals::default(),
        };
        let config = self.config()?;
        let response = json(&stored.render_json(config.server_key.expose().as_bytes(), &[])?)?;
        let opened = match stored.review() {
            Some(review) => Some(json(&review)?),
            None => None,
        };
        let now_ms = crate::runtime::clock::millis(real);
        // The schema, the voucher and its first answer: one transaction, after the last await.
        let (answer, hash) = (response.clone(), request.request_hash.clone());
        let stored = self.write(stored, now_ms, move |tx, row| {
            let sql = tx.sql;
            storage::migrate_within(sql, MIGRATIONS)?;
            row.insert(sql)?;
            if let Some(opened) = &opened {
                row.emit_data(sql, EventType::ReviewOpened, "review", opened, now_ms)?;
            }
            sql.exec(
                "UPDATE voucher SET response = ?, request_hash = ?",
                vec![text(&answer), text(&hash)],
            )?;
            Ok(())
        })?;
        self.shell.created();
        self.after_write(&stored).await?;
        Ok(Created {
            replayed: false,
            voucher: RawValue::from_string(response)?,
        })
    }
}
