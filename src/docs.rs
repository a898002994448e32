//! Shell completions and man pages, generated from the clap definition so
//! that they can never say something --help does not.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The full command definition.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "absurdctl", &mut buf);
    buf
}

/// One man page for absurdctl and one per (sub)subcommand, named like
/// `absurdctl-tasks-list.1`.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(cmd.clone()).manual("absurdctl manual");
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        pages.push((man.get_filename(), buf));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, pages)?;
        }
        Ok(())
    }
    let mut cmd = command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(&cmd, &mut pages)?;
    Ok(pages)
}

/// Every generated file, by path relative to the repository root: what is
/// committed under completions/ and man/.
pub fn generated_files() -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = [
        (Shell::Bash, "absurdctl.bash"),
        (Shell::Zsh, "_absurdctl"),
        (Shell::Fish, "absurdctl.fish"),
        (Shell::Elvish, "absurdctl.elv"),
        (Shell::PowerShell, "_absurdctl.ps1"),
    ]
    .into_iter()
    .map(|(shell, name)| (PathBuf::from("completions").join(name), completion(shell)))
    .collect();
    for (name, page) in man_pages()? {
        files.push((PathBuf::from("man").join(name), page));
    }
    Ok(files)
}
