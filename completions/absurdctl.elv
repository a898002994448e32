
use builtin;
use str;

set edit:completion:arg-completer[absurdctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'absurdctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'absurdctl'= {
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand migrate 'Adopt the database''s ABSURD schema, whatever its legacy shape, and bring it to the current version'
            cand spawn 'Enqueue one task'
            cand tasks 'List tasks or show one in full (read-only)'
            cand completions 'Print a shell completion script'
            cand reap-stuck 'Give back the tasks of dead or hung workers; made for cron'
            cand reap 'Give back the tasks of dead or hung workers; made for cron'
            cand drain 'Pause claims on the queue, then wait until its running tasks finish'
            cand resume 'Let workers claim from a paused (drained) queue again'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'absurdctl;migrate'= {
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand --check 'Change nothing; exit 1 when migrations are pending, 0 when current'
            cand --dry-run 'Show the detected shape and the migrations that would run; change nothing'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;spawn'= {
            cand --task-name 'Task name, e.g. calibration-solve'
            cand --params 'Parameters as a JSON object'
            cand --priority 'Priority: higher runs first'
            cand --timeout 'Longest the task may run before it is killed and failed (e.g. 2h)'
            cand --max-retries 'How many times the task may be claimed before it stays failed'
            cand --depends-on 'Do not run before these tasks have completed (repeatable)'
            cand --delay 'Do not run before this long from now (e.g. 10m)'
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;tasks'= {
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List tasks, newest first'
            cand show 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'absurdctl;tasks;list'= {
            cand --status 'Only tasks in this status (repeatable)'
            cand --task-name 'Only tasks of this name (repeatable)'
            cand --limit 'At most this many tasks'
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand --all-queues 'Tasks of every queue, not only --queue'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;tasks;show'= {
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;tasks;help'= {
            cand list 'List tasks, newest first'
            cand show 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'absurdctl;tasks;help;list'= {
        }
        &'absurdctl;tasks;help;show'= {
        }
        &'absurdctl;tasks;help;help'= {
        }
        &'absurdctl;completions'= {
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;reap-stuck'= {
            cand --heartbeat-timeout 'A claimed task whose worker has been silent this long is stuck, and a registered worker not seen this long is dead (at least 1m). The default, 15 minutes, never reaps a live legacy Python worker: it heartbeats every 30 s, but a long CASA call blocks its event loop for minutes at a time, so minutes of silence are not death'
            cand --timeout-grace 'A task that has run longer than its own timeout (spawn --timeout) plus this grace is stuck, even while its worker heartbeats'
            cand --older-than 'Instead of the heartbeat and timeout rules, reap every task claimed longer ago than this, whatever its heartbeat (the runbooks'' "claimed for more than 2 hours"; at least 1m). A live worker of such a task is refused when it later completes it, and stops at its next heartbeat'
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand --dry-run 'List what would be reaped and which workers would be marked dead; change nothing'
            cand --all-queues 'Every queue with claimed tasks or live registered workers, not only --queue'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;reap'= {
            cand --heartbeat-timeout 'A claimed task whose worker has been silent this long is stuck, and a registered worker not seen this long is dead (at least 1m). The default, 15 minutes, never reaps a live legacy Python worker: it heartbeats every 30 s, but a long CASA call blocks its event loop for minutes at a time, so minutes of silence are not death'
            cand --timeout-grace 'A task that has run longer than its own timeout (spawn --timeout) plus this grace is stuck, even while its worker heartbeats'
            cand --older-than 'Instead of the heartbeat and timeout rules, reap every task claimed longer ago than this, whatever its heartbeat (the runbooks'' "claimed for more than 2 hours"; at least 1m). A live worker of such a task is refused when it later completes it, and stops at its next heartbeat'
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand --dry-run 'List what would be reaped and which workers would be marked dead; change nothing'
            cand --all-queues 'Every queue with claimed tasks or live registered workers, not only --queue'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;drain'= {
            cand --timeout 'Stop waiting after this long: exit 1 and list the tasks still running (the queue stays paused)'
            cand --reason 'Why the queue is paused, recorded with the pause (shown by `status`)'
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand --no-wait 'Only pause; do not wait for running tasks'
            cand --all-queues 'Every queue in use (with pending, retrying or claimed tasks, or paused before), not only --queue'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;resume'= {
            cand --database-url 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]'
            cand --queue 'Queue to operate on'
            cand -o 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --output 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only'
            cand --connect-timeout 'Give up connecting after this long (e.g. 5s, 500ms)'
            cand --lock-timeout 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it'
            cand --statement-timeout 'Longest a single statement may run'
            cand --all-queues 'Every paused queue, not only --queue'
            cand -y 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --yes 'Answer yes to every confirmation (needed to change anything without a terminal)'
            cand --no-color 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and what was asked for; silent when nothing happened'
            cand --quiet 'Print only errors and what was asked for; silent when nothing happened'
            cand -v 'Print more about what is being done (repeat for more)'
            cand --verbose 'Print more about what is being done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'absurdctl;help'= {
            cand migrate 'Adopt the database''s ABSURD schema, whatever its legacy shape, and bring it to the current version'
            cand spawn 'Enqueue one task'
            cand tasks 'List tasks or show one in full (read-only)'
            cand completions 'Print a shell completion script'
            cand reap-stuck 'Give back the tasks of dead or hung workers; made for cron'
            cand drain 'Pause claims on the queue, then wait until its running tasks finish'
            cand resume 'Let workers claim from a paused (drained) queue again'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'absurdctl;help;migrate'= {
        }
        &'absurdctl;help;spawn'= {
        }
        &'absurdctl;help;tasks'= {
            cand list 'List tasks, newest first'
            cand show 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies'
        }
        &'absurdctl;help;tasks;list'= {
        }
        &'absurdctl;help;tasks;show'= {
        }
        &'absurdctl;help;completions'= {
        }
        &'absurdctl;help;reap-stuck'= {
        }
        &'absurdctl;help;drain'= {
        }
        &'absurdctl;help;resume'= {
        }
        &'absurdctl;help;help'= {
        }
    ]
    $completions[$command]
}
