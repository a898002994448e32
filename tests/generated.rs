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
