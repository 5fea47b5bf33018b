//! `wrangler d1 …` against the local database while an edge has it open.
//!
//! A running workerd holds SQLite's lock while it writes, and wrangler's local D1 gives up
//! at once with `SQLITE_BUSY` ("database is locked") instead of waiting for it (CI run 6,
//! at load average 15: `cargo xtask places import` failed applying the migrations beside
//! the test's edge). The lock is held for milliseconds, so the same command is run again a
//! few times, waiting a little longer each time; any other failure is answered at once.

use crate::tools::Result;
use std::process::{Command, Output};
use std::time::Duration;

/// How many times a command that met a locked database is run in all.
const ATTEMPTS: u32 = 8;

/// Whether wrangler's output says the database was locked by someone else.
pub fn is_busy(output: &Output) -> bool {
    [&output.stdout, &output.stderr].iter().any(|bytes| {
        let text = String::from_utf8_lossy(bytes);
        text.contains("SQLITE_BUSY") || text.contains("database is locked")
    })
}

/// Runs the command `make` builds until it does not meet a locked database (at most
/// [`ATTEMPTS`] times, 0.25 s more between each), answering its last output.
pub fn output(what: &str, mut make: impl FnMut() -> Command) -> Result<Output> {
    let mut attempt = 1;
    loop {
        let out = make().output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() || !is_busy(&out) || attempt == ATTEMPTS {
            return Ok(out);
        }
        std::thread::sleep(Duration::from_millis(250 * u64::from(attempt)));
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;

    fn out(code: i32, stdout: &str, stderr: &str) -> Output {
        Output {
            status: ExitStatus::from_raw(code << 8),
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn a_locked_database_is_told_apart_from_other_failures() {
        assert!(is_busy(&out(
            1,
            "",
            "e = workerd/util/sqlite.c++:910: failed: SQLite failed; dbErrorMessage(prepareResult, db) = database is locked: SQLITE_BUSY"
        )));
        assert!(is_busy(&out(1, "database is locked", "")));
        assert!(!is_busy(&out(1, "", "no such table: place")));
        assert!(!is_busy(&out(0, "ok", "")));
    }

    #[test]
    fn a_busy_command_is_run_again_and_another_failure_is_not() {
        let mut runs = 0;
        let answer = output("sh", || {
            runs += 1;
            let mut c = Command::new("sh");
            let script = if runs < 3 {
                "echo SQLITE_BUSY >&2; exit 1"
            } else {
                "echo done"
            };
            c.args(["-c", script]);
            c
        })
        .unwrap();
        assert!(answer.status.success());
        assert_eq!(runs, 3);

        let mut runs = 0;
        let answer = output("sh", || {
            runs += 1;
            let mut c = Command::new("sh");
            c.args(["-c", "echo 'no such table' >&2; exit 1"]);
            c
        })
        .unwrap();
        assert!(!answer.status.success());
        assert_eq!(runs, 1);
    }
}
