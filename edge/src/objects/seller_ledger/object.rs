//! `SellerLedger`: the Durable Object and its dispatch.

use super::protocol::Command;
use super::{accounts, store};
use crate::http::error::ApiResult;
use crate::objects::shell::{self, Object, SqlShell};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

/// One platform's sellers in one mode.
#[durable_object]
#[derive(Debug)]
pub struct SellerLedger {
    shell: SqlShell,
}

impl DurableObject for SellerLedger {
    fn new(state: State, _env: Env) -> Self {
        SellerLedger {
            shell: SqlShell::new(state, store::MIGRATIONS, "account"),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        shell::serve(self, req).await
    }
}

impl Object for SellerLedger {
    type Protocol = Command;

    async fn answer(&self, command: Command) -> ApiResult<String> {
        self.run(command)
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
        };
        Ok(answer.to_string())
    }
}
