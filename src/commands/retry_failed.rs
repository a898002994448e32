//! `absurdctl retry-failed` (alias `retry`): failed tasks back to pending.

use std::process::ExitCode;

use crate::cli::RetryFailedArgs;
use crate::commands::{bulk, Ctx};
use crate::queue::bulk::BulkAction;

pub async fn run(ctx: &Ctx, args: RetryFailedArgs) -> anyhow::Result<ExitCode> {
    let filter = bulk::filter_from_args(ctx, "retry-failed", &args.filter, args.bulk.dry_run)?;
    let action = BulkAction::RetryFailed {
        include_cancelled: args.include_cancelled,
        reset_attempts: args.reset_attempts,
    };
    bulk::run(ctx, action, filter, &args.bulk).await
}
