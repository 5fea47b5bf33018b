//! Minifies `src/style.css` into `$OUT_DIR/style.css` for the widget's wasm and the
//! edge's hosted page: comments out, runs of white space made one space, none around
//! `{`, `}`, `;`, `,` nor after a declaration's `:`. Spaces inside `calc()` and between
//! selectors are kept. Every byte of the wasm goes over 3G; the readable file stays the
//! source.

use std::path::PathBuf;

fn minify(css: &str) -> String {
    // Comments out (no string in this stylesheet holds `/*`).
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some((before, after)) = rest.split_once("/*") {
        text.push_str(before);
        rest = after.split_once("*/").map_or("", |(_, tail)| tail);
    }
    text.push_str(rest);
    // White space collapsed.
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let tight = matches!(c, '{' | '}' | ';' | ',');
        if space && !tight && !out.ends_with(['{', '}', ';', ',']) && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    // No selector here has a colon followed by a space, so every `: ` is a declaration's.
    out.replace(";}", "}").replace(": ", ":")
}

fn main() {
    println!("cargo::rerun-if-changed=src/style.css");
    let css = std::fs::read_to_string("src/style.css").unwrap_or_default();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("style.css");
    if let Err(e) = std::fs::write(&out, minify(&css)) {
        println!("cargo::error=writing {}: {e}", out.display());
    }
}
