//! `absurdctl completions SHELL`: print a completion script.

use std::process::ExitCode;

use crate::cli::CompletionsArgs;
use crate::docs;
use crate::output::write_stdout;

pub fn run(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let script = docs::completion(args.shell);
    write_stdout(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}
