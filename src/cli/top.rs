//! `top`: the live dashboard's options.

use clap::Args;

use super::checks::Judging;

/// Options of `top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Refresh every SECONDS
    #[arg(long, default_value_t = 2, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub interval: u64,

    /// Start with every queue that has tasks, a pause record or live
    /// workers, not only --queue (`a` toggles it in the view)
    #[arg(long)]
    pub all_queues: bool,

    /// Start with the view filtered to task names containing TEXT (`/`
    /// changes it in the view)
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    #[command(flatten)]
    pub judging: Judging,
}
