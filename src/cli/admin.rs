//! Setting up and sizing an installation: `migrate`, `bench`, `completions`.

use clap::Args;

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Change nothing; exit 1 when migrations are pending, 0 when current
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Show the detected shape and the migrations that would run; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// No-op tasks spawned in batches and then drained, per measurement
    #[arg(long, allow_negative_numbers = true, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub tasks: u32,

    /// Single spawns, single claims and pickups timed, per measurement
    #[arg(long, allow_negative_numbers = true, default_value_t = 1_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub samples: u32,

    /// In-process no-op workers draining the queue, each on its own connection
    #[arg(long, allow_negative_numbers = true, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,

    /// Tasks per batched spawn, per claim and per completion of the drain
    #[arg(long, allow_negative_numbers = true, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch: u32,

    /// Also measure with this many finished tasks of the bench queue in the
    /// table (e.g. 1000000; inserted in the server, removed at the end)
    #[arg(long, allow_negative_numbers = true, default_value_t = 0, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
    pub history: u64,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
