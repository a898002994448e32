//! The committed completions and man pages match the clap definition, and
//! the definition itself is sound. Regenerate with:
//!   ABSURDCTL_REGENERATE=1 cargo test --test generated

use std::path::Path;

#[test]
fn clap_definition_is_consistent() {
    absurdctl::docs::command().debug_assert();
}

#[test]
fn committed_completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = absurdctl::docs::generated_files().unwrap();
    if std::env::var_os("ABSURDCTL_REGENERATE").is_some() {
        for dir in ["completions", "man"] {
            let _ = std::fs::remove_dir_all(root.join(dir));
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for (path, bytes) in &files {
            std::fs::write(root.join(path), bytes).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (path, bytes) in &files {
        match std::fs::read(root.join(path)) {
            Ok(committed) if &committed == bytes => {}
            _ => stale.push(path.display().to_string()),
        }
    }
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = Path::new(dir).join(entry.file_name());
            if !files.iter().any(|(p, _)| *p == rel) {
                stale.push(format!("{} (no longer generated)", rel.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are stale: {stale:?}\nregenerate with: ABSURDCTL_REGENERATE=1 cargo test --test generated"
    );
}

#[test]
fn bash_completion_sources_and_man_page_renders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bash = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}",
            root.join("completions/absurdctl.bash").display()
        ))
        .output()
        .unwrap();
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    // zsh and fish check syntax without running, where they are installed.
    for (shell, flag, file) in [
        ("zsh", "-n", "_absurdctl"),
        ("fish", "--no-execute", "absurdctl.fish"),
    ] {
        if let Ok(out) = std::process::Command::new(shell)
            .arg(flag)
            .arg(root.join("completions").join(file))
            .output()
        {
            assert!(
                out.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    if let Ok(out) = std::process::Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(root.join("man/absurdctl.1"))
        .env("MANWIDTH", "100")
        .output()
    {
        if out.status.success() {
            assert!(String::from_utf8_lossy(&out.stdout).contains("absurdctl"));
        }
    }
}

#[test]
fn every_command_help_shows_an_example() {
    fn leaves(cmd: &clap::Command, path: String, out: &mut Vec<(String, String)>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            let about = cmd
                .get_long_about()
                .or(cmd.get_about())
                .map(|a| a.to_string())
                .unwrap_or_default();
            out.push((path.clone(), about));
        }
        for sub in subs {
            leaves(sub, format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut cmd = absurdctl::docs::command();
    cmd.build();
    let mut all = Vec::new();
    leaves(&cmd, "absurdctl".into(), &mut all);
    let missing: Vec<&String> = all
        .iter()
        .filter(|(_, about)| !about.contains("Example"))
        .map(|(p, _)| p)
        .collect();
    assert!(all.len() >= 18, "{all:?}");
    assert!(
        missing.is_empty(),
        "commands whose help shows no example: {missing:?}"
    );
}

/// Every man page has the sections a man page has (EXIT STATUS,
/// ENVIRONMENT, EXAMPLES where --help gives one, SEE ALSO) and a synopsis
/// that says where global options and the command's own go.
#[test]
fn every_man_page_has_exit_status_environment_examples_and_see_also() {
    let pages = absurdctl::docs::man_pages().unwrap();
    assert!(pages.len() > 20);
    for (name, page) in &pages {
        let page = String::from_utf8_lossy(page);
        for section in [
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH \"SEE ALSO\"",
            ".SH SYNOPSIS",
        ] {
            assert!(page.contains(section), "{name} lacks {section}");
        }
        let synopsis = page
            .split(".SH SYNOPSIS\n")
            .nth(1)
            .unwrap()
            .lines()
            .next()
            .unwrap();
        assert!(
            synopsis.starts_with("\\fBabsurdctl\\fR [\\fIGLOBAL OPTIONS\\fR]"),
            "{name}: {synopsis}"
        );
        assert!(page.contains("\\fB130\\fR"), "{name}: the exit codes");
        assert!(
            page.contains("ABSURD_QUEUE_NAME"),
            "{name}: the environment"
        );
        if name != "absurdctl.1" {
            // `absurdctl [GLOBAL OPTIONS] tasks list [OPTIONS]` for
            // absurdctl-tasks-list.1: the command's words, in order.
            let plain = synopsis
                .replace("\\fB", "")
                .replace("\\fI", "")
                .replace("\\fR", "")
                .replace("\\-", "-");
            let words: Vec<&str> = plain
                .trim_start_matches("absurdctl [GLOBAL OPTIONS] ")
                .split(' ')
                .take_while(|w| !w.starts_with('[') && !w.starts_with("--") && *w != "COMMAND")
                .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
                .collect();
            assert_eq!(
                format!("absurdctl-{}.1", words.join("-")),
                *name,
                "{name}: {plain}"
            );
            // A command (not a group of them) gives an example in --help.
            if !page.contains(".SH SUBCOMMANDS") {
                assert!(
                    page.contains(".SH EXAMPLES"),
                    "{name}: its --help has an example"
                );
            }
        }
    }
    let worker = &pages
        .iter()
        .find(|(n, _)| n == "absurdctl-worker-run.1")
        .unwrap()
        .1;
    let worker = String::from_utf8_lossy(worker);
    assert!(
        worker.contains("ABSURD_WORKER_CONCURRENCY"),
        "the pipeline's variables"
    );
}
