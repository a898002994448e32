//! Shell completion of the values that live in the database: queue names
//! for `--queue`, task names for `--task-name`, as bash runs the committed
//! completions/absurdctl.bash (and fish its script's call), with the
//! connection of the environment. Subcommands and flags complete as before.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// What bash offers for the words `line` (the cursor at its end), with
/// completions/absurdctl.bash sourced and absurdctl on the PATH.
fn bash_complete(url: &str, line: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_absurdctl")).parent().unwrap();
    let script = format!(
        r#"source {}
COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_clap_complete_absurdctl absurdctl "${{COMP_WORDS[$COMP_CWORD]}}" "${{COMP_WORDS[$COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        root.join("completions/absurdctl.bash").display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .env("ABSURD_DATABASE_URL", url)
        .env_remove("ABSURD_QUEUE_NAME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test]
async fn queue_and_task_names_complete_from_the_database() {
    let db = TestDb::migrated().await;
    db.seed([
        task().name("calibration-solve"),
        task().name("imaging"),
        task().queue("mosaic").name("create-mosaic"),
    ]);
    let queues = bash_complete(&db.url, "absurdctl status --queue ");
    assert_eq!(queues, ["dsa110-pipeline", "mosaic"], "{queues:?}");
    let names = bash_complete(&db.url, "absurdctl retry-failed --task-name ");
    assert_eq!(names, ["calibration-solve", "imaging"], "{names:?}");
    let some = bash_complete(&db.url, "absurdctl cancel --task-name cal");
    assert_eq!(some, ["calibration-solve"], "{some:?}");
    // Subcommands and flags, as --help has them.
    let subs = bash_complete(&db.url, "absurdctl prefl");
    assert_eq!(subs, ["preflight"], "{subs:?}");
    let flags = bash_complete(&db.url, "absurdctl errors --si");
    assert!(flags.contains(&"--since".to_string()), "{flags:?}");

    // fish's script makes this call.
    let fish = absurdctl_command(&["--", "absurdctl", "--queue", "m"])
        .env("COMPLETE", "fish")
        .env("ABSURD_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    let fish = String::from_utf8_lossy(&fish.stdout);
    assert_eq!(fish.trim(), "mosaic", "{fish}");

    // No database: no candidates, and no error in the shell.
    let none = bash_complete(
        "postgres://postgres@127.0.0.1:1/none",
        "absurdctl status --queue ",
    );
    assert!(none.is_empty(), "{none:?}");
}
