//! The `Ledger` Durable Object: the commands of [`super::protocol::Command`], each a
//! one-line call to its family's handler (`index`, `settled`, `refund_rows`,
//! `review_rows`, `wakeups`).
//!
//! Each command runs synchronously against SQLite with no `await` between its reads and
//! writes, inside one transaction: all of it commits, or none.

use super::protocol::Command;
use super::store::MIGRATIONS;
use super::{index, refund_rows, review_rows, settled, wakeups};
use crate::http::error::ApiResult;
use crate::objects::shell::{self, Object, SqlShell};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

/// A merchant's index of payment codes, listing rows and wake-ups.
#[durable_object]
#[derive(Debug)]
pub struct Ledger {
    pub(super) shell: SqlShell,
}

impl DurableObject for Ledger {
    fn new(state: State, _env: Env) -> Self {
        Ledger {
            shell: SqlShell::new(state, MIGRATIONS, "voucher"),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }
}

impl Object for Ledger {
    type Protocol = Command;

    async fn answer(&self, command: Command) -> ApiResult<String> {
        self.run(command)
    }
}

impl Ledger {
    fn run(&self, command: Command) -> ApiResult<String> {
        self.shell.migrated()?;
        match command {
            Command::Claim {
                livemode,
                network,
                candidates,
                reference,
                created_at,
                row,
            } => index::claim(
                &self.shell,
                livemode,
                network,
                candidates,
                reference,
                created_at,
                row,
            ),
            Command::Update { row, refunds } => index::update(&self.shell, row, refunds),
            Command::LookupMany {
                livemode,
                network,
                codes,
            } => settled::lookup_many(&self.shell, livemode, network, codes),
            Command::PaidIn {
                livemode,
                network,
                from_ms,
                to_ms,
            } => settled::paid_in(&self.shell, livemode, network, from_ms, to_ms),
            Command::MarkSettled { ids } => settled::mark_settled(&self.shell, ids),
            Command::Unsettled {
                livemode,
                paid_before_ms,
                limit,
            } => settled::unsettled(&self.shell, livemode, paid_before_ms, limit),
            Command::Digest {
                livemode,
                day,
                paid_before_ms,
                now_ms,
            } => settled::digest(&self.shell, livemode, day, paid_before_ms, now_ms),
            Command::LatestDigest { livemode } => settled::latest_digest(&self.shell, livemode),
            Command::ListRefunds {
                livemode,
                status,
                limit,
                starting_after,
            } => refund_rows::list_refunds(&self.shell, livemode, status, limit, starting_after),
            Command::RefundsPrepared {
                livemode,
                from_ms,
                to_ms,
                limit,
                starting_after,
            } => refund_rows::refunds_prepared(
                &self.shell,
                livemode,
                from_ms,
                to_ms,
                limit,
                starting_after,
            ),
            Command::ClaimRefundKey {
                livemode,
                key_hash,
                voucher,
            } => refund_rows::claim_refund_key(&self.shell, livemode, key_hash, voucher),
            Command::ReleaseRefundKey { key_hash, voucher } => {
                refund_rows::release_refund_key(&self.shell, key_hash, voucher)
            }
            Command::PutReview {
                livemode,
                id,
                status,
                created_ms,
                body,
            } => review_rows::put_review(&self.shell, livemode, id, status, created_ms, body),
            Command::ListReviews {
                livemode,
                status,
                limit,
                starting_after,
            } => review_rows::list_reviews(&self.shell, livemode, status, limit, starting_after),
            Command::GetReview { livemode, id } => {
                review_rows::get_review(&self.shell, livemode, id)
            }
            Command::Remove { id } => index::remove(&self.shell, id),
            Command::Lookup {
                livemode,
                network,
                payment_code,
            } => index::lookup(&self.shell, livemode, network, payment_code),
            Command::List(query) => index::list(&self.shell, query),
            Command::ToAsk {
                network,
                created_before,
                asked_before_ms,
                now_ms,
                limit,
            } => wakeups::to_ask(
                &self.shell,
                network,
                created_before,
                asked_before_ms,
                now_ms,
                limit,
            ),
            Command::Overdue { now_ms, limit } => wakeups::overdue(&self.shell, now_ms, limit),
        }
    }
}
