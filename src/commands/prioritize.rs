//! `absurdctl prioritize`: a new priority for pending and retrying tasks.

use std::process::ExitCode;

use crate::cli::PrioritizeArgs;
use crate::commands::{bulk, Ctx};
use crate::queue::bulk::BulkAction;

pub async fn run(ctx: &Ctx, args: PrioritizeArgs) -> anyhow::Result<ExitCode> {
    let filter = bulk::filter_from_args(ctx, "prioritize", &args.filter, args.bulk.dry_run)?;
    let action = BulkAction::Prioritize {
        priority: args.priority,
    };
    bulk::run(ctx, action, filter, &args.bulk).await
}
