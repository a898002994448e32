//! `absurdctl cancel`: pending and retrying (optionally claimed) tasks to cancelled.

use std::process::ExitCode;

use crate::cli::CancelArgs;
use crate::commands::{bulk, Ctx};
use crate::queue::bulk::BulkAction;

pub async fn run(ctx: &Ctx, args: CancelArgs) -> anyhow::Result<ExitCode> {
    let filter = bulk::filter_from_args(ctx, "cancel", &args.filter, args.bulk.dry_run)?;
    let action = BulkAction::Cancel {
        include_claimed: args.include_claimed,
        reason: args.reason,
    };
    bulk::run(ctx, action, filter, &args.bulk).await
}
