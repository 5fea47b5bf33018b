//! How a local edge runs: `wrangler dev` with the flags and environment of
//! `xtask/wrangler-dev.json` (the one file tests/support/edge.mjs reads too), for
//! `cargo xtask dev`, and the one shared edge `cargo xtask test` starts for every test file
//! on the default configuration (handed over as `VALE_EDGE_URL`).

use crate::tools::{Result, Tools};
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `xtask/wrangler-dev.json`: the flags after `dev --port P --persist-to DIR`, and three
/// sets of environment variables (see the file's `about`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    args: Vec<String>,
    env: Vec<(String, String)>,
    traces_env: Vec<(String, String)>,
    quiet_env: Vec<(String, String)>,
}

/// Who runs wrangler, which decides the environment beyond `env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// `cargo xtask dev`: a person reads the output; wrangler's local trace store only
    /// when asked for (`VALE_DEV_TRACES=1`).
    Dev { traces: bool },
    /// A program reads the output (the shared test edge): no colours, no prompts, no traces.
    Quiet,
}

impl Flags {
    fn parse(text: &str) -> Result<Flags> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("xtask/wrangler-dev.json: {e}"))?;
        let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        let pairs = |name: &str| -> Result<Vec<(String, String)>> {
            value
                .get(name)
                .and_then(serde_json::Value::as_object)
                .and_then(|map| {
                    map.iter()
                        .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                        .collect()
                })
                .ok_or_else(|| format!("xtask/wrangler-dev.json: `{name}` is not a map of strings"))
        };
        Ok(Flags {
            args: value
                .get("args")
                .and_then(strings)
                .ok_or("xtask/wrangler-dev.json: `args` is not a list of strings")?,
            env: pairs("env")?,
            traces_env: pairs("traces_env")?,
            quiet_env: pairs("quiet_env")?,
        })
    }

    pub fn load(root: &Path) -> Result<Flags> {
        let path = root.join("xtask/wrangler-dev.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Flags::parse(&text)
    }

    /// The environment for `launch`, in the order it is set.
    pub fn env_for(&self, launch: Launch) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        match launch {
            Launch::Dev { traces: true } => {}
            Launch::Dev { traces: false } => env.extend(self.traces_env.iter().cloned()),
            Launch::Quiet => {
                env.extend(self.traces_env.iter().cloned());
                env.extend(self.quiet_env.iter().cloned());
            }
        }
        env
    }
}

/// `wrangler dev` for the built worker on 127.0.0.1:`port`, state kept in `persist`.
pub fn wrangler_dev(
    root: &Path,
    tools: &Tools,
    port: u16,
    persist: &Path,
    launch: Launch,
) -> Result<Command> {
    let flags = Flags::load(root)?;
    let mut command = Command::new(tools.node());
    command
        .arg(&tools.wrangler)
        .args(["dev", "--config"])
        .arg(root.join("edge/wrangler.toml"))
        .args(["--port", &port.to_string(), "--persist-to"])
        .arg(persist)
        .args(&flags.args)
        .env("PATH", tools.path_env())
        .envs(flags.env_for(launch));
    Ok(command)
}

/// The edge `cargo xtask test` shares between test files: started once on a free port
/// with fresh storage, stopped (with workerd, its whole process group) and its storage
/// removed when dropped.
pub struct SharedEdge {
    child: Child,
    persist: PathBuf,
    pub url: String,
}

impl SharedEdge {
    /// Starts it and waits (at most 90 s) until the Worker answers an unauthenticated
    /// API call with its 401. wrangler's output goes to `log`.
    pub fn start(root: &Path, tools: &Tools, log: &Path) -> Result<SharedEdge> {
        let port = TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let persist = std::env::temp_dir().join(format!("vale-shared-edge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&persist);
        crate::build::apply_reports(root, tools, &persist)?;
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut command = wrangler_dev(root, tools, port, &persist, Launch::Quiet)?;
        use std::os::unix::process::CommandExt as _;
        let child = command
            .current_dir(root.join("edge"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("wrangler dev: {e}"))?;
        let mut edge = SharedEdge {
            child,
            persist,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = edge.child.try_wait() {
                return Err(format!(
                    "the shared edge's wrangler dev exited ({status}); see {}",
                    log.display()
                ));
            }
            if status_of(port, "/v1/vouchers") == Some(401) {
                return Ok(edge);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        edge.stop();
        Err(format!(
            "the shared edge did not answer within 90 s; see {}",
            log.display()
        ))
    }

    fn stop(&mut self) {
        // `kill -s SIG -- -PGID`: procps' `kill -TERM -PGID` reads the group as an option
        // and signals nothing (and still exits 0).
        let group = format!("-{}", self.child.id());
        let signal = |name: &str| {
            let _ = Command::new("kill")
                .args(["-s", name, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        if let Ok(None) = self.child.try_wait() {
            signal("TERM");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            if let Ok(None) = self.child.try_wait() {
                signal("KILL");
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.persist);
    }
}

impl Drop for SharedEdge {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The status code of `GET path` on 127.0.0.1:`port` (HTTP/1.0, xtask has no HTTP client).
fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_file_parses_and_dev_keeps_traces_off_unless_asked() {
        let root = crate::root();
        let flags = Flags::load(&root).unwrap();
        assert!(flags.args.iter().any(|a| a == "--test-scheduled"));
        let has = |launch, name: &str| flags.env_for(launch).iter().any(|(k, _)| k == name);
        assert!(has(Launch::Dev { traces: false }, "X_LOCAL_OBSERVABILITY"));
        assert!(!has(Launch::Dev { traces: true }, "X_LOCAL_OBSERVABILITY"));
        assert!(has(Launch::Quiet, "X_LOCAL_OBSERVABILITY"));
        assert!(has(Launch::Quiet, "CI") && !has(Launch::Dev { traces: false }, "CI"));
        for launch in [Launch::Quiet, Launch::Dev { traces: true }] {
            assert!(has(launch, "WRANGLER_SEND_METRICS"));
        }
    }

    #[test]
    fn a_flags_file_of_the_wrong_shape_is_refused() {
        assert!(Flags::parse("{}").is_err());
        assert!(Flags::parse(r#"{"args":[1],"env":{},"traces_env":{},"quiet_env":{}}"#).is_err());
        assert!(
            Flags::parse(r#"{"args":[],"env":{"A":1},"traces_env":{},"quiet_env":{}}"#).is_err()
        );
    }
}
