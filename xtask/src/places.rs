//! `cargo xtask places import FILE --network efecty|pagoefectivo [--remote]
//! [--attribution TEXT]`: loads a network's points (docs/development.md, "Points near the
//! shopper") into the `REPORTS` D1 database, local (`VALE_DEV_STATE`, default
//! `.wrangler/state`, the same as `cargo xtask dev`) or remote.
//!
//! The file is checked whole first (`vale_shared::places::row::read_file`): any bad row
//! and every bad line is printed and nothing is loaded. Then the rows go in under a new
//! generation that no reader sees, one statement makes it the network's list, and the
//! older generations are deleted: the old points stay in place until the new ones are all
//! there, and a failure in between leaves them.
//!
//! `cargo xtask dev` calls [`load_samples`]: the synthetic sample in `edge/places/`, loaded
//! when a network has no points yet or has an older sample, never over imported points.

use crate::tools::{Result, Tools};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use vale_shared::Network;
use vale_shared::places::Place;
use vale_shared::places::row::read_file;

/// Rows per `INSERT` statement (well under D1's 100 KB statement limit).
const ROWS_PER_INSERT: usize = 100;
/// Statements per file handed to wrangler (remote D1 takes large files; this keeps each
/// local run's memory small).
const STATEMENTS_PER_FILE: usize = 2000;
/// The attribution line of the synthetic sample.
pub const SAMPLE_ATTRIBUTION: &str = "Puntos sintéticos de ejemplo: no son puntos reales.";

/// Where the points go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The local D1 database in this state folder (`wrangler dev`'s).
    Local(PathBuf),
    /// The deployed database.
    Remote,
}

/// `cargo xtask places …`.
pub fn command(root: &Path, args: &[String]) -> Result {
    let usage = "usage: cargo xtask places import FILE --network efecty|pagoefectivo [--remote] [--attribution TEXT]";
    let mut args = args.iter();
    if args.next().map(String::as_str) != Some("import") {
        return Err(usage.into());
    }
    let (mut file, mut network, mut remote, mut attribution) = (None, None, false, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--network" => {
                let name = args.next().ok_or(usage)?;
                network = Some(name.parse::<Network>().map_err(|_| {
                    format!("--network must be efecty or pagoefectivo, not `{name}`")
                })?);
            }
            "--remote" => remote = true,
            "--attribution" => attribution = Some(args.next().ok_or(usage)?.clone()),
            other if file.is_none() && !other.starts_with("--") => {
                file = Some(PathBuf::from(other))
            }
            _ => return Err(usage.into()),
        }
    }
    let (Some(file), Some(network)) = (file, network) else {
        return Err(usage.into());
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let tools = crate::tools::ensure_build_tools(root)?;
    let target = if remote {
        Target::Remote
    } else {
        let persist = local_state(root);
        crate::build::apply_reports(root, &tools, &persist)?;
        Target::Local(persist)
    };
    let started = std::time::Instant::now();
    let count = import(
        root,
        &tools,
        &target,
        network,
        &text,
        "",
        attribution.as_deref(),
    )?;
    println!(
        "places: {count} {} points loaded in {:.1} s",
        network.as_str(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The local state folder: `VALE_DEV_STATE`, else `.wrangler/state` (as `cargo xtask dev`).
pub fn local_state(root: &Path) -> PathBuf {
    std::env::var("VALE_DEV_STATE")
        .ok()
        .filter(|p| !p.is_empty())
        .map_or_else(|| root.join(".wrangler/state"), PathBuf::from)
}

/// `'text'` as an SQL string literal.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The source a file is known by: `prefix` and its SHA-256.
fn source(prefix: &str, text: &str) -> String {
    format!("{prefix}{}", hex(&Sha256::digest(text.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The statements that write `places` under `generation` (nothing visible yet), after
/// removing any rows of an earlier import that never became the list.
pub fn load_statements(network: Network, generation: u64, places: &[Place]) -> Vec<String> {
    let net = quoted(network.as_str());
    let mut statements = vec![format!(
        "DELETE FROM place WHERE network = {net} AND generation <> \
         COALESCE((SELECT generation FROM place_list WHERE network = {net}), -1);"
    )];
    for chunk in places.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO place (network, generation, id, chain, name, address, city, lat, lon, hours, updated_at, geohash) VALUES ",
        );
        for (i, p) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let _ = write!(
                sql,
                "({net},{generation},{},{},{},{},{},{},{},{},{},{})",
                quoted(&p.id),
                quoted(p.chain.name()),
                quoted(&p.name),
                quoted(&p.address),
                quoted(&p.city),
                p.lat,
                p.lon,
                p.hours.as_deref().map_or_else(|| "NULL".to_owned(), quoted),
                quoted(&p.updated_at),
                quoted(p.geohash.as_str()),
            );
        }
        sql.push(';');
        statements.push(sql);
    }
    statements
}

/// The statements that make `generation` the network's list (one statement: readers see
/// the old list or the new one) and then drop every other generation.
pub fn switch_statements(
    network: Network,
    generation: u64,
    source: &str,
    attribution: Option<&str>,
    points: usize,
    loaded_ms: u64,
) -> Vec<String> {
    let net = quoted(network.as_str());
    vec![
        format!(
            "INSERT INTO place_list (network, generation, source, attribution, points, loaded_ms) \
             VALUES ({net}, {generation}, {}, {}, {points}, {loaded_ms}) \
             ON CONFLICT (network) DO UPDATE SET generation = excluded.generation, \
             source = excluded.source, attribution = excluded.attribution, \
             points = excluded.points, loaded_ms = excluded.loaded_ms;",
            quoted(source),
            attribution.map_or_else(|| "NULL".to_owned(), quoted),
        ),
        format!("DELETE FROM place WHERE network = {net} AND generation <> {generation};"),
    ]
}

/// `wrangler d1 …` against `target`.
fn wrangler(root: &Path, tools: &Tools, target: &Target) -> Command {
    let mut command = Command::new(tools.node());
    command
        .arg(&tools.wrangler)
        .args(["d1", "execute", "vale-reports", "--yes", "--config"])
        .arg(root.join("edge/wrangler.toml"))
        .env("PATH", tools.path_env())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("NO_COLOR", "1");
    match target {
        Target::Local(persist) => {
            command.arg("--local").arg("--persist-to").arg(persist);
        }
        Target::Remote => {
            command.arg("--remote");
        }
    }
    command
}

/// Runs `statements` through `wrangler d1 execute --file`, in files of
/// [`STATEMENTS_PER_FILE`].
fn execute(root: &Path, tools: &Tools, target: &Target, statements: &[String]) -> Result {
    let dir = std::env::temp_dir().join(format!("vale-places-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = statements
        .chunks(STATEMENTS_PER_FILE)
        .enumerate()
        .try_for_each(|(i, chunk)| {
            let file = dir.join(format!("{i:05}.sql"));
            std::fs::write(&file, chunk.join("\n")).map_err(|e| e.to_string())?;
            let out = crate::d1::output("wrangler d1 execute", || {
                let mut command = wrangler(root, tools, target);
                command.arg("--file").arg(&file);
                command
            })?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "wrangler d1 execute failed ({}): {}{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Checks `text` and, when every row is good, replaces `network`'s points with it; answers
/// how many. `prefix` marks the source (`sample:` for the synthetic sample).
pub fn import(
    root: &Path,
    tools: &Tools,
    target: &Target,
    network: Network,
    text: &str,
    prefix: &str,
    attribution: Option<&str>,
) -> Result<usize> {
    let places = read_file(network, text).map_err(|errors| {
        let mut report = String::new();
        for e in &errors {
            let _ = writeln!(report, "{e}");
        }
        let _ = write!(report, "{} bad line(s); nothing was loaded", errors.len());
        report
    })?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let generation = now_ms;
    execute(
        root,
        tools,
        target,
        &load_statements(network, generation, &places),
    )?;
    execute(
        root,
        tools,
        target,
        &switch_statements(
            network,
            generation,
            &source(prefix, text),
            attribution,
            places.len(),
            now_ms,
        ),
    )?;
    Ok(places.len())
}

/// The synthetic sample of `network`, committed in `edge/places/`.
fn sample_path(root: &Path, network: Network) -> PathBuf {
    root.join("edge/places")
        .join(format!("sample-{}.csv", network.as_str()))
}

/// Each network's list source in the local database (`network` → `source`).
fn sources(root: &Path, tools: &Tools, persist: &Path) -> Result<Vec<(String, String)>> {
    let out = crate::d1::output("wrangler d1 execute", || {
        let mut command = wrangler(root, tools, &Target::Local(persist.to_path_buf()));
        command.args([
            "--json",
            "--command",
            "SELECT network, source FROM place_list",
        ]);
        command
    })?;
    if !out.status.success() {
        return Err(format!(
            "wrangler d1 execute failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("wrangler d1 execute --json: {e}"))?;
    Ok(json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("results")?.as_array())
        .flatten()
        .filter_map(|row| {
            Some((
                row.get("network")?.as_str()?.to_owned(),
                row.get("source")?.as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// `cargo xtask dev`: loads each network's synthetic sample into the local database when
/// that network has no points or an older sample; points an operator imported stay, and
/// a sample already there is not loaded again.
pub fn load_samples(root: &Path, tools: &Tools, persist: &Path) -> Result {
    let current = sources(root, tools, persist)?;
    for network in Network::ALL {
        let path = sample_path(root, network);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let wanted = source("sample:", &text);
        match current.iter().find(|(n, _)| n == network.as_str()) {
            Some((_, s)) if *s == wanted => continue,
            Some((_, s)) if !s.starts_with("sample:") => {
                println!("places: keeping the imported {} points", network.as_str());
                continue;
            }
            _ => {}
        }
        let target = Target::Local(persist.to_path_buf());
        let n = import(
            root,
            tools,
            &target,
            network,
            &text,
            "sample:",
            Some(SAMPLE_ATTRIBUTION),
        )?;
        println!("places: loaded {n} synthetic {} points", network.as_str());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_pass_the_import_check_and_say_they_are_synthetic() {
        let root = crate::root();
        for network in Network::ALL {
            let text = std::fs::read_to_string(sample_path(&root, network)).unwrap();
            let places = read_file(network, &text).unwrap();
            assert!(places.len() >= 20, "{network:?}");
            assert!(
                places
                    .iter()
                    .all(|p| p.id.starts_with("syn-") && p.name.contains("(sintético)"))
            );
        }
    }

    #[test]
    fn quotes_are_doubled_and_rows_are_chunked() {
        let text = "id,chain,name,address,city,lat,lon,hours,updated_at\n".to_owned()
            + &(0..250)
                .map(|i| format!("e{i},Efecty,O'Brien {i},Calle 1,Bogotá,4.6,-74.08,,2026-09-01\n"))
                .collect::<String>();
        let places = read_file(Network::Efecty, &text).unwrap();
        let statements = load_statements(Network::Efecty, 7, &places);
        assert_eq!(statements.len(), 1 + 3);
        assert!(statements[1].contains("'O''Brien 0'"));
        let switch = switch_statements(Network::Efecty, 7, "abc", Some("it's"), 250, 1);
        assert!(switch[0].contains("'it''s'") && switch[1].contains("generation <> 7"));
    }
}
