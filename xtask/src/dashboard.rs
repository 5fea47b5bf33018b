//! Builds the merchant's dashboard (issue #24, the `vale-dashboard` crate) into
//! `www/dashboard/`, where the edge serves it as static files at `/dashboard/`: the page
//! (`dashboard/index.html`), its stylesheet and boot module, the wasm-bindgen glue and
//! the wasm shrunk by `wasm-opt -Oz`. The API it calls is the edge's session proxy.

use crate::build::{cargo, target_dir};
use crate::tools::{Result, Tools, run};
use std::path::Path;
use std::process::Command;

/// Release-builds the dashboard and writes `www/dashboard/`.
pub fn build(root: &Path, tools: &Tools) -> Result {
    let out = root.join("www/dashboard");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    run(&mut cargo(
        root,
        &[
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "vale-dashboard",
        ],
    ))?;
    let wasm = target_dir(root).join("wasm32-unknown-unknown/release/vale_dashboard.wasm");
    run(Command::new(&tools.wasm_bindgen)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "vale_dashboard",
            "--out-dir",
        ])
        .arg(&out)
        .arg(&wasm))?;
    let bg = out.join("vale_dashboard_bg.wasm");
    run(Command::new(&tools.wasm_opt)
        .args(["-Oz", "--strip-debug", "--strip-producers"])
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    for name in ["index.html", "style.css", "boot.js"] {
        std::fs::copy(root.join("dashboard/www").join(name), out.join(name))
            .map_err(|e| format!("copying dashboard/www/{name}: {e}"))?;
    }
    Ok(())
}
