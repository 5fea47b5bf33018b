//! Builds the two wasm products and runs them: the widget (for the browser) into
//! `www/widget/`, and the edge (Workers) with `worker-build` into `edge/build/`.

use crate::short_names;
use crate::tools::{self, Result, Tools, run};
use crate::wrangler::{Flags, Launch, wrangler_dev};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the builds put their output: `CARGO_TARGET_DIR` when set, else a cache outside the
/// clone (`~/.cache/vale/target`) so that a fresh clone on a machine that built Vale
/// before (CI right after a session) does not compile every dependency again.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/vale/target"))
                .unwrap_or_else(|| root.join("target"))
        })
}

/// `cargo` with the shared target directory, run from the root.
pub fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("cargo");
    command
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir(root));
    command
}

/// The widget's files as served: the entry module (the hand-written element bundled with
/// the wasm-bindgen glue) and the optimised wasm, named by its content
/// (`vale.<16 hex digits of its SHA-256>.wasm`) so it can be cached as immutable.
pub fn widget_files(root: &Path) -> Result<Vec<String>> {
    // The voucher's module only: the refund page's loads where a <vale-refund> is.
    let mut wasm: Vec<String> = std::fs::read_dir(root.join("www/widget"))
        .map_err(|e| format!("www/widget: {e}"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".wasm") && !name.starts_with("vale-refund."))
        .collect();
    if wasm.len() != 1 {
        return Err(format!(
            "www/widget holds {} wasm files, not one",
            wasm.len()
        ));
    }
    wasm.insert(0, "vale.js".into());
    Ok(wasm)
}

/// `vale.<16 hex digits of the SHA-256 of bytes>.wasm`.
fn hashed_name(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("vale.{hex}.wasm")
}

/// Release-builds the widget, binds it for `--target web`, shrinks it with `wasm-opt -Oz`,
/// gives its imports and exports short names in the wasm and the glue alike
/// ([`short_names`]), names the wasm by its content, and bundles `widget/js/vale.js` with
/// the glue into one minified `www/widget/vale.js` that loads that name (one request fewer
/// for a phone on 3G, and a wasm that never needs revalidating).
pub fn build_widget(root: &Path, tools: &Tools) -> Result {
    let out = root.join("www/widget");
    // Two modules from one crate: the voucher's, which every page with vale.js loads, and
    // the refund page's, loaded only where a <vale-refund> is.
    let mut names = Vec::new();
    for (feature, out_name, prefix) in [
        ("voucher", "vale_widget", "vale"),
        ("refund", "vale_refund", "vale-refund"),
    ] {
        run(&mut cargo(
            root,
            &[
                "build",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "vale-widget",
                "--no-default-features",
                "--features",
                feature,
            ],
        ))?;
        let wasm = target_dir(root).join("wasm32-unknown-unknown/release/vale_widget.wasm");
        run(Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                out_name,
                "--out-dir",
            ])
            .arg(&out)
            .arg(&wasm))?;
        let bg = out.join(format!("{out_name}_bg.wasm"));
        run(Command::new(&tools.wasm_opt)
            .args(["-Oz", "--converge", "--strip-debug", "--strip-producers"])
            .arg(&bg)
            .arg("-o")
            .arg(&bg))?;
        short_names::shorten(tools, &bg, &out.join(format!("{out_name}.js")))?;
        let bytes = std::fs::read(&bg).map_err(|e| format!("{}: {e}", bg.display()))?;
        let name = hashed_name(&bytes).replacen("vale.", &format!("{prefix}."), 1);
        std::fs::rename(&bg, out.join(&name)).map_err(|e| format!("naming the wasm: {e}"))?;
        names.push(name);
    }
    // Earlier builds' wasm files go: exactly these two are served, the ones vale.js names.
    for entry in std::fs::read_dir(&out).map_err(|e| format!("{}: {e}", out.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let keep = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| names.iter().any(|k| k == n));
        if path.extension().is_some_and(|x| x == "wasm") && !keep {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let entry = out.join("entry.js");
    std::fs::copy(root.join("widget/js/vale.js"), &entry)
        .map_err(|e| format!("copying widget/js/vale.js: {e}"))?;
    let [voucher, refund] = names.as_slice() else {
        return Err("the widget build made no two wasm files".into());
    };
    write_hosted_page(root, voucher)?;
    run(Command::new(&tools.esbuild)
        .arg(&entry)
        .args([
            "--bundle",
            "--minify",
            "--format=esm",
            "--target=es2020",
            "--log-level=warning",
        ])
        .arg(format!("--define:VALE_WASM=\"./{voucher}\""))
        .arg(format!("--define:VALE_REFUND_WASM=\"./{refund}\""))
        .arg(format!("--outfile={}", out.join("vale.js").display())))?;
    // The refund page's glue, a file of its own that vale.js imports only when needed.
    run(Command::new(&tools.esbuild)
        .arg(out.join("vale_refund.js"))
        .args([
            "--bundle",
            "--minify",
            "--format=esm",
            "--target=es2020",
            "--log-level=warning",
        ])
        .arg(format!(
            "--outfile={}",
            out.join("vale-refund.js").display()
        )))?;
    for helper in [
        entry,
        out.join("vale_widget.js"),
        out.join("vale_refund.js"),
    ] {
        std::fs::remove_file(&helper).map_err(|e| format!("{}: {e}", helper.display()))?;
    }
    Ok(())
}

/// Writes `www/widget/hosted.html`, the page the edge serves at `/v/{id}`: `www/hosted.html`
/// announcing the voucher's content-named wasm, so a phone starts downloading it with the
/// HTML instead of after `vale.js` arrived and ran (one round trip and vale.js's transfer
/// less on the critical path). The name is known only now, hence a generated page.
fn write_hosted_page(root: &Path, wasm: &str) -> Result {
    let template = std::fs::read_to_string(root.join("www/hosted.html"))
        .map_err(|e| format!("www/hosted.html: {e}"))?;
    let page = with_wasm_preload(&template, wasm)
        .ok_or("www/hosted.html has no <script> to put the wasm's preload before")?;
    let path = root.join("www/widget/hosted.html");
    std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))
}

/// `template` with a `<link rel=preload>` of `/widget/{wasm}` before its first `<script`.
/// `as="fetch"` with `crossorigin` matches the request wasm-bindgen's loader makes
/// (`fetch(url)`: CORS mode, same-origin credentials), so the browser reuses the preload.
fn with_wasm_preload(template: &str, wasm: &str) -> Option<String> {
    let at = template.find("<script")?;
    let (head, tail) = template.split_at(at);
    Some(format!(
        "{head}<link rel=\"preload\" href=\"/widget/{wasm}\" as=\"fetch\" \
         type=\"application/wasm\" crossorigin>\n  {tail}"
    ))
}

/// `cargo xtask build [widget|dashboard]`: the release widget, the dashboard and the edge;
/// `widget` or `dashboard` alone builds only that.
pub fn build(root: &Path, only: Option<&str>) -> Result {
    let tools = tools::ensure_build_tools(root)?;
    if only == Some("dashboard") {
        return crate::dashboard::build(root, &tools);
    }
    build_widget(root, &tools)?;
    match only {
        None => {
            crate::dashboard::build(root, &tools)?;
            build_edge(root, &tools)
        }
        Some("widget") => Ok(()),
        Some(other) => Err(format!(
            "unknown build `{other}` (try `widget` or `dashboard`)"
        )),
    }
}

/// Builds the worker with `worker-build --release`, pointed at the local tools (the ones
/// it would download cannot be reached here), then drops the function names worker-build
/// keeps in the wasm (`wasm_names`: about 95 KB of its gzip, read by nothing deployed).
pub fn build_edge(root: &Path, tools: &Tools) -> Result {
    run(Command::new(&tools.worker_build)
        .arg("--release")
        .current_dir(root.join("edge"))
        .env("CARGO_TARGET_DIR", target_dir(root))
        .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
        .env("WASM_OPT_BIN", &tools.wasm_opt)
        .env("ESBUILD_BIN", &tools.esbuild)
        .env("PATH", tools.path_env()))?;
    let wasm = root.join("edge/build/index_bg.wasm");
    let saved = crate::wasm_names::strip(&wasm)?;
    println!("edge: dropped the wasm's function names ({saved} B)");
    Ok(())
}

/// Applies edge/migrations to the local D1 database in `persist` (the reporting rows);
/// wrangler keeps track of what was applied, so running it again changes nothing.
pub fn apply_reports(root: &Path, tools: &Tools, persist: &Path) -> Result {
    let env = Flags::load(root)?.env_for(Launch::Quiet);
    let out = crate::d1::output("wrangler d1 migrations apply", || {
        let mut command = Command::new(tools.node());
        command
            .arg(&tools.wrangler)
            .args([
                "d1",
                "migrations",
                "apply",
                "vale-reports",
                "--local",
                "--config",
            ])
            .arg(root.join("edge/wrangler.toml"))
            .arg("--persist-to")
            .arg(persist)
            .env("PATH", tools.path_env())
            .envs(env.iter().cloned());
        command
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "wrangler d1 migrations apply: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Where and how `cargo xtask dev` runs, from the environment: `VALE_DEV_PORT` (default
/// 8787, the contract's), `VALE_DEV_STATE` (the local storage folder, default
/// `.wrangler/state` in the clone) and `VALE_DEV_SKIP_BUILD=1` (serve what was built last
/// when it is newer than every source: the configuration and the start are the same), and
/// `VALE_DEV_TRACES=1` (wrangler's local trace store on: every request's spans written to a
/// SQLite file, which costs throughput and is nothing the deployed edge does), and
/// `VALE_DEV_HOPS=1` (every request to a Durable Object logged as `vale-hop <binding>
/// <command>`, for `cargo xtask bench` to count a voucher's hops).
#[derive(Debug, Clone, PartialEq, Eq)]
struct DevOptions {
    port: u16,
    persist: PathBuf,
    skip_build: bool,
    traces: bool,
    hops: bool,
}

impl DevOptions {
    fn from_env(root: &Path, var: impl Fn(&str) -> Option<String>) -> Result<DevOptions> {
        let port = match var("VALE_DEV_PORT") {
            None => 8787,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("VALE_DEV_PORT must be a port number, not `{p}`"))?,
        };
        let persist = var("VALE_DEV_STATE")
            .filter(|p| !p.is_empty())
            .map_or_else(|| root.join(".wrangler/state"), PathBuf::from);
        let skip_build = var("VALE_DEV_SKIP_BUILD").is_some_and(|v| v == "1");
        let traces = var("VALE_DEV_TRACES").is_some_and(|v| v == "1");
        let hops = var("VALE_DEV_HOPS").is_some_and(|v| v == "1");
        Ok(DevOptions {
            port,
            persist,
            skip_build,
            traces,
            hops,
        })
    }
}

/// The newest modification time under `path` (a file, or a folder walked whole).
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|entry| newest(&entry.ok()?.path()))
        .max()
}

/// Whether the last build is there and up to date: the edge's worker and the widget's
/// files are all newer than every source they are built from. Anything missing or
/// unreadable says no, so the build runs.
fn built_and_fresh(root: &Path) -> bool {
    let Ok(widget) = widget_files(root) else {
        return false;
    };
    let outputs = widget
        .iter()
        .map(|name| root.join("www/widget").join(name))
        .chain([
            root.join("edge/build/worker/shim.mjs"),
            root.join("edge/build/index_bg.wasm"),
        ]);
    let mut oldest_output = None;
    for output in outputs {
        let Some(at) = std::fs::metadata(&output).and_then(|m| m.modified()).ok() else {
            return false;
        };
        oldest_output = Some(oldest_output.map_or(at, |o: std::time::SystemTime| o.min(at)));
    }
    let sources = [
        "Cargo.toml",
        "Cargo.lock",
        "shared/src",
        "shared/Cargo.toml",
        "edge/src",
        "edge/Cargo.toml",
        "widget/src",
        "widget/js",
        "widget/build.rs",
        "widget/Cargo.toml",
        "www/hosted.html",
    ];
    let newest_source = sources.iter().filter_map(|s| newest(&root.join(s))).max();
    matches!((oldest_output, newest_source), (Some(out), Some(src)) if out >= src)
}

/// `cargo xtask dev`: everything a newcomer needs, then the edge in the foreground.
pub fn dev(root: &Path) -> Result {
    let options = DevOptions::from_env(root, |name| std::env::var(name).ok())?;
    let tools = tools::ensure_build_tools(root)?;
    if options.skip_build && built_and_fresh(root) {
        println!("VALE_DEV_SKIP_BUILD=1: the last build is up to date; serving it");
    } else {
        build_widget(root, &tools)?;
        crate::dashboard::build(root, &tools)?;
        build_edge(root, &tools)?;
    }
    let port = options.port;
    let base = format!("http://127.0.0.1:{port}");
    println!();
    println!("  Vale is running locally (no accounts, no internet):");
    println!("    demo store       {base}/");
    println!("    widget           {base}/widget/vale.js");
    println!("    hosted voucher   {base}/v/{{id}}?cs={{client_secret}}");
    println!("    API              {base}/v1/vouchers");
    println!(
        "    dashboard        {base}/dashboard/   (sign in with sk_test_local or rk_test_local)"
    );
    println!("    test secret key  sk_test_local   (merchant mer_local)");
    println!("    platform key     sk_test_platform (marketplace platform mer_platform)");
    println!("  Ctrl-C stops everything.");
    println!();
    let persist = options.persist;
    apply_reports(root, &tools, &persist)?;
    crate::places::load_samples(root, &tools, &persist)?;
    let launch = Launch::Dev {
        traces: options.traces,
    };
    if options.traces {
        println!("  VALE_DEV_TRACES=1: wrangler's local trace store is on (slower).");
    }
    let mut edge = wrangler_dev(root, &tools, port, &persist, launch)?;
    if options.hops {
        println!("  VALE_DEV_HOPS=1: every request to a Durable Object is logged (vale-hop).");
        edge.args(["--var", "VALE_COUNT_HOPS:1"]);
    }
    let mut edge = edge.spawn().map_err(|e| format!("wrangler dev: {e}"))?;
    cron_every_minute(port);
    let status = edge.wait().map_err(|e| format!("wrangler dev: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("wrangler dev stopped: {status}"))
    }
}

/// Calls the edge's cron trigger (`/__scheduled`) once a minute, as Cloudflare would,
/// from a background thread that ends with the process. A plain HTTP/1.0 GET: xtask has
/// no HTTP client, and this is all it needs.
fn cron_every_minute(port: u16) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
            let request = "GET /__scheduled?cron=*+*+*+*+* HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
            let sent = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
                use std::io::{Read as _, Write as _};
                stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
                stream.write_all(request.as_bytes())?;
                let mut answer = Vec::new();
                stream.read_to_end(&mut answer).map(|_| ())
            });
            if let Err(e) = sent {
                eprintln!("xtask dev: the minute's cron call failed ({e})");
            }
        }
    });
}

/// `cargo xtask bench [edge|widget]`: what the shopper downloads and what the edge
/// deploys, the shared crate's micro-benchmarks, the edge's speed from the outside
/// (`tests/bench/edge.mjs`), then the widget's sizes and time to voucher visible against
/// a static page on a slow phone profile (`tests/bench/widget.mjs`), and the dashboard's
/// size and first view on the same profile (`tests/bench/dashboard.mjs`). `edge`, `widget`
/// or `dashboard` alone builds what that part needs and runs only it.
pub fn bench(root: &Path, only: Option<&str>) -> Result {
    let tools = tools::ensure_build_tools(root)?;
    match only {
        None => {
            build_widget(root, &tools)?;
            crate::dashboard::build(root, &tools)?;
            build_edge(root, &tools)?;
            sizes_and_micro(root)?;
            edge_bench(root, &tools)?;
            widget_bench(root, &tools)?;
            node_bench(root, &tools, "dashboard")
        }
        Some("dashboard") => {
            crate::dashboard::build(root, &tools)?;
            build_edge(root, &tools)?;
            node_bench(root, &tools, "dashboard")
        }
        Some("edge") => {
            // The bench measures `cargo xtask dev`, which serves this build only when the
            // widget's is fresh too.
            build_widget(root, &tools)?;
            build_edge(root, &tools)?;
            edge_bench(root, &tools)
        }
        Some("widget") => {
            build_widget(root, &tools)?;
            build_edge(root, &tools)?;
            widget_bench(root, &tools)
        }
        Some(other) => Err(format!(
            "unknown bench `{other}` (try `edge`, `widget` or `dashboard`)"
        )),
    }
}

/// `tests/bench/widget.mjs` against the built widget and edge; the figures are also kept
/// as JSON in `<target>/bench/widget.json`.
fn widget_bench(root: &Path, tools: &Tools) -> Result {
    node_bench(root, tools, "widget")
}

fn sizes_and_micro(root: &Path) -> Result {
    println!("{:<36} {:>10} {:>10}", "file", "raw B", "gzip B");
    let mut total = (0, 0);
    for name in widget_files(root)? {
        let (raw, gz) = sizes(&root.join("www/widget").join(&name))?;
        println!("{:<36} {raw:>10} {gz:>10}", format!("widget/{name}"));
        total = (total.0 + raw, total.1 + gz);
    }
    println!(
        "{:<36} {:>10} {:>10}",
        "widget total (budget 110 KB gzip)", total.0, total.1
    );
    for entry in std::fs::read_dir(root.join("edge/build")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "wasm") {
            let (raw, gz) = sizes(&path)?;
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            println!("{:<36} {raw:>10} {gz:>10}", format!("edge/{name}"));
        }
    }
    run(&mut cargo(root, &["bench", "-p", "vale-shared"]))
}

/// The release edge as a user runs it (`cargo xtask dev`, started by the script on a free
/// port with fresh state), measured from the outside by `tests/bench/edge.mjs`: the wasm's
/// gzip size, latency of the cheapest route, a create and a notification, creates/s under
/// load and webhook deliveries/s. The figures are also kept as JSON in
/// `<target>/bench/edge.json`.
fn edge_bench(root: &Path, tools: &Tools) -> Result {
    node_bench(root, tools, "edge")
}

/// Runs `tests/bench/{name}.mjs`, which prints its table and keeps its figures as JSON in
/// `<target>/bench/{name}.json`.
fn node_bench(root: &Path, tools: &Tools, name: &str) -> Result {
    let out = target_dir(root).join(format!("bench/{name}.json"));
    println!();
    run(Command::new(tools.node())
        .arg(root.join(format!("tests/bench/{name}.mjs")))
        .arg("--out")
        .arg(&out)
        .current_dir(root)
        .env("PATH", tools.path_env())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false"))
}

fn sizes(path: &Path) -> Result<(usize, usize)> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).map_err(|e| e.to_string())?;
    let compressed = gz.finish().map_err(|e| e.to_string())?;
    Ok((bytes.len(), compressed.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hosted_page_preloads_the_wasm_before_its_scripts() {
        let template = "<head>\n  <title>t</title>\n  <script type=\"module\" src=\"/widget/vale.js\"></script>\n</head>";
        let page = with_wasm_preload(template, "vale.0123456789abcdef.wasm").unwrap();
        let link = page.find("<link rel=\"preload\" href=\"/widget/vale.0123456789abcdef.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>").unwrap();
        assert!(link < page.find("<script").unwrap());
        assert!(
            page.ends_with("<script type=\"module\" src=\"/widget/vale.js\"></script>\n</head>")
        );
    }

    #[test]
    fn dev_runs_on_8787_with_the_clones_state_unless_told_otherwise() {
        let root = Path::new("/clone");
        let none = DevOptions::from_env(root, |_| None).unwrap();
        assert_eq!(
            none,
            DevOptions {
                port: 8787,
                persist: root.join(".wrangler/state"),
                skip_build: false,
                traces: false,
                hops: false
            }
        );
        let set = |name: &str| {
            match name {
                "VALE_DEV_PORT" => Some("9911"),
                "VALE_DEV_STATE" => Some("/tmp/dev-state"),
                "VALE_DEV_SKIP_BUILD" => Some("1"),
                "VALE_DEV_TRACES" => Some("1"),
                "VALE_DEV_HOPS" => Some("1"),
                _ => None,
            }
            .map(str::to_owned)
        };
        assert_eq!(
            DevOptions::from_env(root, set).unwrap(),
            DevOptions {
                port: 9911,
                persist: PathBuf::from("/tmp/dev-state"),
                skip_build: true,
                traces: true,
                hops: true
            }
        );
        for bad in ["0", "65536", "eighty", ""] {
            let port = |name: &str| (name == "VALE_DEV_PORT").then(|| bad.to_owned());
            assert!(DevOptions::from_env(root, port).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_template_without_a_script_is_refused() {
        assert_eq!(with_wasm_preload("<head></head>", "vale.x.wasm"), None);
    }
}
