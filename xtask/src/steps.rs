//! `cargo xtask test [lint|shared|widget|edge|e2e] [-- FILTER]`: every check (or one
//! part's), in an order where each step's prerequisites come first, with one tally at the
//! end. A step that fails does not stop the ones that do not depend on it, so one run shows
//! every failure. The edge and end-to-end tests share one edge (`SharedEdge`).

use crate::build::{self, cargo};
use crate::tools::{self, Result, Tools};
use crate::wrangler::SharedEdge;
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

/// Node's test runner over every `*.test.mjs` in `dir`, one file at a time (the edges some
/// files start for a configuration of their own take the next free port), on the shared
/// edge when there is one (`VALE_EDGE_URL`: tests/support/fixtures.mjs's `useEdge()`),
/// only the tests whose names match `filter` when given.
fn node_tests(
    root: &Path,
    tools: &Tools,
    dir: &str,
    edge: Option<&SharedEdge>,
    filter: Option<&str>,
) -> Command {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|f| f.to_string_lossy().ends_with(".test.mjs"));
    files.sort();
    let mut command = Command::new(tools.node());
    command.args(["--test", "--test-concurrency=1", "--test-reporter=spec"]);
    if let Some(pattern) = filter {
        command.arg(format!("--test-name-pattern={pattern}"));
    }
    command
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
    match edge {
        Some(edge) => command.env("VALE_EDGE_URL", &edge.url),
        None => command.env_remove("VALE_EDGE_URL"),
    };
    command
}

/// A part of `cargo xtask test`; none named runs them all, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// rustfmt and both clippy runs.
    Lint,
    /// The shared crate's native tests and doctests, and its unit tests on wasm32.
    Shared,
    /// The widget's native tests and its tests in headless Chromium.
    Widget,
    /// The edge's native tests, its release build and tests/edge against workerd.
    Edge,
    /// Widget and edge release builds and tests/e2e in Chromium.
    E2e,
}

impl Part {
    const ALL: [Part; 5] = [
        Part::Lint,
        Part::Shared,
        Part::Widget,
        Part::Edge,
        Part::E2e,
    ];

    fn name(self) -> &'static str {
        match self {
            Part::Lint => "lint",
            Part::Shared => "shared",
            Part::Widget => "widget",
            Part::Edge => "edge",
            Part::E2e => "e2e",
        }
    }
}

/// What `cargo xtask test [PART] [-- FILTER]` asked for: the parts to run and the filter
/// (a test-name substring for cargo, a `--test-name-pattern` for Node).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    parts: Vec<Part>,
    filter: Option<String>,
}

impl Request {
    fn parse(args: &[String]) -> Result<Request> {
        let (before, after) = match args.iter().position(|a| a == "--") {
            Some(at) => {
                let (before, rest) = args.split_at(at);
                (before, rest.get(1..).unwrap_or_default())
            }
            None => (args, &[][..]),
        };
        let filter = match after {
            [] => None,
            [one] => Some(one.clone()),
            more => return Err(format!("one filter after `--`, not {}", more.len())),
        };
        let parts = match before {
            [] => Part::ALL.to_vec(),
            [name] => vec![
                *Part::ALL
                    .iter()
                    .find(|p| p.name() == name)
                    .ok_or_else(|| format!("unknown part `{name}` (try {})", Self::names()))?,
            ],
            _ => return Err(format!("at most one part ({})", Self::names())),
        };
        if filter.is_some() && parts == [Part::Lint] {
            return Err("the lint part takes no filter".into());
        }
        Ok(Request { parts, filter })
    }

    fn names() -> String {
        Part::ALL.map(Part::name).join(", ")
    }
}

/// `cargo xtask test [shared|widget|edge|e2e|lint] [-- FILTER]`.
pub fn test(root: &Path, args: &[String]) -> Result {
    let request = Request::parse(args)?;
    let filter = request.filter.as_deref();
    let tools = tools::ensure_build_tools(root)?;
    tools::ensure_test_packages()?;
    let mut total = Tally::default();
    let t = &mut total;
    let run = |part| request.parts.contains(&part);
    // A filter goes after cargo's `--`, to libtest or wasm-bindgen-test-runner.
    let filtered = |command: &mut Command| {
        if let Some(f) = filter {
            command.args(["--", f]);
        }
    };

    if run(Part::Lint) {
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
        clippy_wasm.args([
            "-p",
            "vale-shared",
            "-p",
            "vale-views",
            "-p",
            "vale-widget",
            "-p",
            "vale-edge",
            "-p",
            "vale-dashboard",
        ]);
        clippy_wasm.args(["--", "-D", "warnings"]);
        step(
            t,
            "clippy (wasm32: shared, views, widget, edge, dashboard)",
            &mut clippy_wasm,
        );
    }

    if request.parts.len() == Part::ALL.len() {
        // Every crate's native unit tests and doctests (the widget's and edge's pure logic
        // too), xtask's included, in one cargo run.
        let mut host_tests = cargo(root, &["test", "--workspace"]);
        filtered(&mut host_tests);
        step(t, "native tests and doctests (all crates)", &mut host_tests);
    } else {
        for (part, package) in [
            (Part::Shared, "vale-shared"),
            (Part::Widget, "vale-widget"),
            (Part::Widget, "vale-views"),
            (Part::Edge, "vale-edge"),
        ] {
            if run(part) {
                let mut host_tests = cargo(root, &["test", "-p", package]);
                filtered(&mut host_tests);
                step(
                    t,
                    &format!("native tests and doctests ({package})"),
                    &mut host_tests,
                );
            }
        }
    }
    if run(Part::Shared) {
        // The shared crate's unit tests again, compiled to wasm32 (the zbar test and the
        // doctests need a process and a native host, so they run natively only).
        let shared_wasm = &mut wasm_test(root, &tools, "vale-shared", &["--lib"]);
        filtered(shared_wasm);
        step(t, "shared unit tests on wasm32 (Node)", shared_wasm);
    }
    if run(Part::Widget) {
        let widget_wasm = &mut wasm_test(root, &tools, "vale-widget", &[]);
        filtered(widget_wasm);
        step(t, "widget tests in headless Chromium", widget_wasm);
    }

    if run(Part::Edge) || run(Part::E2e) {
        let widget = run(Part::E2e)
            && check(t, "build widget (release)", || {
                build::build_widget(root, &tools)
                    .and_then(|()| crate::dashboard::build(root, &tools))
            });
        let edge = check(t, "build edge (release)", || {
            build::build_edge(root, &tools)
        });
        // One edge on the default configuration for every test file that uses it; the
        // files with a configuration of their own start theirs.
        let log = build::target_dir(root).join("shared-edge.log");
        let shared = edge.then(|| {
            let mut started = None;
            check(t, "start the shared edge", || {
                started = Some(SharedEdge::start(root, &tools, &log)?);
                Ok(())
            });
            started
        });
        let shared = shared.flatten();
        if let Some(edge) = &shared {
            println!(
                "shared edge: {} (wrangler's output: {})",
                edge.url,
                log.display()
            );
        }
        if run(Part::Edge) && shared.is_some() {
            let node = &mut node_tests(root, &tools, "tests/edge", shared.as_ref(), filter);
            step(t, "edge tests against workerd", node);
        }
        if run(Part::E2e) && widget && shared.is_some() {
            let node = &mut node_tests(root, &tools, "tests/e2e", shared.as_ref(), filter);
            step(t, "end-to-end browser tests", node);
        }
        drop(shared);
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
    fn a_part_and_a_filter_are_read_and_nothing_named_is_everything() {
        let args = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            Request::parse(&args("")).unwrap(),
            Request {
                parts: Part::ALL.to_vec(),
                filter: None
            }
        );
        assert_eq!(
            Request::parse(&args("e2e -- refund")).unwrap(),
            Request {
                parts: vec![Part::E2e],
                filter: Some("refund".into())
            }
        );
        assert_eq!(
            Request::parse(&args("-- paid")).unwrap(),
            Request {
                parts: Part::ALL.to_vec(),
                filter: Some("paid".into())
            }
        );
        for part in Part::ALL {
            assert_eq!(Request::parse(&args(part.name())).unwrap().parts, [part]);
        }
        for bad in ["everything", "edge e2e", "edge -- a b", "lint -- x"] {
            assert!(Request::parse(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_summary_is_none() {
        assert_eq!(tally_of(&lines("Finished `dev` profile\n")), None);
    }
}
