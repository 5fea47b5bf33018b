//! What the events object's alarm does: sends the deliveries that are due (in parallel),
//! writes each result after those awaits, redacts personal data past its retention, and
//! sets the next alarm from storage.

use super::delivery::{self, Attempt};
use super::object::*;
use super::retention;
use super::store::*;
use crate::http::error::ApiResult;
use crate::runtime::clock;
use crate::runtime::storage::{self, int, opt_int, opt_text, text};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Deserialize;
use vale_shared::event::{is_worn_out, retry_after};
use worker::ScheduledTime;

impl Events {
    /// The alarm at the earliest due delivery to an enabled endpoint or redaction, from
    /// storage.
    pub(super) async fn schedule(&self) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Next {
            next: Option<i64>,
        }
        let next = self
            .shell
            .sql
            .exec(
                "SELECT MIN(at) AS next FROM (
                   SELECT MIN(d.next_at_ms) AS at FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id
                    WHERE d.state = 'pending' AND e.status = 'enabled'
                   UNION ALL
                   SELECT MIN(redact_at_ms) AS at FROM event WHERE redact_at_ms IS NOT NULL)",
                None,
            )?
            .to_array::<Next>()?
            .into_iter()
            .next()
            .and_then(|n| n.next);
        let storage = self.shell.storage();
        match next {
            Some(at) => {
                #[allow(clippy::cast_precision_loss)] // Unix milliseconds fit an f64 exactly.
                let date = worker::js_sys::Date::new(&(at as f64).into());
                storage.set_alarm(ScheduledTime::new(date)).await?;
            }
            None => storage.delete_alarm().await?,
        }
        Ok(())
    }

    /// Sends every due delivery (a batch at a time), records the results, reschedules;
    /// nothing if a pass is already under way (it reschedules when it ends).
    pub(super) async fn deliver_due(&self) -> ApiResult<()> {
        if self.delivering.replace(true) {
            return Ok(());
        }
        let result = self.deliver_batch().await;
        self.delivering.set(false);
        result?;
        self.schedule().await
    }

    pub(super) async fn deliver_batch(&self) -> ApiResult<()> {
        if !self.shell.existing()? {
            return Ok(());
        }
        #[derive(Deserialize)]
        struct Due {
            endpoint_id: String,
            event_id: String,
            attempts: i64,
        }
        let now_ms = clock::millis(clock::now());
        self.redact_due(now_ms)?;
        let due: Vec<Due> = self
            .shell
            .sql
            .exec(
                "SELECT d.endpoint_id, d.event_id, d.attempts FROM delivery d JOIN endpoint e ON e.id = d.endpoint_id
                 WHERE d.state = 'pending' AND e.status = 'enabled' AND d.next_at_ms <= ?
                 ORDER BY d.next_at_ms LIMIT ?",
                vec![int(now_ms), int(BATCH)],
            )?
            .to_array()?;
        let mut sends = FuturesUnordered::new();
        for d in due {
            let endpoint = self.endpoint(&d.endpoint_id)?;
            let body = render(&self.event(&d.event_id)?, false)?;
            let secrets = endpoint.secrets(now_ms);
            let url = endpoint.url.clone();
            sends.push(async move {
                let attempt =
                    delivery::send(&url, &d.event_id, &body, &secrets, now_ms.div_euclid(1000))
                        .await;
                (d, attempt)
            });
        }
        // Each result is written as soon as it comes (reloaded after its await: only if no
        // retry reset the row meanwhile), so a stop in the middle of a batch re-sends only
        // the deliveries that were still in flight.
        while let Some((d, attempt)) = sends.next().await {
            let done_ms = clock::millis(clock::now());
            let outcome = vec![(d.endpoint_id, d.event_id, d.attempts, attempt)];
            self.record(outcome, done_ms)?;
        }
        Ok(())
    }

    /// Empties the customer of every event whose time has come (a batch at a time, in
    /// one transaction; the alarm comes back for the rest).
    pub(super) fn redact_due(&self, now_ms: i64) -> ApiResult<()> {
        #[derive(Deserialize)]
        struct Due {
            id: String,
            data: String,
        }
        let due: Vec<Due> = self
            .shell
            .sql
            .exec(
                "SELECT id, data FROM event WHERE redact_at_ms IS NOT NULL AND redact_at_ms <= ?
                 ORDER BY redact_at_ms LIMIT ?",
                vec![int(now_ms), int(REDACT_BATCH)],
            )?
            .to_array()?;
        if due.is_empty() {
            return Ok(());
        }
        storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
            for event in &due {
                match retention::without_customer(&event.data) {
                    Some(data) => sql.exec(
                        "UPDATE event SET data = ?, redact_at_ms = NULL WHERE id = ?",
                        vec![text(&data), text(&event.id)],
                    )?,
                    None => sql.exec(
                        "UPDATE event SET redact_at_ms = NULL WHERE id = ?",
                        vec![text(&event.id)],
                    )?,
                };
            }
            Ok(())
        })
    }

    /// Writes the outcomes of delivery attempts, in one transaction.
    pub(super) fn record(
        &self,
        outcomes: Vec<(String, String, i64, Attempt)>,
        done_ms: i64,
    ) -> ApiResult<()> {
        storage::atomically(&self.shell.storage(), &self.shell.sql, move |sql| {
            for (endpoint, event, attempts, attempt) in &outcomes {
                let made = attempts + 1;
                let (state, next) = if attempt.succeeded() {
                    ("succeeded", None)
                } else {
                    match retry_after(u32::try_from(made).unwrap_or(u32::MAX)) {
                        Some(wait) => (
                            "pending",
                            Some(
                                done_ms
                                    + i64::try_from(wait.whole_milliseconds()).unwrap_or(i64::MAX),
                            ),
                        ),
                        None => ("failed", None),
                    }
                };
                sql.exec(
                    "UPDATE delivery SET attempts = ?, state = ?, next_at_ms = ?, last_status = ?, last_answer = ?
                     WHERE endpoint_id = ? AND event_id = ? AND attempts = ? AND state = 'pending'",
                    vec![
                        int(made),
                        text(state),
                        opt_int(next),
                        opt_int(attempt.status.map(i64::from)),
                        opt_text(Some(&attempt.answer)),
                        text(endpoint),
                        text(event),
                        int(*attempts),
                    ],
                )?;
                if attempt.succeeded() {
                    sql.exec(
                        "UPDATE endpoint SET failing_since_ms = NULL WHERE id = ?",
                        vec![text(endpoint)],
                    )?;
                } else {
                    let why = attempt
                        .status
                        .map_or_else(|| attempt.answer.clone(), |s| format!("HTTP {s}"));
                    let reason = format!("Every delivery failed for 5 days (the last: {why}).");
                    sql.exec(
                        "UPDATE endpoint SET failing_since_ms = COALESCE(failing_since_ms, ?) WHERE id = ?",
                        vec![int(done_ms), text(endpoint)],
                    )?;
                    #[derive(Deserialize)]
                    struct Since {
                        failing_since_ms: Option<i64>,
                    }
                    let since = sql
                        .exec(
                            "SELECT failing_since_ms FROM endpoint WHERE id = ?",
                            vec![text(endpoint)],
                        )?
                        .to_array::<Since>()?
                        .into_iter()
                        .next()
                        .and_then(|s| s.failing_since_ms);
                    if is_worn_out(since, done_ms) {
                        sql.exec(
                            "UPDATE endpoint SET status = 'disabled', disabled_reason = ? WHERE id = ? AND status = 'enabled'",
                            vec![text(&reason), text(endpoint)],
                        )?;
                    }
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}
