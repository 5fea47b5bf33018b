//! Settlement file parsers on generated 10,000-line files: an Efecty Asobancaria 2001
//! recaudo file (one lot) and a PagoEfectivo CSV, each written by its own writer.
//!
//! Run with `cargo bench -p vale-shared` (also part of `cargo xtask bench`). Prints
//! lines/s and MB/s for each parser; `BENCH_MS` sets the time budget per parser.
#![allow(
    clippy::unwrap_used,
    reason = "a bench runs natively on fixed inputs; a failure must stop it loudly"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};
use time::macros::{date, datetime, time};
use vale_shared::settlement::{efecty, pagoefectivo};
use vale_shared::{Currency, Money};

const LINES: usize = 10_000;

/// Parses `bytes` for at least `budget` after a warm-up and prints lines/s.
fn lines_per_second(name: &str, budget: Duration, bytes: &[u8], f: impl Fn(&[u8]) -> usize) {
    for _ in 0..3 {
        assert!(f(bytes) > 0);
    }
    let mut runs: u32 = 0;
    let start = Instant::now();
    while start.elapsed() < budget || runs < 5 {
        black_box(f(black_box(bytes)));
        runs += 1;
    }
    let per_file = start.elapsed().as_secs_f64() / f64::from(runs);
    println!(
        "{name:<48} {:>12.0} lines/s  {:>6.1} MB/s  ({:.2} ms per {LINES}-line file, {runs} runs)",
        LINES as f64 / per_file,
        bytes.len() as f64 / per_file / 1e6,
        per_file * 1e3,
    );
}

/// File header, lot header, details, lot control and file control: `LINES` records.
fn efecty_file() -> String {
    let details = (0..LINES - 4)
        .map(|i| efecty::Detail {
            line: 0,
            reference: format!("{}", 100_000_000_000_u64 + i as u64 * 7),
            amount: Money::new(500_000 + (i as i64 % 400) * 10_000, Currency::Cop).unwrap(),
            origin: "01".into(),
            payment_method: "01".into(),
            operation_number: format!("{:06}", i % 1_000_000),
            authorization: format!("{:06}", (i * 31) % 1_000_000),
            bank_code: "007".into(),
            branch: "0042".into(),
            sequence: format!("{:07}", i + 1),
            return_cause: "000".into(),
        })
        .collect();
    let file = efecty::Recaudo {
        header: efecty::FileHeader {
            nit: "9001234567".into(),
            collection_date: date!(2026 - 11 - 24),
            bank_code: "007".into(),
            account: format!("{:<17}", "000123456789012"),
            file_date: date!(2026 - 11 - 25),
            file_time: time!(06:00),
            modifier: "A".into(),
            account_type: "01".into(),
        },
        lots: vec![efecty::Lot {
            service_code: "7709998000001".into(),
            number: 1,
            details,
        }],
    };
    efecty::write(&file).unwrap()
}

/// The header row and `LINES - 1` payments.
fn pagoefectivo_file() -> String {
    let payments: Vec<_> = (0..LINES - 1)
        .map(|i| pagoefectivo::Payment {
            cip: format!("{}", 2_000_000_000_u64 + i as u64 * 13),
            amount: Money::new(100 + (i as i64 % 5000) * 7, Currency::Pen).unwrap(),
            paid_at: datetime!(2026-11-24 08:00 -5) + time::Duration::seconds(i as i64 * 5),
            operation_number: format!("OP-{i:08}"),
        })
        .collect();
    pagoefectivo::write(&payments).unwrap()
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(700),
    );
    let efecty_text = efecty_file();
    assert_eq!(efecty_text.lines().count(), LINES);
    lines_per_second(
        "settlement::efecty::parse (Asobancaria 2001)",
        budget,
        efecty_text.as_bytes(),
        |bytes| efecty::parse(bytes).unwrap().details().count(),
    );
    let pe_text = pagoefectivo_file();
    assert_eq!(pe_text.lines().count(), LINES);
    lines_per_second(
        "settlement::pagoefectivo::parse (CSV)",
        budget,
        pe_text.as_bytes(),
        |bytes| pagoefectivo::parse(bytes).unwrap().lines.len(),
    );
}
