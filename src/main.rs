//! absurdctl: the operator's tool for the ABSURD PostgreSQL task queue.
//!
//! `main` only parses, runs and turns the outcome into an exit code; the
//! commands live in `commands/`, the SQL in `queue/`. It is the one place the
//! process exits: a command that must stop at once (a second Ctrl-C) asks
//! for it with `interact::abort`, and the terminal is restored on every path.

use absurdctl::{cli, commands, error, interact};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `COMPLETE=bash absurdctl -- ...`: the shell asks for completions
    // (completions/ registers it); answered here, before any parsing.
    clap_complete::CompleteEnv::with_factory(absurdctl::docs::command)
        .completer("absurdctl")
        .complete();
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
    // The command runs as a task of its own, so that an abort is seen here
    // even while the command is busy.
    let outcome = runtime.block_on(async {
        let command = tokio::spawn(commands::run(cli));
        tokio::select! {
            biased;
            () = interact::aborted() => None,
            joined = command => Some(joined),
        }
    });
    let code = match outcome {
        None => {
            // Whatever still runs is dropped, not waited for.
            runtime.shutdown_background();
            ExitCode::from(error::EXIT_INTERRUPTED)
        }
        Some(Ok(Ok(code))) => code,
        Some(Ok(Err(err))) => error::report(&err),
        Some(Err(join)) => match join.try_into_panic() {
            Ok(panic) => {
                interact::restore_terminal();
                std::panic::resume_unwind(panic)
            }
            Err(e) => error::report(&e.into()),
        },
    };
    interact::restore_terminal();
    code
}
