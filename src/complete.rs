//! Completion of values from the database: queue names and task names, for
//! `--queue` and `--task-name` in bash, zsh and fish. The shell scripts
//! under completions/ call back into absurdctl (`COMPLETE=bash absurdctl
//! -- ...`, clap_complete's dynamic engine), which reads the names with the
//! connection settings of the environment (ABSURD_DATABASE_URL, ...;
//! ABSURD_QUEUE_NAME for the task names). No database, no answer in time,
//! or no right to read: no candidates, never an error in the shell.

use std::time::Duration;

use clap_complete::engine::CompletionCandidate;

use crate::config::{Access, ConnectConfig, ConnectSettings};

/// How long a completion may wait for the database.
const DEADLINE: Duration = Duration::from_secs(2);

/// The queues that have tasks, workers or a pause record.
pub fn queues() -> Vec<CompletionCandidate> {
    read(|pool| async move { crate::queue::stats::known_queues(&pool).await })
}

/// The task names of the queue of ABSURD_QUEUE_NAME (else the default one)
/// seen unfinished or in the last day.
pub fn task_names() -> Vec<CompletionCandidate> {
    let queue = std::env::var("ABSURD_QUEUE_NAME")
        .ok()
        .filter(|q| !q.trim().is_empty())
        .unwrap_or_else(|| crate::cli::DEFAULT_QUEUE.to_string());
    read(move |pool| async move { crate::queue::tasks::recent_task_names(&pool, &queue).await })
}

fn read<F, Fut>(f: F) -> Vec<CompletionCandidate>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = crate::queue::Result<Vec<String>>>,
{
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let names = runtime.block_on(async {
        let settings = ConnectSettings {
            database_url: None,
            database_url_file: std::env::var_os("ABSURD_DATABASE_URL_FILE").map(Into::into),
            read_url: None,
            connect_timeout: DEADLINE,
            lock_timeout: DEADLINE,
            statement_timeout: DEADLINE,
        };
        let read = async {
            let config = ConnectConfig::resolve_read(&settings, "completion").ok()?;
            let pool = config.pool(Access::ReadOnly, 1).await.ok()?;
            f(pool).await.ok()
        };
        tokio::time::timeout(DEADLINE * 2, read)
            .await
            .ok()
            .flatten()
    });
    names
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}
