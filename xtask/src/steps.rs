//! `cargo xtask test`: every check, in an order where each step's prerequisites come first,
//! with one tally at the end. A step that fails does not stop the ones that do not depend
//! on it, so one run shows every failure.

use crate::build::{self, cargo};
use crate::tools::{self, Result, Tools};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// Test counts read from a runner's own summary lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Reads the summaries of cargo's libtest and wasm-bindgen-test-runner (`test result: ok.
/// 5 passed; 1 failed; …`) and of Node's test runner (`ℹ pass 5`, `ℹ fail 1`).
fn tally_of(lines: &[String]) -> Option<Tally> {
    let mut tally = None::<Tally>;
    let number = |s: Option<&str>| s.and_then(|n| n.trim().parse::<u64>().ok());
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            let field = |name: &str| {
                rest.split(';')
                    .find_map(|part| number(part.trim().strip_suffix(name)))
            };
            let passed = field(" passed").or_else(|| {
                rest.split_once(". ")
                    .and_then(|(_, r)| number(r.split(' ').next()))
            });
            let t = tally.get_or_insert_default();
            t.passed += passed.unwrap_or(0);
            t.failed += field(" failed").unwrap_or(0);
        } else if let Some(n) = number(line.strip_prefix("ℹ pass ")) {
            tally.get_or_insert_default().passed += n;
        } else if let Some(n) = number(line.strip_prefix("ℹ fail ")) {
            tally.get_or_insert_default().failed += n;
        }
    }
    tally
}

/// Runs one step with its output streamed through, and counts it: by the runner's own
/// summary when it prints one, else as one check that passed or failed. Answers whether
/// the step succeeded.
fn step(total: &mut Tally, name: &str, command: &mut Command) -> bool {
    println!("\n== {name}");
    let started = Instant::now();
    let (ok, lines) = match stream(command) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("{name}: {error}");
            (false, Vec::new())
        }
    };
    let mut tally = tally_of(&lines).unwrap_or_default();
    if tally == Tally::default() || (!ok && tally.failed == 0) {
        // No summary, or a failure the summary does not show (a build error): one check.
        if ok {
            tally.passed += 1
        } else {
            tally.failed += 1
        }
    }
    let verdict = if ok { "ok" } else { "FAILED" };
    println!(
        "== {name}: {verdict} ({} passed, {} failed, {:.0?})",
        tally.passed,
        tally.failed,
        started.elapsed()
    );
    total.add(tally);
    ok
}

/// Runs an in-process step (a build) and counts it as one check.
fn check(total: &mut Tally, name: &str, work: impl FnOnce() -> Result) -> bool {
    println!("\n== {name}");
    let started = Instant::now();
    let result = work();
    if let Err(error) = &result {
        eprintln!("{name}: {error}");
    }
    let ok = result.is_ok();
    total.add(if ok {
        Tally {
            passed: 1,
            failed: 0,
        }
    } else {
        Tally {
            passed: 0,
            failed: 1,
        }
    });
    println!(
        "== {name}: {} ({:.0?})",
        if ok { "ok" } else { "FAILED" },
        started.elapsed()
    );
    ok
}

/// Runs `command`, echoing its stdout and stderr as they come and keeping the lines.
fn stream(command: &mut Command) -> Result<(bool, Vec<String>)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{command:?}: {e}"))?;
    let (sender, receiver) = mpsc::channel();
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    .map(|(index, pipe)| {
        let sender = sender.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(std::io::Result::ok) {
                if index == 0 {
                    println!("{line}")
                } else {
                    eprintln!("{line}")
                }
                let _ = sender.send(line);
            }
        })
    })
    .collect();
    drop(sender);
    let status = child.wait().map_err(|e| e.to_string())?;
    for reader in readers {
        let _ = reader.join();
    }
    Ok((status.success(), receiver.into_iter().collect()))
}

/// The wasm tests run under wasm-bindgen's runner: in headless Chromium for the widget
/// (`widget/webdriver.json` has the flags), in Node for the shared crate. `extra` narrows
/// which test targets run.
fn wasm_test(root: &Path, tools: &Tools, package: &str, extra: &[&str]) -> Command {
    let runner = tools
        .wasm_bindgen
        .with_file_name("wasm-bindgen-test-runner");
    let mut command = cargo(
        root,
        &["test", "--target", "wasm32-unknown-unknown", "-p", package],
    );
    command
        .args(extra)
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .current_dir(root.join(package.trim_start_matches("vale-")));
    command
}

/// Node's test runner over every `*.test.mjs` in `dir`, one file at a time (each starts
/// its own edge on the same port).
fn node_tests(root: &Path, tools: &Tools, dir: &str) -> Command {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|f| f.to_string_lossy().ends_with(".test.mjs"));
    files.sort();
    let mut command = Command::new(tools.node());
    command
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(&files)
        .current_dir(root)
        .env("PATH", tools.path_env())
        .env("VALE_ROOT", root)
        .env("VALE_ARTIFACTS", root.join("tests/artifacts"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        // The step before built widget and edge: `cargo xtask dev` (started by
        // tests/edge/dev.test.mjs) serves that build when nothing changed since.
        .env("VALE_DEV_SKIP_BUILD", "1");
    command
}

/// `cargo xtask test`.
pub fn test(root: &Path) -> Result {
    let tools = tools::ensure_build_tools(root)?;
    tools::ensure_test_packages()?;
    let mut total = Tally::default();
    let t = &mut total;

    step(t, "rustfmt", &mut cargo(root, &["fmt", "--all", "--check"]));
    let host = ["-p", "vale-shared", "-p", "xtask"];
    let mut clippy_host = cargo(root, &["clippy", "--all-targets"]);
    clippy_host.args(host).args(["--", "-D", "warnings"]);
    step(t, "clippy (native: shared, xtask)", &mut clippy_host);
    let mut clippy_wasm = cargo(
        root,
        &[
            "clippy",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    clippy_wasm.args(["-p", "vale-shared", "-p", "vale-widget", "-p", "vale-edge"]);
    clippy_wasm.args(["--", "-D", "warnings"]);
    step(t, "clippy (wasm32: shared, widget, edge)", &mut clippy_wasm);

    // Every crate's native unit tests and doctests (the widget's and edge's pure logic too).
    let mut host_tests = cargo(root, &["test", "--workspace"]);
    step(t, "native tests and doctests (all crates)", &mut host_tests);
    // The shared crate's unit tests again, compiled to wasm32 (the zbar test and the
    // doctests need a process and a native host, so they run natively only).
    let shared_wasm = &mut wasm_test(root, &tools, "vale-shared", &["--lib"]);
    step(t, "shared unit tests on wasm32 (Node)", shared_wasm);
    let widget_wasm = &mut wasm_test(root, &tools, "vale-widget", &[]);
    step(t, "widget tests in headless Chromium", widget_wasm);

    let widget = check(t, "build widget (release)", || {
        build::build_widget(root, &tools)
    });
    let edge = check(t, "build edge (release)", || {
        build::build_edge(root, &tools)
    });
    if edge {
        step(
            t,
            "edge tests against workerd",
            &mut node_tests(root, &tools, "tests/edge"),
        );
    }
    if widget && edge {
        step(
            t,
            "end-to-end browser tests",
            &mut node_tests(root, &tools, "tests/e2e"),
        );
    }

    println!("\n{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", total.failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn reads_cargo_and_node_summaries() {
        let out = lines(
            "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n\
             test result: FAILED. 3 passed; 2 failed; 0 ignored\n\
             ℹ tests 9\nℹ pass 8\nℹ fail 1\n",
        );
        assert_eq!(
            tally_of(&out),
            Some(Tally {
                passed: 23,
                failed: 3
            })
        );
    }

    #[test]
    fn no_summary_is_none() {
        assert_eq!(tally_of(&lines("Finished `dev` profile\n")), None);
    }
}
