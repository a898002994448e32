//! absurdctl: the operator's tool for the ABSURD PostgreSQL task queue.
//!
//! `main` only parses, runs and turns the outcome into an exit code; the
//! commands live in `commands/`, the SQL in `queue/`.

use absurdctl::{cli, commands, error};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("absurdctl: cannot start the async runtime: {e}");
            return ExitCode::from(error::EXIT_FAILURE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => error::report(&err),
    }
}
