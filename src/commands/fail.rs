//! `absurdctl fail`: pending, retrying and claimed tasks straight to failed,
//! with the operator's reason as their error (runbook 003's force-fail).

use std::process::ExitCode;

use crate::cli::FailArgs;
use crate::commands::{bulk, Ctx};
use crate::queue::bulk::BulkAction;

pub async fn run(ctx: &Ctx, args: FailArgs) -> anyhow::Result<ExitCode> {
    let filter = bulk::filter_from_args(ctx, "fail", &args.filter, args.bulk.dry_run)?;
    let action = BulkAction::Fail {
        reason: args.reason,
    };
    bulk::run(ctx, action, filter, &args.bulk).await
}
