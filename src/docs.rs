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

/// The completion script for `shell`: it hands each completion to
/// `COMPLETE=<shell> absurdctl` (clap_complete's dynamic engine), which
/// knows every subcommand and flag, as --help does, and also the values
/// that live in the database (queue and task names: [`crate::complete`]).
pub fn completion(shell: Shell) -> Vec<u8> {
    use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        _ => &Powershell,
    };
    let mut buf = Vec::new();
    completer
        .write_registration("COMPLETE", "absurdctl", "absurdctl", "absurdctl", &mut buf)
        .expect("writing to a Vec");
    if shell == Shell::Zsh {
        // Installed in $fpath, the file is autoloaded as the function
        // _absurdctl at the first completion: complete that one too (sourced,
        // the compdef above is all it takes).
        buf.extend_from_slice(
            b"[[ ${funcstack[1]-} == _absurdctl ]] && _clap_dynamic_completer_absurdctl \"$@\"\n",
        );
    }
    buf
}

/// One man page for absurdctl and one per (sub)subcommand, named like
/// `absurdctl-tasks-list.1`: clap_mangen's page with a synopsis that says
/// where the options go, and the sections a man page has that clap does not
/// know: EXIT STATUS, ENVIRONMENT, EXAMPLES, SEE ALSO.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(
        cmd: &clap::Command,
        path: &[String],
        pages: &mut Vec<(String, Vec<u8>)>,
    ) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(cmd.clone()).manual("absurdctl manual");
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        let page = String::from_utf8(buf).expect("clap_mangen writes UTF-8");
        pages.push((
            man.get_filename(),
            finish_page(cmd, path, &page).into_bytes(),
        ));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut sub_path = path.to_vec();
            sub_path.push(sub.get_name().to_string());
            walk(sub, &sub_path, pages)?;
        }
        Ok(())
    }
    let mut cmd = command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(&cmd, &[], &mut pages)?;
    Ok(pages)
}

/// The exit codes every command uses (README, "Exit codes").
const EXIT_CODES: [(&str, &str); 8] = [
    ("0", "success (also: nothing to do)"),
    ("1", "the operation failed (no task with that id, drain --timeout expired, migrate --check found migrations pending, a worker could not store results)"),
    ("2", "bad usage or input; nothing was changed"),
    ("3", "the database could not be reached, or stopped answering"),
    ("4", "the schema needs absurdctl migrate, or was migrated by a newer absurdctl"),
    ("5", "refused: confirmation declined, or no terminal and no --yes"),
    ("6", "wait --timeout expired before its condition held"),
    ("130", "interrupted (Ctrl-C); what was committed stays, the summary says how far it got"),
];

/// Variables read besides those of the flags (src/config.rs).
const CONNECTION_ENV: [(&str, &str); 3] = [
    (
        "ABSURD_DATABASE_URL, DATABASE_URL",
        "the database, when --database-url is not given (in this order)",
    ),
    (
        "PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGPASSFILE",
        "libpq's variables, when no URL is given",
    ),
    ("NO_COLOR", "set and not empty: no colour"),
];

fn finish_page(cmd: &clap::Command, path: &[String], page: &str) -> String {
    use roff::{bold, italic, roman, Roff};
    let name = |p: &[String]| {
        std::iter::once("absurdctl".to_string())
            .chain(p.iter().cloned())
            .collect::<Vec<_>>()
            .join("-")
    };
    // SYNOPSIS: absurdctl [GLOBAL OPTIONS] tasks list [OPTIONS] [ARGS]
    let mut synopsis = vec![
        bold("absurdctl"),
        roman(" ["),
        italic("GLOBAL OPTIONS"),
        roman("]"),
    ];
    for word in path {
        synopsis.push(roman(" "));
        synopsis.push(bold(word.as_str()));
    }
    let has_options = cmd
        .get_arguments()
        .any(|a| !a.is_positional() && !a.is_global_set() && !a.is_hide_set());
    if has_options && !path.is_empty() {
        synopsis.extend([roman(" ["), italic("OPTIONS"), roman("]")]);
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        let last = arg.is_last_set();
        let text = format!(
            "{}{value}{}",
            if last { "-- " } else { "" },
            if many { "..." } else { "" }
        );
        if arg.is_required_set() {
            synopsis.extend([roman(" "), italic(text)]);
        } else {
            synopsis.extend([roman(" ["), italic(text), roman("]")]);
        }
    }
    if cmd.has_subcommands() {
        synopsis.extend([
            roman(" "),
            italic("COMMAND"),
            roman(" ["),
            italic("OPTIONS"),
            roman("]"),
        ]);
    }
    let mut head = Roff::new();
    head.control("SH", ["SYNOPSIS"]).text(synopsis);

    let mut tail = Roff::new();
    tail.control("SH", ["EXIT STATUS"]);
    let checks = matches!(
        path.first().map(String::as_str),
        Some("status" | "preflight")
    );
    if checks {
        tail.text([roman(
            "With --check (status) and always (preflight): the Nagios convention, the worst finding: \
             0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Otherwise:",
        )]);
    }
    for (code, meaning) in EXIT_CODES {
        tail.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
    tail.control("SH", ["ENVIRONMENT"]);
    let mut seen = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if let Some(var) = arg.get_env() {
            let var = var.to_string_lossy().to_string();
            if seen.contains(&var) {
                continue;
            }
            seen.push(var.clone());
            let flag = arg
                .get_long()
                .map(|l| format!("--{l}"))
                .unwrap_or_else(|| arg.get_id().to_string());
            tail.control("TP", [])
                .text([bold(var)])
                .text([roman(format!(
                    "the value of {flag} when it is not given (the flag wins)"
                ))]);
        }
    }
    for (var, meaning) in CONNECTION_ENV {
        tail.control("TP", [])
            .text([bold(var)])
            .text([roman(meaning)]);
    }
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    let examples: Vec<&str> = about
        .lines()
        .filter_map(|l| {
            // `Example: ...`, `Examples: ...`, `Example (crontab): ...`
            let rest = &l[l.find("Example")? + "Example".len()..];
            let colon = rest.find(':')?;
            let label = rest[..colon].trim_start_matches('s').trim();
            (label.is_empty() || (label.starts_with('(') && label.ends_with(')')))
                .then(|| rest[colon + 1..].trim())
        })
        .filter(|l| !l.is_empty())
        .collect();
    if !examples.is_empty() {
        tail.control("SH", ["EXAMPLES"]);
        for e in examples {
            tail.control("PP", []).text([roman(e)]);
        }
    }
    tail.control("SH", ["SEE ALSO"]);
    let mut related: Vec<String> = Vec::new();
    if !path.is_empty() {
        related.push("absurdctl".into());
        if path.len() > 1 {
            related.push(name(&path[..path.len() - 1]));
        }
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut p = path.to_vec();
        p.push(sub.get_name().to_string());
        related.push(name(&p));
    }
    let mut refs = Vec::new();
    for (i, r) in related.iter().enumerate() {
        if i > 0 {
            refs.push(roman(", "));
        }
        refs.push(bold(r.as_str()));
        refs.push(roman("(1)"));
    }
    if !refs.is_empty() {
        refs.push(roman("; "));
    }
    refs.push(roman(
        "README.md of absurdctl, and /usr/share/absurdctl (units, alert rules, dashboard)",
    ));
    tail.text(refs);

    // clap_mangen's synopsis lists every flag, globals among them, with no
    // values: ours says where each kind goes (OPTIONS list them all).
    let mut out = String::with_capacity(page.len() + 2048);
    let (before, rest) = page.split_once(".SH SYNOPSIS\n").expect("a synopsis");
    let rest = &rest[rest.find("\n.SH ").map_or(rest.len(), |i| i + 1)..];
    out.push_str(before);
    out.push_str(&head.to_roff());
    let at = rest.find(".SH VERSION").unwrap_or(rest.len());
    out.push_str(&rest[..at]);
    out.push_str(&tail.to_roff());
    out.push_str(&rest[at..]);
    out
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
