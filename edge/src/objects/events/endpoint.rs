//! A webhook endpoint as the events object stores it: how it renders, which events it
//! takes, and which secrets sign its deliveries (two during the 24 h after a rotation).

use super::store::rfc3339;
use crate::http::error::ApiResult;
use serde::Deserialize;
use vale_shared::webhook::WebhookSecret;

/// One row of the `endpoint` table.
#[derive(Deserialize)]
pub(super) struct EndpointRow {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) events: String,
    pub(super) secret: String,
    pub(super) old_secret: Option<String>,
    pub(super) old_secret_until_ms: Option<i64>,
    pub(super) livemode: i64,
    pub(super) status: String,
    pub(super) disabled_reason: Option<String>,
    pub(super) created_ms: i64,
}

/// The columns [`EndpointRow`] reads.
pub(super) const ENDPOINT_COLUMNS: &str = "id, url, events, secret, old_secret, old_secret_until_ms, livemode, status, disabled_reason, created_ms";

impl EndpointRow {
    /// The endpoint as the API shows it; the secret only when `with_secret` (on create).
    pub(super) fn render(&self, with_secret: bool) -> ApiResult<serde_json::Value> {
        let events: serde_json::Value = serde_json::from_str(&self.events)?;
        let mut value = serde_json::json!({
            "id": self.id, "object": "webhook_endpoint", "url": self.url, "events": events,
            "status": self.status, "disabled_reason": self.disabled_reason,
            "livemode": self.livemode != 0, "created_at": rfc3339(self.created_ms)?,
        });
        if with_secret && let Some(map) = value.as_object_mut() {
            map.insert(
                "secret".to_owned(),
                serde_json::Value::String(self.secret.clone()),
            );
        }
        Ok(value)
    }

    /// Whether it takes events of `kind`.
    pub(super) fn takes(&self, kind: &str) -> bool {
        serde_json::from_str::<Vec<String>>(&self.events)
            .is_ok_and(|events| events.iter().any(|e| e == "*" || e == kind))
    }

    /// The secrets that sign a delivery at `now_ms`: the current one, and the old one
    /// during the 24 h after a rotation.
    pub(super) fn secrets(&self, now_ms: i64) -> Vec<WebhookSecret> {
        let old = self
            .old_secret
            .as_deref()
            .filter(|_| self.old_secret_until_ms.is_some_and(|until| now_ms < until));
        [Some(self.secret.as_str()), old]
            .into_iter()
            .flatten()
            .filter_map(|s| WebhookSecret::parse(s).ok())
            .collect()
    }
}
