//! What the events object says about where an event went (issue #24: a voucher's timeline
//! and the webhooks view of the dashboard): the events about one voucher (the voucher's own
//! and its refunds'), and an event's deliveries, one per endpoint it was meant for, with
//! the attempts made, where it stands and the endpoint's last HTTP status. Reads only.

use super::object::Events;
use super::store::{EVENT_COLUMNS, EventRow, render, rfc3339};
use crate::http::error::ApiResult;
use crate::runtime::storage::{int, text};
use serde::Deserialize;
use vale_shared::event::EventType;

/// One delivery row, with its endpoint's URL (gone if the endpoint was deleted).
#[derive(Deserialize)]
struct DeliveryRow {
    endpoint_id: String,
    url: Option<String>,
    attempts: i64,
    next_at_ms: Option<i64>,
    state: String,
    last_status: Option<i64>,
}

impl Events {
    /// `{object: "list", data: [webhook_delivery…], has_more: false}` for event `id`
    /// (`404` for an event this object does not hold).
    pub(super) fn deliveries(&self, id: &str) -> ApiResult<String> {
        let event = self.event(id)?;
        let rows: Vec<DeliveryRow> = self
            .shell
            .sql
            .exec(
                "SELECT d.endpoint_id, e.url, d.attempts, d.next_at_ms, d.state, d.last_status
                 FROM delivery d LEFT JOIN endpoint e ON e.id = d.endpoint_id
                 WHERE d.event_id = ? ORDER BY d.endpoint_id",
                vec![text(&event.id)],
            )?
            .to_array()?;
        let mut data = Vec::with_capacity(rows.len());
        for row in rows {
            let next = match (row.state.as_str(), row.next_at_ms) {
                ("pending", Some(ms)) => Some(rfc3339(ms)?),
                _ => None,
            };
            data.push(serde_json::json!({
                "object": "webhook_delivery",
                "event": event.id,
                "endpoint": row.endpoint_id,
                "url": row.url,
                "status": row.state,
                "attempts": row.attempts,
                "last_response_status": row.last_status,
                "next_attempt_at": next,
            }));
        }
        Ok(serde_json::json!({"object": "list", "data": data, "has_more": false}).to_string())
    }

    /// The events whose data is voucher `voucher` or one of its refunds (of type `kind`
    /// when given), newest first (at most `limit`, after `after`'s): `{object: "list",
    /// data, has_more}`.
    pub(super) fn about_voucher(
        &self,
        voucher: &str,
        kind: Option<EventType>,
        limit: u32,
        after: Option<&str>,
    ) -> ApiResult<String> {
        let mut sql = format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE (json_extract(data, '$.id') = ? OR json_extract(data, '$.voucher') = ?)"
        );
        let mut bindings = vec![text(voucher), text(voucher)];
        if let Some(kind) = kind {
            sql.push_str(" AND type = ?");
            bindings.push(text(kind.as_str()));
        }
        if let Some(after) = after {
            let seq = crate::runtime::storage::cursor(
                &self.shell.sql,
                "event",
                after,
                "an event of this account",
            )?;
            sql.push_str(" AND seq < ?");
            bindings.push(int(seq));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        bindings.push(int(i64::from(limit) + 1));
        let rows: Vec<EventRow> = self.shell.sql.exec(&sql, bindings)?.to_array()?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut body = String::from(r#"{"object":"list","data":["#);
        for (i, row) in rows.iter().take(limit).enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&render(row, true)?);
        }
        body.push_str(r#"],"has_more":"#);
        body.push_str(if rows.len() > limit { "true" } else { "false" });
        body.push('}');
        Ok(body)
    }
}
