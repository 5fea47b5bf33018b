//! The refunds of one voucher, newest first.

use super::*;
use crate::http::error::ApiResult;
use crate::objects::voucher::object::{VoucherObject, json};
use crate::objects::voucher::store::Stored;
use crate::runtime::clock;
use serde_json::json;
use time::OffsetDateTime;
use vale_shared::refund::RefundStatus;
use vale_shared::refund::flow::{self, Command as Ask};

impl VoucherObject {
    /// This voucher's refunds, newest first.
    pub(in crate::objects::voucher) fn list_refunds(
        &self,
        stored: &Stored,
        status: Option<RefundStatus>,
        origin: &str,
    ) -> ApiResult<String> {
        let config = self.config()?;
        let key = config.server_key.expose().as_bytes();
        let mut data = Vec::new();
        for row in load_all(&self.shell.sql)?.iter().rev() {
            if status.is_none_or(|s| row.status == s.as_str()) {
                data.push(render(row, stored, key, origin, false)?);
            }
        }
        json(&json!({"object": "list", "data": data, "has_more": false}))
    }

    /// Refund deadlines that passed at `now` (voucher clock): a destination never chosen
    /// (`expired`); a withdrawal whose `collectable_until` passed is marked past due
    /// (`refund.updated`, `withdrawal.status: "past_due"`) and nothing is released: the
    /// code may still be live at the rail (regression, review H2).
    pub(in crate::objects::voucher) async fn refund_deadlines(
        &self,
        now: OffsetDateTime,
    ) -> ApiResult<()> {
        let now_ms = clock::millis(now);
        for row in load_all(&self.shell.sql)? {
            let Some(stored) = Stored::load(&self.shell.sql)? else {
                return Ok(());
            };
            let ask = match row.status()? {
                RefundStatus::RequiresAction if row.expires_ms <= now_ms => Ask::Expire,
                RefundStatus::Processing
                    if row.past_due_ms.is_none()
                        && row
                            .collectable_until_ms
                            .is_some_and(|until| until <= now_ms) =>
                {
                    Ask::CollectionDue
                }
                _ => continue,
            };
            let Ok(change) = flow::decide(row.flow(None)?, ask) else {
                continue;
            };
            let write = Write::from_change(&row, &change, None);
            let config = self.config()?;
            let key = config.server_key.expose().as_bytes().to_vec();
            let origin = stored.issued.origin.clone();
            self.apply(stored, row, write, &key, &origin, false).await?;
        }
        Ok(())
    }
}
