//! Where an event went (issue #24: a voucher's timeline and the webhooks view of the
//! dashboard): an event's deliveries, one per endpoint it was meant for, with the attempts
//! made, where it stands and the endpoint's last HTTP status. Reads only. (The events about
//! one voucher are the event list with a voucher filter, `Events::list`.)

use super::object::Events;
use super::store::rfc3339;
use crate::http::error::ApiResult;
use crate::runtime::storage::text;
use serde::Deserialize;

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
}
