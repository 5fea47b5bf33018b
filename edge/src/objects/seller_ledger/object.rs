//! `SellerLedger`: the Durable Object and its dispatch.

use super::protocol::Command;
use super::{accounts, book, payouts, reserve, store};
use crate::http::error::ApiResult;
use crate::runtime::{rpc, storage};
use std::cell::Cell;
use worker::{DurableObject, Env, Request, Response, Result, SqlStorage, State, durable_object};

/// One platform's sellers in one mode.
#[durable_object]
pub struct SellerLedger {
    state: State,
    sql: SqlStorage,
    ready: Cell<bool>,
}

impl std::fmt::Debug for SellerLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SellerLedger")
    }
}

impl DurableObject for SellerLedger {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        SellerLedger {
            state,
            sql,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let result = match rpc::command::<Command>(&mut req).await {
            Ok(command) => self.run(command),
            Err(e) => Err(e),
        };
        Ok(rpc::reply(result))
    }
}

impl SellerLedger {
    /// Runs one command synchronously: no `await` between its reads and its writes.
    fn run(&self, command: Command) -> ApiResult<String> {
        if !self.ready.get() {
            storage::migrate(&self.state.storage(), &self.sql, store::MIGRATIONS)?;
            self.ready.set(true);
        }
        let now = crate::runtime::clock::millis(crate::runtime::clock::now());
        let storage = self.state.storage();
        let answer = match command {
            Command::CreateAccount {
                account,
                idempotency,
            } => accounts::create(&storage, &self.sql, account, idempotency, now)?,
            Command::UpdateAccount { id, body } => {
                accounts::update(&storage, &self.sql, id, body, now)?
            }
            Command::DisableAccount { id } => accounts::disable(&storage, &self.sql, id, now)?,
            Command::GetAccount { id } => accounts::get(&self.sql, &id)?.to_json(),
            Command::ListAccounts(query) => accounts::list(&self.sql, &query)?,
            Command::Reserve(reservation) => {
                reserve::reserve(&storage, &self.sql, reservation, now)?
            }
            Command::Release { voucher, forget } => {
                reserve::release(&storage, &self.sql, voucher, forget)?
            }
            Command::Feed(facts) => book::feed(&storage, &self.sql, facts, now)?,
            Command::Balance {
                whose,
                livemode,
                currencies,
            } => book::balance(&self.sql, &whose, livemode, &currencies)?,
            Command::Transactions {
                whose,
                limit,
                starting_after,
            } => book::transactions(&self.sql, &whose, limit, starting_after.as_deref())?,
            Command::Payout(manual) => payouts::make(&storage, &self.sql, manual, now)?,
            Command::ClosePayout { id, how, livemode } => {
                payouts::close(&storage, &self.sql, id, how, livemode, now)?
            }
            Command::GetPayout { id, livemode } => payouts::get(&self.sql, &id, livemode)?,
            Command::PayoutLines { from_ms, to_ms } => {
                payouts::file_lines(&self.sql, from_ms, to_ms)?
            }
            Command::Statement { account, from, to } => {
                accounts::get(&self.sql, &account)?;
                book::statement(&self.sql, &account, &from, &to)?
            }
            Command::RunPayouts { day } => payouts::run(&storage, &self.sql, day, now)?,
            Command::ListVouchers {
                account,
                limit,
                starting_after,
            } => reserve::list(&self.sql, &account, limit, starting_after.as_deref())?,
        };
        Ok(answer.to_string())
    }
}
