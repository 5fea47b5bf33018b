//! Decodes our symbols with an independent reader, zbar (Debian's `zbar-tools`): the
//! symbol is drawn at whole-pixel module width with its quiet zone into a PGM file, and
//! `zbarimg` must read back exactly the data that went in.
//!
//! Skipped, with a message, only where `zbarimg` is not installed.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions; clippy.toml allows these in tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use vale_shared::barcode::{Barcode, Symbol, Symbology, symbol};
use vale_shared::efecty::{code128_barcode, gs1_barcode, reference_from_random};
use vale_shared::pagoefectivo::cip_from_random;
use vale_shared::{Currency, Money};

/// Pixels per module: whole pixels, as the widget draws them.
const SCALE: usize = 3;
const BAR_HEIGHT: usize = 80;

fn zbarimg_available() -> bool {
    Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A tiny binary PGM (P5) writer: 0 is black, 255 white.
fn write_pgm(path: &Path, width: usize, height: usize, dark: impl Fn(usize, usize) -> bool) {
    let mut bytes = format!("P5\n{width} {height}\n255\n").into_bytes();
    for y in 0..height {
        for x in 0..width {
            bytes.push(if dark(x, y) { 0 } else { 255 });
        }
    }
    std::fs::write(path, bytes).unwrap();
}

fn render(sym: &Symbol, path: &Path) {
    match sym {
        Symbol::Linear {
            modules,
            quiet_zone,
        } => {
            let q = *quiet_zone as usize;
            let total = modules.len() + 2 * q;
            // Vertical margin so the reader sees a clean edge above and below.
            let margin = 10;
            write_pgm(path, total * SCALE, BAR_HEIGHT + 2 * margin, |x, y| {
                let m = x / SCALE;
                (margin..margin + BAR_HEIGHT).contains(&y)
                    && m >= q
                    && modules.get(m - q).copied().unwrap_or(false)
            });
        }
        Symbol::Matrix {
            size,
            modules,
            quiet_zone,
        } => {
            let (n, q) = (*size as usize, *quiet_zone as usize);
            let side = (n + 2 * q) * SCALE;
            write_pgm(path, side, side, |x, y| {
                let (mx, my) = (x / SCALE, y / SCALE);
                mx >= q && my >= q && mx - q < n && my - q < n && modules[(my - q) * n + (mx - q)]
            });
        }
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vale-zbar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// What zbar read: symbology, modifiers (`GS1` when the symbol starts with FNC1) and the
/// raw data bytes.
#[derive(Debug)]
struct Read {
    kind: String,
    modifiers: String,
    data: Vec<u8>,
}

/// Runs `zbarimg --xml` and picks the symbols out of its output.
fn decode(path: &Path) -> Vec<Read> {
    use base64::Engine;
    let out = Command::new("zbarimg")
        .args(["--xml", "-q"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zbarimg found nothing in {}",
        path.display()
    );
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> String {
        tag.split(&format!("{name}='"))
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap_or("")
            .to_string()
    };
    xml.split("<symbol ")
        .skip(1)
        .map(|sym| {
            let tag = sym.split('>').next().unwrap();
            let data_tag = sym.split("<data").nth(1).unwrap();
            let cdata = data_tag
                .split("<![CDATA[")
                .nth(1)
                .unwrap()
                .split("]]>")
                .next()
                .unwrap();
            let data = if data_tag.starts_with(" format='base64'") {
                base64::engine::general_purpose::STANDARD
                    .decode(cdata.trim())
                    .unwrap()
            } else {
                cdata.as_bytes().to_vec()
            };
            Read {
                kind: attr(tag, "type"),
                modifiers: attr(tag, "modifiers"),
                data,
            }
        })
        .collect()
}

/// GS1 data as zbar gives it: the leading FNC1 becomes the `GS1` modifier and each
/// separator FNC1 a GS byte (0x1D).
fn gs1_expected(bracketed: &str) -> Vec<u8> {
    let parsed = vale_shared::barcode::gs1::parse(bracketed).unwrap();
    let mut out = Vec::new();
    let units = parsed.to_code128_units();
    for u in &units[1..] {
        match u {
            vale_shared::barcode::code128::Unit::Fnc1 => out.push(0x1d),
            vale_shared::barcode::code128::Unit::Char(c) => out.push(*c),
        }
    }
    out
}

fn check(barcode: &Barcode, name: &str) {
    let sym = symbol(barcode).unwrap();
    let path = temp_path(name);
    render(&sym, &path);
    let decoded = decode(&path);
    assert_eq!(decoded.len(), 1, "{name}: {decoded:?}");
    let Read {
        kind,
        modifiers,
        data,
    } = &decoded[0];
    println!(
        "{name}: zbar read {kind} [{modifiers}] {:?}",
        String::from_utf8_lossy(data)
    );
    match barcode.symbology {
        Symbology::Gs1_128 => {
            assert_eq!(kind, "CODE-128", "{name}");
            assert_eq!(modifiers, "GS1", "{name}: FNC1 must come first");
            let expected = gs1_expected(&barcode.data);
            assert_eq!(
                String::from_utf8_lossy(data),
                String::from_utf8_lossy(&expected),
                "{name}"
            );
        }
        Symbology::Code128 => {
            assert_eq!(kind, "CODE-128", "{name}");
            assert_eq!(modifiers, "", "{name}: plain Code 128 has no FNC1");
            assert_eq!(data, barcode.data.as_bytes(), "{name}");
        }
        Symbology::Qr => {
            assert_eq!(kind, "QR-Code", "{name}");
            assert_eq!(data, barcode.data.as_bytes(), "{name}");
        }
    }
}

#[test]
fn zbar_reads_what_we_draw() {
    if !zbarimg_available() {
        println!("SKIPPED: zbarimg is not installed (apt-get install zbar-tools)");
        return;
    }
    let cop = |pesos: i64| Money::new(pesos * 100, Currency::Cop).unwrap();
    let due = time::macros::date!(2026 - 11 - 25);
    let mut cases: Vec<(Barcode, String)> = vec![
        (
            gs1_barcode("7709998000001", "100000000420", cop(50_000), due).unwrap(),
            "gs1-recaudo".into(),
        ),
        (
            gs1_barcode("7709998000001", "12345678901", cop(1_234_567), due).unwrap(),
            "gs1-odd-runs".into(),
        ),
        (
            gs1_barcode("7709998000001", "A-7", cop(5_000), due).unwrap(),
            "gs1-letters".into(),
        ),
        (
            code128_barcode("100000000420").unwrap(),
            "code128-digits".into(),
        ),
        (code128_barcode("PJJ123C").unwrap(), "code128-pjj".into()),
        (
            code128_barcode("vch_Ab3-x9~{}|").unwrap(),
            "code128-mixed".into(),
        ),
        (code128_barcode("1234567").unwrap(), "code128-odd".into()),
        (
            vale_shared::pagoefectivo::code128_barcode(&cip_from_random(7)).unwrap(),
            "code128-cip".into(),
        ),
        (
            Barcode {
                symbology: Symbology::Qr,
                data: format!("PagoEfectivo CIP {}", cip_from_random(7)),
                text: String::new(),
            },
            "qr-cip".into(),
        ),
        (
            Barcode {
                symbology: Symbology::Qr,
                data: "https://vale.example/v/vch_123?cs=abc_DEF-789".into(),
                text: String::new(),
            },
            "qr-url".into(),
        ),
    ];
    for seed in [1_u64, 99, 12_345, u64::MAX] {
        let reference = reference_from_random(seed);
        cases.push((
            code128_barcode(&reference).unwrap(),
            format!("code128-ref-{seed}"),
        ));
        cases.push((
            gs1_barcode(
                "7709998000001",
                &reference,
                cop(seed as i64 % 4_000_000 + 5_000),
                due,
            )
            .unwrap(),
            format!("gs1-ref-{seed}"),
        ));
    }
    // Pseudo-random printable strings, digit-heavy so that set C runs of every parity
    // start and end everywhere: the code-set choices zbar must agree with.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..30 {
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let len = 1 + (next() % 30) as usize;
        let text: String = (0..len)
            .map(|_| match next() % 3 {
                0 => char::from(b'!' + (next() % 94) as u8),
                _ => char::from(b'0' + (next() % 10) as u8),
            })
            .collect();
        cases.push((
            code128_barcode(&text).unwrap(),
            format!("code128-random-{i}"),
        ));
    }
    for (barcode, name) in &cases {
        check(barcode, &format!("{name}.pgm"));
    }
    let _ = std::fs::remove_dir_all(temp_path("x").parent().unwrap());
}
