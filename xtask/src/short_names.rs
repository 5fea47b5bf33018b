//! Short import and export names for the widget's wasm and its wasm-bindgen glue.
//!
//! wasm-bindgen names each import after its JS function plus 16 hex digits of a hash
//! (`__wbg_append_5e37bd6bfa68e160`), and the closure trampolines it exports carry one too.
//! Each name is written twice, in the wasm's import (or export) section and in the glue,
//! and hex digits hardly compress: about a hundred of them cost the shopper 2 KB of gzip.
//! `wasm-opt --minify-imports-and-exports-and-modules` gives every import and export a
//! one- to three-letter name, puts every import in module `a`, and prints the mapping;
//! [`rename_in_glue`] applies that mapping to the glue, and refuses (failing the build)
//! when the glue does not name each of them exactly where expected.

use crate::tools::{Result, Tools};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// The import module binaryen's `--minify-imports-and-exports-and-modules` merges every
/// import into.
const MODULE: &str = "a";

/// Old name to new, as `wasm-opt` printed it.
#[derive(Debug, Default, PartialEq)]
pub struct Names {
    /// The glue's import module (`./vale_widget_bg.js`) and its imports.
    pub modules: BTreeSet<String>,
    pub imports: BTreeMap<String, String>,
    pub exports: BTreeMap<String, String>,
}

/// Minifies `wasm`'s import and export names in place and rewrites `glue` (the
/// wasm-bindgen JS for it) to match, then checks with Node that the two agree.
pub fn shorten(tools: &Tools, wasm: &Path, glue: &Path) -> Result {
    let output = Command::new(&tools.wasm_opt)
        .arg(wasm)
        .arg("--minify-imports-and-exports-and-modules")
        .arg("-o")
        .arg(wasm)
        .output()
        .map_err(|e| format!("wasm-opt: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "wasm-opt --minify-imports-and-exports-and-modules failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let names = parse_mapping(&String::from_utf8_lossy(&output.stdout))?;
    let text = std::fs::read_to_string(glue).map_err(|e| format!("{}: {e}", glue.display()))?;
    let text = rename_in_glue(&text, &names)
        .map_err(|e| format!("shortening the names in {}: {e}", glue.display()))?;
    std::fs::write(glue, &text).map_err(|e| format!("{}: {e}", glue.display()))?;
    agree(tools, wasm, &text)
}

/// The mapping `wasm-opt` prints: `{"imports": [[module, old, new], …], "exports": [[old,
/// new], …]}`.
fn parse_mapping(json: &str) -> Result<Names> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("wasm-opt's name mapping: {e}"))?;
    let strings = |entry: &serde_json::Value, n: usize| -> Result<Vec<String>> {
        let items = entry
            .as_array()
            .filter(|a| a.len() == n)
            .ok_or_else(|| format!("wasm-opt's name mapping: unexpected entry {entry}"))?;
        items
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("wasm-opt's name mapping: unexpected entry {entry}"))
            })
            .collect()
    };
    let list = |key: &str| -> Result<Vec<serde_json::Value>> {
        value
            .get(key)
            .and_then(|v| v.as_array())
            .cloned()
            .ok_or_else(|| format!("wasm-opt's name mapping has no `{key}` list"))
    };
    let mut names = Names::default();
    for entry in list("imports")? {
        if let [module, old, new] = strings(&entry, 3)?.as_slice() {
            names.modules.insert(module.clone());
            if names.imports.insert(old.clone(), new.clone()).is_some() {
                return Err(format!("the import `{old}` is mapped twice"));
            }
        }
    }
    for entry in list("exports")? {
        if let [old, new] = strings(&entry, 2)?.as_slice() {
            names.exports.insert(old.clone(), new.clone());
        }
    }
    Ok(names)
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// `glue` with the import object's module string and keys and every `wasm.<export>` renamed
/// as `names` says. An error when an import is not a key of the import object exactly once,
/// when an old import name is left anywhere, when the module string is not there exactly
/// once, or when the glue reads an export the mapping does not know.
pub fn rename_in_glue(glue: &str, names: &Names) -> Result<String> {
    let [module] = names.modules.iter().collect::<Vec<_>>()[..] else {
        return Err(format!(
            "expected the imports from one module, not {:?}",
            names.modules
        ));
    };
    let quoted = format!("\"{module}\":");
    if glue.matches(&quoted).count() != 1 {
        return Err(format!("`{quoted}` is not in the glue exactly once"));
    }
    let glue = glue.replacen(&quoted, &format!("\"{MODULE}\":"), 1);

    let bytes = glue.as_bytes();
    let mut out = String::with_capacity(glue.len());
    let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
    let mut at = 0;
    let mut copied = 0;
    while at < bytes.len() {
        if !bytes.get(at).copied().is_some_and(is_ident) {
            at += 1;
            continue;
        }
        let start = at;
        while bytes.get(at).copied().is_some_and(is_ident) {
            at += 1;
        }
        let word = glue.get(start..at).unwrap_or_default();
        let after_wasm_dot = glue.get(..start).is_some_and(|before| {
            before.strip_suffix("wasm.").is_some_and(|b| {
                !b.as_bytes().last().copied().is_some_and(is_ident) && !b.ends_with('.')
            })
        });
        let new = if after_wasm_dot {
            Some(
                names
                    .exports
                    .get(word)
                    .ok_or_else(|| format!("the glue reads `wasm.{word}`, not an export"))?,
            )
        } else if let Some(new) = names.imports.get(word) {
            if bytes.get(at) != Some(&b':') {
                return Err(format!("the import `{word}` is used other than as a key"));
            }
            *keys.entry(word).or_default() += 1;
            Some(new)
        } else {
            None
        };
        if let Some(new) = new {
            out.push_str(glue.get(copied..start).unwrap_or_default());
            out.push_str(new);
            copied = at;
        }
    }
    out.push_str(glue.get(copied..).unwrap_or_default());
    for old in names.imports.keys() {
        let count = keys.get(old.as_str()).copied().unwrap_or(0);
        if count != 1 {
            return Err(format!(
                "the import `{old}` is a key of the glue {count} times, not once"
            ));
        }
    }
    Ok(out)
}

/// Compiles the minified wasm in Node and checks the glue provides every import it asks
/// for (module `a`, each name a key) and reads only exports it has.
fn agree(tools: &Tools, wasm: &Path, glue: &str) -> Result {
    let script = "const m = new WebAssembly.Module(require('fs').readFileSync(process.argv[1]));\
        console.log(JSON.stringify({imports: WebAssembly.Module.imports(m), \
        exports: WebAssembly.Module.exports(m).map(e => e.name)}));";
    let output = Command::new(tools.node())
        .args(["-e", script])
        .arg(wasm)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "node could not compile {}: {}",
            wasm.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("node's list of imports: {e}"))?;
    let empty = Vec::new();
    let imports = value
        .get("imports")
        .and_then(|v| v.as_array())
        .unwrap_or(&empty);
    let exports = value
        .get("exports")
        .and_then(|v| v.as_array())
        .unwrap_or(&empty);
    if imports.is_empty() || exports.is_empty() {
        return Err(format!("{} lists no imports or no exports", wasm.display()));
    }
    for import in imports {
        let module = import.get("module").and_then(|v| v.as_str());
        let name = import.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        if module != Some(MODULE) {
            return Err(format!(
                "the wasm imports `{name}` from {module:?}, not `{MODULE}`"
            ));
        }
        // Each import is a key of the import object: `name: function(…`.
        let key = format!(" {name}: function(");
        if glue.matches(&key).count() != 1 {
            return Err(format!(
                "the glue does not provide the import `{name}` once"
            ));
        }
    }
    let exported: BTreeSet<&str> = exports.iter().filter_map(|e| e.as_str()).collect();
    let mut read = glue.match_indices("wasm.");
    if let Some((at, _)) = read.find(|(at, _)| {
        let rest = glue.get(at + 5..).unwrap_or_default();
        let end = rest
            .find(|c: char| !is_ident(c as u8))
            .unwrap_or(rest.len());
        let name = rest.get(..end).unwrap_or_default();
        let standalone = glue
            .get(..*at)
            .is_some_and(|b| !b.as_bytes().last().copied().is_some_and(is_ident));
        standalone && !name.is_empty() && !exported.contains(name)
    }) {
        let context = glue.get(at..(at + 40).min(glue.len())).unwrap_or_default();
        return Err(format!(
            "the glue reads an export the wasm lacks: {context}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            modules: ["./v_bg.js".to_owned()].into(),
            imports: [
                ("__wbg_append_5e37bd6bfa68e160", "a"),
                ("__wbg_get_31af05bd4842a84f", "$"),
            ]
            .map(|(o, n)| (o.to_owned(), n.to_owned()))
            .into(),
            exports: [
                ("memory", "b"),
                ("mount", "c"),
                ("invoke__h6eaefbdd2f10370b", "d"),
            ]
            .map(|(o, n)| (o.to_owned(), n.to_owned()))
            .into(),
        }
    }

    const GLUE: &str = r#"export function mount(x) { return wasm.mount(x); }
function invoke__h6eaefbdd2f10370b(a) { wasm.invoke__h6eaefbdd2f10370b(a); }
function __wbg_get_imports() {
    const import0 = {
        __wbg_append_5e37bd6bfa68e160: function(arg0) { arg0.append(); },
        __wbg_get_31af05bd4842a84f: function(arg0) { return wasm.memory.buffer; },
    };
    return { "./v_bg.js": import0 };
}"#;

    #[test]
    fn renames_the_keys_the_module_and_what_is_read_from_wasm_only() {
        let out = rename_in_glue(GLUE, &names()).unwrap();
        assert_eq!(
            out,
            r#"export function mount(x) { return wasm.c(x); }
function invoke__h6eaefbdd2f10370b(a) { wasm.d(a); }
function __wbg_get_imports() {
    const import0 = {
        a: function(arg0) { arg0.append(); },
        $: function(arg0) { return wasm.b.buffer; },
    };
    return { "a": import0 };
}"#
        );
    }

    #[test]
    fn an_import_the_glue_does_not_provide_fails_the_build() {
        let glue = GLUE.replace("__wbg_get_31af05bd4842a84f:", "__wbg_get_0000000000000000:");
        assert!(rename_in_glue(&glue, &names()).is_err());
    }

    #[test]
    fn an_import_provided_twice_or_named_elsewhere_fails_the_build() {
        let twice = GLUE.replace(
            "    };",
            "        __wbg_get_31af05bd4842a84f: function() {},\n    };",
        );
        assert!(rename_in_glue(&twice, &names()).is_err());
        let elsewhere = format!("{GLUE}\nconst f = __wbg_get_31af05bd4842a84f;");
        assert!(rename_in_glue(&elsewhere, &names()).is_err());
    }

    #[test]
    fn an_export_the_mapping_does_not_know_fails_the_build() {
        let glue = format!("{GLUE}\nwasm.__wbindgen_start();");
        assert!(rename_in_glue(&glue, &names()).is_err());
    }

    #[test]
    fn a_glue_without_the_module_string_fails_the_build() {
        let glue = GLUE.replace("\"./v_bg.js\"", "\"./w_bg.js\"");
        assert!(rename_in_glue(&glue, &names()).is_err());
    }

    #[test]
    fn reads_the_mapping_wasm_opt_prints() {
        let json = r#"{
 "imports": [
  ["./v_bg.js", "__wbg_get_31af05bd4842a84f", "$"],
  ["./v_bg.js", "__wbg_append_5e37bd6bfa68e160", "a"]
 ],
"exports": [
  ["memory", "b"],
  ["mount", "c"],
  ["invoke__h6eaefbdd2f10370b", "d"]
 ]
}"#;
        assert_eq!(parse_mapping(json).unwrap(), names());
    }
}
