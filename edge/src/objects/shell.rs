//! The one Durable Object shell, written once: every object is its protocol (the commands
//! it takes, [`Protocol`]) and its handlers ([`Object::answer`]); this file is the rest.
//!
//! - [`SqlShell`]: the object's SQLite storage, migrated once per instance (or, for an
//!   object that may be probed before it holds anything, only once it does);
//! - [`serve`]: a command in, the handler's JSON or the error in the contract's shape out;
//! - [`alarm`]: an alarm's failure handed back to the runtime, which retries it;
//! - [`Client`]: the typed client of one protocol, what the Worker and other objects use
//!   to ask an object.
//!
//! The wire itself (a `POST` of the JSON command, errors that pass through unchanged) is
//! `runtime::rpc`.

use crate::http::error::ApiResult;
use crate::runtime::{rpc, storage};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::marker::PhantomData;
use worker::{Env, Request, Response, SqlStorage, State, Storage, Stub};

/// What one kind of object takes: its command type, and the binding its namespace is
/// under in `wrangler.toml`.
pub trait Protocol: Serialize + DeserializeOwned {
    /// The Durable Object namespace's binding.
    const BINDING: &'static str;
}

/// An object's handlers: one command in, its JSON answer out.
pub(crate) trait Object {
    /// The commands it takes.
    type Protocol: Protocol;
    /// Answers one command (the JSON body, or an error in the contract's shape).
    async fn answer(&self, command: Self::Protocol) -> ApiResult<String>;
}

/// Serves one request to `object`: reads the command, runs its handler, answers.
pub(crate) async fn serve<O: Object>(object: &O, mut req: Request) -> worker::Result<Response> {
    let result = match rpc::command::<O::Protocol>(&mut req).await {
        Ok(command) => object.answer(command).await,
        Err(e) => Err(e),
    };
    Ok(rpc::reply(result))
}

/// An alarm's outcome for the runtime: a failure is an error, so the runtime retries the
/// alarm (with back-off); `what` names it in the error (the error's code, never its
/// message: no secret or customer data).
pub(crate) fn alarm(what: &str, result: ApiResult<()>) -> worker::Result<Response> {
    match result {
        Ok(()) => Response::ok(""),
        Err(e) => Err(worker::Error::RustError(format!(
            "{what} failed: {}",
            e.code
        ))),
    }
}

/// An answer as JSON.
pub(crate) fn json<T: Serialize>(value: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(value)?)
}

/// An object's SQLite storage and its schema: numbered migrations, each run once.
pub struct SqlShell {
    state: State,
    /// The object's SQLite.
    pub sql: SqlStorage,
    /// The schema, one step per version (never edit a step that has shipped: add one).
    migrations: &'static [&'static str],
    /// The table whose presence says the object holds something.
    table: &'static str,
    /// The schema is known to be up to date.
    ready: Cell<bool>,
    /// The schema was looked for and is not there. Only this instance writes this
    /// object's storage, and it says [`SqlShell::created`] when it creates the schema:
    /// once seen absent, absent it stays until then.
    absent: Cell<bool>,
}

impl std::fmt::Debug for SqlShell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlShell")
            .field("table", &self.table)
            .field("ready", &self.ready.get())
            .finish_non_exhaustive()
    }
}

impl SqlShell {
    /// The shell of an object whose schema is `migrations` and whose presence is the
    /// table `table`.
    pub fn new(state: State, migrations: &'static [&'static str], table: &'static str) -> Self {
        let sql = state.storage().sql();
        SqlShell {
            state,
            sql,
            migrations,
            table,
            ready: Cell::new(false),
            absent: Cell::new(false),
        }
    }

    /// The object's storage (transactions, alarms).
    pub fn storage(&self) -> Storage {
        self.state.storage()
    }

    /// The object's state (for its alarm).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Brings the schema up to date, creating it if need be (once per instance).
    pub fn migrated(&self) -> ApiResult<()> {
        if !self.ready.get() {
            storage::migrate(&self.storage(), &self.sql, self.migrations)?;
            self.created();
        }
        Ok(())
    }

    /// Whether the object holds anything (reads only: probing an unknown object leaves no
    /// storage behind), with its schema brought up to date if it does.
    pub fn existing(&self) -> ApiResult<bool> {
        if self.ready.get() {
            return Ok(true);
        }
        if self.absent.get() {
            return Ok(false);
        }
        if storage::has_table(&self.sql, self.table)? {
            self.migrated()?;
        } else {
            self.absent.set(true);
        }
        Ok(self.ready.get())
    }

    /// The schema was just created, in the caller's own transaction (a first write that
    /// is the same commit as its schema: `storage::migrate_within`).
    pub fn created(&self) {
        self.ready.set(true);
        self.absent.set(false);
    }

    /// The storage was deleted: the schema is looked for again before the next use.
    pub fn emptied(&self) {
        self.ready.set(false);
    }
}

/// The typed client of one kind of object: it sends only `P`'s commands, to the object
/// of one name.
pub struct Client<P> {
    stub: Stub,
    /// Log each request (`VALE_COUNT_HOPS`, local only: see [`rpc::Hops`]).
    hops: rpc::Hops,
    protocol: PhantomData<fn(&P)>,
}

impl<P> std::fmt::Debug for Client<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("stub", &self.stub).finish()
    }
}

impl<P: Protocol> Client<P> {
    /// The object named `name` in `P`'s namespace.
    pub fn named(env: &Env, name: &str) -> ApiResult<Self> {
        let stub = env
            .durable_object(P::BINDING)?
            .id_from_name(name)?
            .get_stub()?;
        Ok(Client {
            stub,
            hops: rpc::Hops::of(env, P::BINDING),
            protocol: PhantomData,
        })
    }

    /// Sends a command and reads its answer.
    pub async fn call<T: DeserializeOwned>(&self, command: &P) -> ApiResult<T> {
        rpc::call(&self.stub, self.hops, command).await
    }

    /// Sends a command and answers the body as text (JSON passed on as-is).
    pub async fn text(&self, command: &P) -> ApiResult<String> {
        rpc::call_text(&self.stub, self.hops, command).await
    }
}
