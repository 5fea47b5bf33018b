//! Hot paths of the edge and the widget, timed with `std::time::Instant`:
//! verifying and signing a 1 KiB Efecty notification (Standard Webhooks), encoding a
//! GS1-128 recaudo string as Code 128, and encoding a QR code.
//!
//! Run with `cargo bench -p vale-shared`. Prints ns/op and how much verification costs
//! over one raw HMAC-SHA256 of the same bytes (parsing headers, base64, `verify_slice`).
#![allow(
    clippy::unwrap_used,
    reason = "a bench runs natively on fixed inputs; a failure must stop it loudly"
)]

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::hint::black_box;
use std::time::{Duration, Instant};
use vale_shared::barcode::{Barcode, Symbology, code128, gs1, qr, symbol};
use vale_shared::webhook::{WebhookSecret, sign, verify};

/// Runs `f` for at least `budget`, after a warm-up, and returns nanoseconds per call.
fn time_it(name: &str, budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let mut iterations: u64 = 0;
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..100 {
            f();
        }
        iterations += 100;
    }
    let ns = start.elapsed().as_nanos() as f64 / iterations as f64;
    println!("{name:<48} {ns:>12.0} ns/op  ({iterations} iterations)");
    ns
}

/// A realistic Efecty notification padded to exactly 1 KiB.
fn notification_1k() -> Vec<u8> {
    let head = r#"{"type":"payment.succeeded","data":{"payment_code":"100000000420","amount":5000000,"currency":"COP","paid_at":"2026-11-24T16:05:00-05:00","agent_id":"efecty-bog-0042","authorization":"A123456","note":""#;
    let tail = r#""}}"#;
    let mut body = head.as_bytes().to_vec();
    body.resize(1024 - tail.len(), b'x');
    body.extend_from_slice(tail.as_bytes());
    body
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(700),
    );
    let secret = WebhookSecret::parse("whsec_ZWZlY3R5X2xvY2FsX3NlY3JldF9rZXk=").unwrap();
    let body = notification_1k();
    assert_eq!(body.len(), 1024);
    let (id, ts) = ("msg_2mVtd0rYQW8uJXo1sZb7kP3nQx", 1_795_000_000_i64);
    let ts_text = ts.to_string();
    // Rotation: the header carries a stale key's signature before the current one.
    let stale = WebhookSecret::from_key(vec![3; 24]).unwrap();
    let header = format!(
        "{} {}",
        sign(&stale, id, ts, &body),
        sign(&secret, id, ts, &body)
    );
    verify(&secret, id, &ts_text, &header, &body, ts).unwrap();

    let verify_ns = time_it("webhook::verify (1 KiB, 2 signatures)", budget, || {
        black_box(verify(
            black_box(&secret),
            black_box(id),
            black_box(&ts_text),
            black_box(&header),
            black_box(&body),
            black_box(ts),
        ))
        .unwrap();
    });
    time_it("webhook::sign (1 KiB)", budget, || {
        black_box(sign(
            black_box(&secret),
            black_box(id),
            black_box(ts),
            black_box(&body),
        ));
    });
    let key = b"efecty_local_secret_key";
    let signed_content: Vec<u8> = [id.as_bytes(), b".", ts_text.as_bytes(), b".", &body].concat();
    let raw_ns = time_it(
        "raw HMAC-SHA256 (same bytes, keyed each time)",
        budget,
        || {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(key)).unwrap();
            mac.update(black_box(&signed_content));
            black_box(mac.finalize().into_bytes());
        },
    );

    let recaudo = "(415)7709998000001(8020)100000000420(3900)50000(96)20261125";
    time_it("GS1 parse + Code 128 encode + modules", budget, || {
        let units = gs1::parse(black_box(recaudo)).unwrap().to_code128_units();
        black_box(code128::encode(&units).unwrap().modules());
    });
    let gs1_barcode = Barcode {
        symbology: Symbology::Gs1_128,
        data: recaudo.to_string(),
        text: recaudo.to_string(),
    };
    time_it("barcode::symbol (GS1-128)", budget, || {
        black_box(symbol(black_box(&gs1_barcode)).unwrap());
    });
    time_it("QR encode (level M, 45-byte URL)", budget, || {
        black_box(qr::encode(black_box("https://vale.example/v/vch_123?cs=abc_DEF-789")).unwrap());
    });

    println!(
        "verify / raw HMAC-SHA256 over the same bytes: {:.2}x (verify parses the headers, \
         base64-decodes both entries and compares one MAC against each)",
        verify_ns / raw_ns
    );
}
