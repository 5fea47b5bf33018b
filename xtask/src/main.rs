//! Vale's developer commands, run as `cargo xtask <command>` from anywhere in the repo.
//!
//! - `dev`: install what is missing, build widget and edge, serve everything on
//!   `http://127.0.0.1:8787` with local state (and the synthetic points sample). Ctrl-C
//!   stops it.
//! - `test [lint|shared|widget|edge|e2e] [-- FILTER]`: install what is missing, then every
//!   check and test (or one part's, only the tests whose names match FILTER); the last line
//!   is `N passed, N failed` and the exit code is non-zero on any failure.
//! - `build [widget]`: the widget into `www/widget/` (and, with no argument, the edge).
//! - `bench`: sizes of the widget and the edge, the shared crate's benchmarks, and the
//!   edge's latency and throughput under `wrangler dev` (`bench edge`: only that last part).
//! - `places import FILE --network efecty|pagoefectivo [--remote] [--attribution TEXT]`:
//!   checks a network's points file and replaces its points (local, or the deployed D1).

mod build;
mod d1;
mod dashboard;
mod places;
mod short_names;
mod steps;
mod tools;
mod wasm_names;
mod wrangler;

use std::path::PathBuf;
use std::process::ExitCode;

/// The repository root (the parent of this crate's folder).
fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "dev" => build::dev(&root()),
        "test" => steps::test(&root(), &std::env::args().skip(2).collect::<Vec<_>>()),
        "build" => build::build(&root(), std::env::args().nth(2).as_deref()),
        "bench" => build::bench(&root(), std::env::args().nth(2).as_deref()),
        "places" => places::command(&root(), &std::env::args().skip(2).collect::<Vec<_>>()),
        _ => {
            eprintln!(
                "usage: cargo xtask <dev|test [lint|shared|widget|edge|e2e] [-- FILTER]|build [widget]|bench [edge|widget]|places import FILE --network N [--remote]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask {command}: {error}");
            ExitCode::FAILURE
        }
    }
}
