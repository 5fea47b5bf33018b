//! SQLite storage for the Durable Objects: small helpers over `worker`'s `SqlStorage`, and
//! the one piece of raw JS glue they need, `storage.transactionSync`, which `worker` 0.8
//! does not bind. It runs a closure as one SQLite transaction: every statement commits
//! together or, when the closure fails, none does. Bound by hand because no crate has it.

use crate::http::error::{ApiError, ApiResult};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::{Closure, JsValue, wasm_bindgen};
use worker::{SqlStorage, SqlStorageValue, Storage};

#[wasm_bindgen]
extern "C" {
    /// The runtime's `DurableObjectStorage`, seen only for `transactionSync`.
    #[wasm_bindgen(extends = js_sys::Object)]
    type SyncStorage;

    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync(this: &SyncStorage, body: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// Runs `body` against `sql` as one transaction: all its writes or none.
pub fn atomically<T: 'static>(
    storage: &Storage,
    sql: &SqlStorage,
    body: impl FnOnce(&SqlStorage) -> ApiResult<T> + 'static,
) -> ApiResult<T> {
    let outcome: Rc<RefCell<Option<ApiResult<T>>>> = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&outcome);
    let sql = sql.clone();
    let closure = Closure::once(move || -> Result<JsValue, JsValue> {
        let result = body(&sql);
        let failed = result.is_err();
        *slot.borrow_mut() = Some(result);
        // Throwing is how the runtime learns to roll back.
        if failed {
            Err(JsValue::from_str("rolled back"))
        } else {
            Ok(JsValue::UNDEFINED)
        }
    });
    let raw: &SyncStorage = storage.as_raw().unchecked_ref();
    let thrown = raw
        .transaction_sync(closure.as_ref().unchecked_ref())
        .is_err();
    let result = outcome.borrow_mut().take();
    match result {
        Some(result) => result,
        None if thrown => Err(ApiError::internal(
            "transactionSync failed before its body ran",
        )),
        None => Err(ApiError::internal("transactionSync did not run its body")),
    }
}

/// A text binding.
pub fn text(s: &str) -> SqlStorageValue {
    SqlStorageValue::String(s.to_owned())
}

/// An integer binding.
pub fn int(n: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(n)
}

/// A boolean binding (SQLite has none: 0 or 1).
pub fn flag(b: bool) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::from(b))
}

/// An optional text binding.
pub fn opt_text(s: Option<&str>) -> SqlStorageValue {
    s.map_or(SqlStorageValue::Null, text)
}

/// An optional integer binding.
pub fn opt_int(n: Option<i64>) -> SqlStorageValue {
    n.map_or(SqlStorageValue::Null, int)
}

/// The `seq` of row `id` in `table` (one of ours, never caller text): where a page that
/// starts after it begins. `400` naming `starting_after` when there is no such row.
pub fn cursor(sql: &SqlStorage, table: &'static str, id: &str, what: &str) -> ApiResult<i64> {
    #[derive(serde::Deserialize)]
    struct Seq {
        seq: i64,
    }
    sql.exec(
        &format!("SELECT seq FROM {table} WHERE id = ?"),
        vec![text(id)],
    )?
    .to_array::<Seq>()?
    .first()
    .map(|s| s.seq)
    .ok_or_else(|| {
        ApiError::invalid(
            "starting_after",
            "resource_missing",
            format!("starting_after is not {what}."),
        )
    })
}

/// Whether a table of this name exists: reads only, so probing an unknown object's
/// storage leaves nothing behind.
pub fn has_table(sql: &SqlStorage, name: &str) -> ApiResult<bool> {
    let found = sql
        .exec(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![text(name)],
        )?
        .to_array::<serde_json::Value>()?;
    Ok(!found.is_empty())
}

/// Brings an object's schema to the newest version in one transaction.
pub fn migrate(
    storage: &Storage,
    sql: &SqlStorage,
    steps: &'static [&'static str],
) -> ApiResult<()> {
    atomically(storage, sql, move |sql| migrate_within(sql, steps))
}

/// Brings an object's schema to the newest version inside the caller's transaction:
/// `steps[i]` takes it from version `i` to `i + 1`, and every pending step runs with the
/// version bump as one script (a new object's whole schema is one statement batch, so
/// its first write can be the same commit as its schema).
pub fn migrate_within(sql: &SqlStorage, steps: &'static [&'static str]) -> ApiResult<()> {
    #[derive(serde::Deserialize)]
    struct Version {
        version: i64,
    }
    let current = if has_table(sql, "schema_version")? {
        sql.exec("SELECT version FROM schema_version", None)?
            .to_array::<Version>()?
            .first()
            .map_or(0, |v| v.version)
    } else {
        0
    };
    let newest = i64::try_from(steps.len()).unwrap_or(i64::MAX);
    if current > newest {
        return Err(ApiError::internal("storage is newer than this code"));
    }
    if current == newest {
        return Ok(());
    }
    let mut script = String::new();
    for step in steps.iter().skip(usize::try_from(current).unwrap_or(0)) {
        script.push_str(step.trim().trim_end_matches(';'));
        script.push_str(";\n");
    }
    script.push_str(&format!(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
         DELETE FROM schema_version;
         INSERT INTO schema_version (version) VALUES ({newest});"
    ));
    sql.exec(&script, None)?;
    Ok(())
}
