//! A settlement file's lines about this voucher. All of one file's lines come in one
//! command; `vale_shared::settlement::reconcile` decides, for all of them together,
//! which are payments the voucher holds and which are new, and the answer is written in
//! one transaction: the audit rows, the new payments, one listing row per line (what it
//! was, which payment it listed, what it said of its identity) and the state change with
//! its events. The same settlement sent again is answered from its listing rows.

use super::object::{VoucherObject, json};
use super::payments::{self, PaymentRow};
use super::protocol::{PaidWith, SettleLine, SettleLines, Settled, SettledLine};
use super::store::Stored;
use crate::http::error::{ApiError, ApiResult};
use crate::runtime::clock;
use crate::runtime::random;
use crate::runtime::storage::{int, opt_int, opt_text, text};
use serde::Deserialize;
use serde_json::json;
use vale_shared::event::EventType;
use vale_shared::networks::NetworkKey;
use vale_shared::payment::Listed;
use vale_shared::settlement::reconcile::{self, FileLine, PaymentRef};
use vale_shared::voucher::PaymentOutcome;

/// The row key of a payment a settlement line recorded: unique, and never compared as
/// an identity (a line number names no payment).
fn row_key(settlement: &str, line: usize) -> String {
    NetworkKey::SettlementLine {
        settlement: settlement.to_owned(),
        line,
    }
    .to_string()
}

/// The line as the audit trail keeps it.
fn audit_body(settlement: &str, line: &SettleLine) -> String {
    json!({
        "source": "settlement",
        "settlement": settlement,
        "line": line.line,
        "amount": line.amount.minor(),
        "currency": line.amount.currency().code(),
        "paid_at": line.paid_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
        "operation": line.operation,
    })
    .to_string()
}

impl VoucherObject {
    /// Reconciles one file's lines about this voucher.
    pub(super) async fn settle(&self, stored: Stored, batch: SettleLines) -> ApiResult<String> {
        let voucher_amount = stored.amount.minor();
        if let Some(lines) = self.settled_before(&batch.settlement)? {
            return json(&Settled {
                voucher_amount,
                lines,
            });
        }
        let held = payments::held(&self.shell.sql, stored.network)?;
        let payments: Vec<_> = held.iter().map(|h| h.held.clone()).collect();
        let file_lines: Vec<FileLine> = batch
            .lines
            .iter()
            .map(|l| FileLine {
                line: l.line,
                listed: Listed::of_line(stored.network, l.operation.as_deref()),
                amount: l.amount,
                paid_at: l.paid_at,
            })
            .collect();
        let real = clock::now();
        let settled = reconcile::settle(
            stored.network,
            stored.life,
            stored.amount,
            &stored.payment_code,
            &payments,
            &file_lines,
            stored.now(real),
        );
        let answer: Vec<SettledLine> = settled
            .lines
            .iter()
            .map(|l| SettledLine {
                line: l.line,
                category: l.category,
            })
            .collect();
        let mut audit_ids = Vec::new();
        for _ in settled.lines.iter().filter(|l| l.report.is_some()) {
            audit_ids.push(vale_shared::NotificationId::from_random(random::bytes()?).to_string());
        }
        let unexpected: Vec<(String, vale_shared::state::Anomaly)> = settled
            .payments
            .iter()
            .filter_map(|p| match p.payment.outcome {
                PaymentOutcome::Unexpected(anomaly) => {
                    Some((row_key(&batch.settlement, p.line), anomaly))
                }
                PaymentOutcome::Applied => None,
            })
            .collect();
        let changed = settled.life != stored.life;
        // Lines that only list payments the voucher holds change nothing the schedule,
        // the index or the outbox depend on: no alarm to move, nothing to forward.
        let moved = changed || !settled.payments.is_empty();
        // For a marketplace platform a listing of a payment held is news: it makes the
        // payment's shares available in its seller ledger, which the index sync tells
        // (issue #23). It is synced as a change is.
        let listed_held = !moved
            && settled
                .lines
                .iter()
                .any(|l| matches!(l.payment, Some(PaymentRef::Held(_))))
            && self
                .config()?
                .merchant(&stored.merchant)
                .is_some_and(|m| m.platform);
        let received_ms = clock::millis(real);
        let held_seqs: Vec<i64> = held.iter().map(|h| h.seq).collect();
        let events = unexpected.clone();
        let stored = self.write(stored, received_ms, move |tx, next| {
            let sql = tx.sql;
            let settlement = batch.settlement.as_str();
            let message_id = format!("settlement:{settlement}");
            // New payments first, in the order they were decided (their order is the
            // order of the voucher's `unexpected_payments`).
            let mut new_seqs = Vec::with_capacity(settled.payments.len());
            for p in &settled.payments {
                new_seqs.push(PaymentRow::insert(
                    sql,
                    &row_key(settlement, p.line),
                    None,
                    &next.payment_code,
                    &p.payment,
                    &message_id,
                    "settlement",
                )?);
            }
            let mut audit_ids = audit_ids.into_iter();
            for (outcome, line) in settled.lines.iter().zip(&batch.lines) {
                if let Some(report) = outcome.report {
                    let id = audit_ids
                        .next()
                        .ok_or_else(|| ApiError::internal("settle: an audit id is missing"))?;
                    sql.exec(
                        "INSERT INTO notification (id, message_id, network_key, received_ms, outcome, body) VALUES (?, ?, ?, ?, ?, ?)",
                        vec![
                            text(&id),
                            text(&message_id),
                            text(&row_key(settlement, line.line)),
                            int(received_ms),
                            text(report.as_str()),
                            text(&audit_body(settlement, line)),
                        ],
                    )?;
                }
                let seq = match outcome.payment {
                    Some(PaymentRef::Held(i)) => held_seqs.get(i).copied(),
                    Some(PaymentRef::New(i)) => new_seqs.get(i).copied(),
                    None => None,
                };
                sql.exec(
                    "INSERT INTO listing (settlement, line, category, payment_seq, listed_as) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        text(settlement),
                        int(i64::try_from(line.line).unwrap_or(i64::MAX)),
                        text(outcome.category.as_str()),
                        opt_int(seq),
                        opt_text(line.operation.as_deref()),
                    ],
                )?;
            }
            if changed {
                next.record_move(sql, settled.life, tx.key, tx.now_ms)?;
            }
            if listed_held {
                next.indexed_version = next.version.saturating_sub(1);
                sql.exec(
                    "UPDATE voucher SET indexed_version = ?",
                    vec![int(next.indexed_version)],
                )?;
            }
            for (change, _) in &events {
                next.emit(
                    sql,
                    EventType::VoucherPaymentUnexpected,
                    change,
                    tx.key,
                    tx.now_ms,
                )?;
            }
            Ok(())
        })?;
        // Only what moved (or, for a platform, a listing of a payment held) is followed
        // by the alarm, the index and the outbox.
        if moved || listed_held {
            self.after_write(&stored).await?;
        }
        for (change, anomaly) in unexpected {
            // Reload after each await.
            if let Some(stored) = Stored::load(&self.shell.sql)? {
                self.refund_unexpected(stored, &change, anomaly).await;
            }
        }
        json(&Settled {
            voucher_amount,
            lines: answer,
        })
    }

    /// What `settlement` found here the first time, if it was applied already.
    fn settled_before(&self, settlement: &str) -> ApiResult<Option<Vec<SettledLine>>> {
        #[derive(Deserialize)]
        struct Done {
            line: i64,
            category: String,
        }
        let done: Vec<Done> = self
            .shell
            .sql
            .exec(
                "SELECT line, category FROM listing WHERE settlement = ? ORDER BY line",
                vec![text(settlement)],
            )?
            .to_array()?;
        if done.is_empty() {
            return Ok(None);
        }
        let corrupt = || ApiError::internal("stored listing: bad row");
        done.into_iter()
            .map(|d| {
                Ok(SettledLine {
                    line: usize::try_from(d.line).map_err(|_| corrupt())?,
                    category: d.category.parse().map_err(|_| corrupt())?,
                })
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }

    /// The payment that paid the voucher, as the sandbox's settlement file lists it.
    pub(super) fn paid_with(&self, stored: &Stored) -> ApiResult<String> {
        #[derive(Deserialize)]
        struct Alias {
            listed_as: String,
        }
        let held = payments::held(&self.shell.sql, stored.network)?;
        let paid = held
            .iter()
            .find(|h| h.held.outcome == PaymentOutcome::Applied)
            .ok_or_else(|| ApiError::not_pending(stored.life.status, "be settled"))?;
        let operation = match &paid.held.identity {
            Some(identity) => Some(identity.file_form()),
            None => self
                .shell
                .sql
                .exec(
                    "SELECT listed_as FROM listing WHERE payment_seq = ? AND listed_as IS NOT NULL ORDER BY settlement, line LIMIT 1",
                    vec![int(paid.seq)],
                )?
                .to_array::<Alias>()?
                .into_iter()
                .next()
                .map(|a| a.listed_as),
        };
        json(&PaidWith {
            payment_code: paid.held.code.clone(),
            amount: paid.held.amount.minor(),
            paid_at: paid.held.paid_at.unix_timestamp(),
            operation,
        })
    }
}
