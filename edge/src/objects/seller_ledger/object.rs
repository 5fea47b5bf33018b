//! `SellerLedger`: the Durable Object and its dispatch.

use super::protocol::Command;
use super::{accounts, book, outbox, payouts, reserve, store};
use crate::http::error::ApiResult;
use crate::objects::shell::{self, Object, SqlShell};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

/// One platform's sellers in one mode.
#[durable_object]
#[derive(Debug)]
pub struct SellerLedger {
    shell: SqlShell,
    env: Env,
}

impl DurableObject for SellerLedger {
    fn new(state: State, env: Env) -> Self {
        SellerLedger {
            shell: SqlShell::new(state, store::MIGRATIONS, "account"),
            env,
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }
}

impl Object for SellerLedger {
    type Protocol = Command;

    async fn answer(&self, command: Command) -> ApiResult<String> {
        let Command::Scoped {
            merchant,
            livemode,
            command,
        } = command
        else {
            return self.run(command);
        };
        let answer = self.run(*command)?;
        // The change is written: its events go to the platform's events object now, or
        // with the next command (the cron's payout run asks every minute).
        if let Err(e) = outbox::forward(&self.env, &self.shell.sql, &merchant, livemode).await {
            worker::console_error!("seller ledger: forwarding events failed ({})", e.code);
        }
        Ok(answer)
    }
}

impl SellerLedger {
    /// Runs one command synchronously: no `await` between its reads and its writes.
    fn run(&self, command: Command) -> ApiResult<String> {
        self.shell.migrated()?;
        let now = crate::runtime::clock::millis(crate::runtime::clock::now());
        let storage = self.shell.storage();
        let answer = match command {
            Command::CreateAccount {
                account,
                idempotency,
            } => accounts::create(&storage, &self.shell.sql, account, idempotency, now)?,
            Command::UpdateAccount { id, body } => {
                accounts::update(&storage, &self.shell.sql, id, body, now)?
            }
            Command::DisableAccount { id } => {
                accounts::disable(&storage, &self.shell.sql, id, now)?
            }
            Command::GetAccount { id } => accounts::get(&self.shell.sql, &id)?.to_json(),
            Command::ListAccounts(query) => accounts::list(&self.shell.sql, &query)?,
            Command::Reserve(reservation) => {
                reserve::reserve(&storage, &self.shell.sql, reservation, now)?
            }
            Command::Release { voucher, forget } => {
                reserve::release(&storage, &self.shell.sql, voucher, forget)?
            }
            Command::Feed(facts) => book::feed(&storage, &self.shell.sql, facts, now)?,
            Command::Balance {
                whose,
                livemode,
                currencies,
            } => book::balance(&self.shell.sql, &whose, livemode, &currencies)?,
            Command::Transactions {
                whose,
                limit,
                starting_after,
            } => book::transactions(&self.shell.sql, &whose, limit, starting_after.as_deref())?,
            Command::Payout(manual) => payouts::make(&storage, &self.shell.sql, manual, now)?,
            Command::ClosePayout { id, how, livemode } => {
                payouts::close(&storage, &self.shell.sql, id, how, livemode, now)?
            }
            Command::GetPayout { id, livemode } => payouts::get(&self.shell.sql, &id, livemode)?,
            Command::PayoutLines { from_ms, to_ms } => {
                payouts::file_lines(&self.shell.sql, from_ms, to_ms)?
            }
            Command::Statement { account, from, to } => {
                accounts::get(&self.shell.sql, &account)?;
                book::statement(&self.shell.sql, &account, &from, &to)?
            }
            Command::RunPayouts { day } => payouts::run(&storage, &self.shell.sql, day, now)?,
            Command::ListVouchers {
                account,
                limit,
                starting_after,
            } => reserve::list(&self.shell.sql, &account, limit, starting_after.as_deref())?,
            Command::SharedOf { account, vouchers } => {
                reserve::shared_of(&self.shell.sql, &account, &vouchers)?
            }
            // Nested scopes run what they hold (the client never sends one).
            Command::Scoped { command, .. } => return self.run(*command),
        };
        Ok(answer.to_string())
    }
}
