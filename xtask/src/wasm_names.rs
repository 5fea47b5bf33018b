//! Drops a wasm module's `name` custom section (the function names), byte for byte
//! otherwise. worker-build always asks wasm-opt to keep it (`--debuginfo`), and in the
//! edge's wasm it is 386 KB of 2.4 MB raw, about 95 KB of the gzip the edge deploys; the
//! deployed edge never reads it (it only names functions in a trap's stack trace).
//!
//! The module format: an 8-byte header, then sections, each an id byte, its size as an
//! unsigned LEB128 and that many bytes; a custom section (id 0) starts with its name (a
//! LEB128 length and UTF-8 bytes).

use crate::tools::Result;
use std::path::Path;

/// Reads an unsigned LEB128 at `at`: its value and the index after it.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((usize::try_from(value).ok()?, at));
        }
    }
    None
}

/// The module without its `name` section(s), or `None` if it does not parse as a module.
pub fn without_names(module: &[u8]) -> Option<Vec<u8>> {
    let header = module.get(..8)?;
    if header.get(..4)? != b"\0asm" {
        return None;
    }
    let mut out = Vec::with_capacity(module.len());
    out.extend_from_slice(header);
    let mut at = 8;
    while at < module.len() {
        let id = *module.get(at)?;
        let (size, body) = leb128(module, at + 1)?;
        let end = body.checked_add(size)?;
        let section = module.get(at..end)?;
        let is_names = id == 0
            && leb128(module, body)
                .and_then(|(len, name)| module.get(name..name.checked_add(len)?))
                .is_some_and(|name| name == b"name");
        if !is_names {
            out.extend_from_slice(section);
        }
        at = end;
    }
    Some(out)
}

/// Rewrites the wasm file at `path` without its `name` section; answers the bytes saved.
pub fn strip(path: &Path) -> Result<usize> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stripped =
        without_names(&bytes).ok_or_else(|| format!("{}: not a wasm module", path.display()))?;
    let saved = bytes.len() - stripped.len();
    if saved > 0 {
        std::fs::write(path, &stripped).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(id: u8, body: &[u8]) -> Vec<u8> {
        assert!(body.len() < 128);
        let mut s = vec![id, u8::try_from(body.len()).unwrap()];
        s.extend_from_slice(body);
        s
    }

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![u8::try_from(name.len()).unwrap()];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        section(0, &body)
    }

    const HEADER: &[u8] = b"\0asm\x01\0\0\0";

    #[test]
    fn only_the_name_section_goes() {
        let types = section(1, &[1, 0x60, 0, 0]);
        let producers = custom("producers", b"rustc");
        let names = custom("name", &[1, 2, 3, 4]);
        let code = section(10, &[0]);
        let module = [HEADER, &types, &names, &code, &producers].concat();
        assert_eq!(
            without_names(&module).unwrap(),
            [HEADER, &types, &code, &producers].concat()
        );
        // A custom section whose name merely starts with "name" stays.
        let other = custom("names", &[9]);
        let module = [HEADER, &other].concat();
        assert_eq!(without_names(&module).unwrap(), module);
    }

    #[test]
    fn a_long_section_size_is_read_whole() {
        // 309 bytes: 1 (the name's length) + 4 ("name") + 304, as LEB128 0xb5 0x02.
        let names = {
            let mut s = vec![0, 0xb5, 0x02, 4];
            s.extend_from_slice(b"name");
            s.extend_from_slice(&[7; 304]);
            s
        };
        assert_eq!(leb128(&names, 1), Some((309, 3)));
        let code = section(10, &[0]);
        let module = [HEADER, &names, &code].concat();
        assert_eq!(without_names(&module).unwrap(), [HEADER, &code].concat());
    }

    #[test]
    fn what_is_not_a_module_is_refused() {
        assert_eq!(without_names(b"\0asm"), None);
        assert_eq!(without_names(b"not wasm at all"), None);
        // A section that runs past the end.
        assert_eq!(without_names(&[HEADER, &[1, 9, 0]].concat()), None);
    }
}
