//! Work the cron starts rather than a request.

pub mod payouts;
pub mod sweep;
