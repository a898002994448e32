
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'absurdctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'absurdctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'absurdctl' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the health of a queue: counts, ages, throughput, timings, stuck tasks, live workers, pause state and a verdict (read-only)')
            [CompletionResult]::new('exporter', 'exporter', [CompletionResultType]::ParameterValue, 'Serve the figures of `status` to Prometheus over HTTP: /metrics and /healthz (read-only)')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live dashboard of the queue in the terminal: verdict, last hour per minute, backlog, workers, failures; pause, resume and retry from it')
            [CompletionResult]::new('tasks', 'tasks', [CompletionResultType]::ParameterValue, 'List tasks or show one in full (read-only)')
            [CompletionResult]::new('errors', 'errors', [CompletionResultType]::ParameterValue, 'Group recent failures by cause: failed tasks, and the last error of tasks now retrying, by their error message with ids, paths, numbers and timestamps folded (read-only)')
            [CompletionResult]::new('trends', 'trends', [CompletionResultType]::ParameterValue, 'Show the queue over time, in buckets: created, started, completed, failed, cancelled, retried, the backlog, wait and run times, success rate (read-only)')
            [CompletionResult]::new('retry-failed', 'retry-failed', [CompletionResultType]::ParameterValue, 'Put failed tasks back in the queue, to run again now')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Put failed tasks back in the queue, to run again now')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel pending and retrying tasks, so they never run')
            [CompletionResult]::new('fail', 'fail', [CompletionResultType]::ParameterValue, 'Force-fail tasks: pending, retrying and running ones go to failed (the dead letters) at once, with --reason as their error')
            [CompletionResult]::new('prioritize', 'prioritize', [CompletionResultType]::ParameterValue, 'Give pending and retrying tasks a new priority; claims follow it at once')
            [CompletionResult]::new('reap-stuck', 'reap-stuck', [CompletionResultType]::ParameterValue, 'Give back the tasks of dead or hung workers; made for cron')
            [CompletionResult]::new('reap', 'reap', [CompletionResultType]::ParameterValue, 'Give back the tasks of dead or hung workers; made for cron')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Pause claims on the queue, then wait until its running tasks finish')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let workers claim from a paused (drained) queue again')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until the queue is below a backlog, idle, or has nothing claimed; made for maintenance-window scripts (read-only)')
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Run the checklist before starting ingestion; each item PASS / WARN / FAIL with a detail and, when not PASS, what to do (read-only)')
            [CompletionResult]::new('vacuum', 'vacuum', [CompletionResultType]::ParameterValue, 'Delete finished tasks past retention, then VACUUM (ANALYZE) the table')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run the queue''s tasks: the supervisor that claims tasks and runs a command for each')
            [CompletionResult]::new('workers', 'workers', [CompletionResultType]::ParameterValue, 'Show the queue''s workers, absurdctl''s and legacy ones, with their state and current tasks; prune old registrations; stop a worker')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Enqueue one task')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Adopt the database''s ABSURD schema, whatever its legacy shape, and bring it to the current version')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show recent operator actions from the audit table, newest first (read-only)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure what this installation can take: spawn rate, drain rate, claim latency and pickup latency')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;status' {
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh every INTERVAL (5s, 1m, or plain seconds; default 5s) until Ctrl-C or `q`, with rates computed between refreshes. On a terminal the view is redrawn in place; otherwise one snapshot per interval is printed (one JSON object per line with --output json)')
            [CompletionResult]::new('--heartbeat-timeout', '--heartbeat-timeout', [CompletionResultType]::ParameterName, 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck''s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call')
            [CompletionResult]::new('--timeout-grace', '--timeout-grace', [CompletionResultType]::ParameterName, 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats')
            [CompletionResult]::new('--reaper-lock-stale-after', '--reaper-lock-stale-after', [CompletionResultType]::ParameterName, 'The reaper''s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile')
            [CompletionResult]::new('--backlog-warn', '--backlog-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"')
            [CompletionResult]::new('--backlog-crit', '--backlog-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks wait; the runbooks'' "pending > 500"')
            [CompletionResult]::new('--stuck-warn', '--stuck-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks are stuck (0: any stuck task)')
            [CompletionResult]::new('--stuck-crit', '--stuck-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks are stuck; the runbook''s "orphaned records > 10"')
            [CompletionResult]::new('--failures-warn', '--failures-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks failed for good in the last hour (the runbook''s failed_records_warning)')
            [CompletionResult]::new('--failures-crit', '--failures-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks failed for good in the last hour')
            [CompletionResult]::new('--oldest-warn', '--oldest-warn', [CompletionResultType]::ParameterName, 'WARNING when the oldest task ready to run (available, dependencies met) has waited longer; the runbook''s "oldest enqueued > 10 min"')
            [CompletionResult]::new('--oldest-crit', '--oldest-crit', [CompletionResultType]::ParameterName, 'CRITICAL when the oldest ready task has waited longer ("> 30 min")')
            [CompletionResult]::new('--success-warn', '--success-warn', [CompletionResultType]::ParameterName, 'WARNING when under this percentage of the tasks that finished in the last hour completed (judged from 10 finished tasks on)')
            [CompletionResult]::new('--success-crit', '--success-crit', [CompletionResultType]::ParameterName, 'CRITICAL when the last hour''s success rate is under this percentage')
            [CompletionResult]::new('--stall-warn', '--stall-warn', [CompletionResultType]::ParameterName, 'WARNING when tasks are ready but nothing has completed for this long (the runbook''s "last updated > 10 min"); not judged while paused')
            [CompletionResult]::new('--stall-crit', '--stall-crit', [CompletionResultType]::ParameterName, 'CRITICAL when tasks are ready but nothing has completed for this long')
            [CompletionResult]::new('--min-workers', '--min-workers', [CompletionResultType]::ParameterName, 'Live workers wanted while tasks are ready: none is CRITICAL, fewer WARNING (0: not judged); not judged while paused')
            [CompletionResult]::new('--rate-warn', '--rate-warn', [CompletionResultType]::ParameterName, 'WARNING when fewer tasks than this completed in the last hour while tasks have been ready for an hour or more (the runbook''s "< 50/h"; 0: not judged)')
            [CompletionResult]::new('--rate-crit', '--rate-crit', [CompletionResultType]::ParameterName, 'CRITICAL when fewer completed in the last hour ("< 10/h")')
            [CompletionResult]::new('--dead-workers-warn', '--dead-workers-warn', [CompletionResultType]::ParameterName, 'WARNING when at least this many registered workers are marked running but have not been seen for --heartbeat-timeout (0: not judged)')
            [CompletionResult]::new('--headroom', '--headroom', [CompletionResultType]::ParameterName, 'Spare capacity added to "workers needed" (the runbook''s 50 %)')
            [CompletionResult]::new('--rtt-warn', '--rtt-warn', [CompletionResultType]::ParameterName, 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook''s response-time warning)')
            [CompletionResult]::new('--rtt-crit', '--rtt-crit', [CompletionResultType]::ParameterName, 'CRITICAL when a round trip takes longer')
            [CompletionResult]::new('--worker-unit', '--worker-unit', [CompletionResultType]::ParameterName, 'The systemd template unit of this host''s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline''s own deployment names it `contimg-absurd-worker@`')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Every queue that has tasks, a pause record or live workers, not only --queue')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Monitoring-plugin mode: print one summary line (with perfdata) and exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (database unreachable, schema not migrated); with --output json, the full report and the same code')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'A queue with no task, worker or pause record ever is healthy (a new queue), not UNKNOWN (a misspelled --queue)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;exporter' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to serve /metrics and /healthz on')
            [CompletionResult]::new('--min-interval', '--min-interval', [CompletionResultType]::ParameterName, 'Read the queue statistics at most this often, however often Prometheus scrapes: scrapes in between (and concurrent ones) are served the same snapshot')
            [CompletionResult]::new('--read-timeout', '--read-timeout', [CompletionResultType]::ParameterName, 'Give up a read of the queue statistics after this long (a database gone silent): /metrics then answers absurd_up 0. Keep it under Prometheus''s scrape_timeout (10s by default)')
            [CompletionResult]::new('--heartbeat-timeout', '--heartbeat-timeout', [CompletionResultType]::ParameterName, 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck''s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call')
            [CompletionResult]::new('--timeout-grace', '--timeout-grace', [CompletionResultType]::ParameterName, 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats')
            [CompletionResult]::new('--reaper-lock-stale-after', '--reaper-lock-stale-after', [CompletionResultType]::ParameterName, 'The reaper''s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile')
            [CompletionResult]::new('--backlog-warn', '--backlog-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"')
            [CompletionResult]::new('--backlog-crit', '--backlog-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks wait; the runbooks'' "pending > 500"')
            [CompletionResult]::new('--stuck-warn', '--stuck-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks are stuck (0: any stuck task)')
            [CompletionResult]::new('--stuck-crit', '--stuck-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks are stuck; the runbook''s "orphaned records > 10"')
            [CompletionResult]::new('--failures-warn', '--failures-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks failed for good in the last hour (the runbook''s failed_records_warning)')
            [CompletionResult]::new('--failures-crit', '--failures-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks failed for good in the last hour')
            [CompletionResult]::new('--oldest-warn', '--oldest-warn', [CompletionResultType]::ParameterName, 'WARNING when the oldest task ready to run (available, dependencies met) has waited longer; the runbook''s "oldest enqueued > 10 min"')
            [CompletionResult]::new('--oldest-crit', '--oldest-crit', [CompletionResultType]::ParameterName, 'CRITICAL when the oldest ready task has waited longer ("> 30 min")')
            [CompletionResult]::new('--success-warn', '--success-warn', [CompletionResultType]::ParameterName, 'WARNING when under this percentage of the tasks that finished in the last hour completed (judged from 10 finished tasks on)')
            [CompletionResult]::new('--success-crit', '--success-crit', [CompletionResultType]::ParameterName, 'CRITICAL when the last hour''s success rate is under this percentage')
            [CompletionResult]::new('--stall-warn', '--stall-warn', [CompletionResultType]::ParameterName, 'WARNING when tasks are ready but nothing has completed for this long (the runbook''s "last updated > 10 min"); not judged while paused')
            [CompletionResult]::new('--stall-crit', '--stall-crit', [CompletionResultType]::ParameterName, 'CRITICAL when tasks are ready but nothing has completed for this long')
            [CompletionResult]::new('--min-workers', '--min-workers', [CompletionResultType]::ParameterName, 'Live workers wanted while tasks are ready: none is CRITICAL, fewer WARNING (0: not judged); not judged while paused')
            [CompletionResult]::new('--rate-warn', '--rate-warn', [CompletionResultType]::ParameterName, 'WARNING when fewer tasks than this completed in the last hour while tasks have been ready for an hour or more (the runbook''s "< 50/h"; 0: not judged)')
            [CompletionResult]::new('--rate-crit', '--rate-crit', [CompletionResultType]::ParameterName, 'CRITICAL when fewer completed in the last hour ("< 10/h")')
            [CompletionResult]::new('--dead-workers-warn', '--dead-workers-warn', [CompletionResultType]::ParameterName, 'WARNING when at least this many registered workers are marked running but have not been seen for --heartbeat-timeout (0: not judged)')
            [CompletionResult]::new('--headroom', '--headroom', [CompletionResultType]::ParameterName, 'Spare capacity added to "workers needed" (the runbook''s 50 %)')
            [CompletionResult]::new('--rtt-warn', '--rtt-warn', [CompletionResultType]::ParameterName, 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook''s response-time warning)')
            [CompletionResult]::new('--rtt-crit', '--rtt-crit', [CompletionResultType]::ParameterName, 'CRITICAL when a round trip takes longer')
            [CompletionResult]::new('--worker-unit', '--worker-unit', [CompletionResultType]::ParameterName, 'The systemd template unit of this host''s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline''s own deployment names it `contimg-absurd-worker@`')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Every queue that has tasks, a pause record or live workers, not only --queue')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print one scrape to stdout and exit (0 when the queue was read, 3 when not), without listening')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'A queue with no task, worker or pause record ever is healthy (a new queue), not UNKNOWN (a misspelled --queue)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;top' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Refresh every SECONDS')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Start with the view filtered to task names containing TEXT (`/` changes it in the view)')
            [CompletionResult]::new('--heartbeat-timeout', '--heartbeat-timeout', [CompletionResultType]::ParameterName, 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck''s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call')
            [CompletionResult]::new('--timeout-grace', '--timeout-grace', [CompletionResultType]::ParameterName, 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats')
            [CompletionResult]::new('--reaper-lock-stale-after', '--reaper-lock-stale-after', [CompletionResultType]::ParameterName, 'The reaper''s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile')
            [CompletionResult]::new('--backlog-warn', '--backlog-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"')
            [CompletionResult]::new('--backlog-crit', '--backlog-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks wait; the runbooks'' "pending > 500"')
            [CompletionResult]::new('--stuck-warn', '--stuck-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks are stuck (0: any stuck task)')
            [CompletionResult]::new('--stuck-crit', '--stuck-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks are stuck; the runbook''s "orphaned records > 10"')
            [CompletionResult]::new('--failures-warn', '--failures-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks failed for good in the last hour (the runbook''s failed_records_warning)')
            [CompletionResult]::new('--failures-crit', '--failures-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks failed for good in the last hour')
            [CompletionResult]::new('--oldest-warn', '--oldest-warn', [CompletionResultType]::ParameterName, 'WARNING when the oldest task ready to run (available, dependencies met) has waited longer; the runbook''s "oldest enqueued > 10 min"')
            [CompletionResult]::new('--oldest-crit', '--oldest-crit', [CompletionResultType]::ParameterName, 'CRITICAL when the oldest ready task has waited longer ("> 30 min")')
            [CompletionResult]::new('--success-warn', '--success-warn', [CompletionResultType]::ParameterName, 'WARNING when under this percentage of the tasks that finished in the last hour completed (judged from 10 finished tasks on)')
            [CompletionResult]::new('--success-crit', '--success-crit', [CompletionResultType]::ParameterName, 'CRITICAL when the last hour''s success rate is under this percentage')
            [CompletionResult]::new('--stall-warn', '--stall-warn', [CompletionResultType]::ParameterName, 'WARNING when tasks are ready but nothing has completed for this long (the runbook''s "last updated > 10 min"); not judged while paused')
            [CompletionResult]::new('--stall-crit', '--stall-crit', [CompletionResultType]::ParameterName, 'CRITICAL when tasks are ready but nothing has completed for this long')
            [CompletionResult]::new('--min-workers', '--min-workers', [CompletionResultType]::ParameterName, 'Live workers wanted while tasks are ready: none is CRITICAL, fewer WARNING (0: not judged); not judged while paused')
            [CompletionResult]::new('--rate-warn', '--rate-warn', [CompletionResultType]::ParameterName, 'WARNING when fewer tasks than this completed in the last hour while tasks have been ready for an hour or more (the runbook''s "< 50/h"; 0: not judged)')
            [CompletionResult]::new('--rate-crit', '--rate-crit', [CompletionResultType]::ParameterName, 'CRITICAL when fewer completed in the last hour ("< 10/h")')
            [CompletionResult]::new('--dead-workers-warn', '--dead-workers-warn', [CompletionResultType]::ParameterName, 'WARNING when at least this many registered workers are marked running but have not been seen for --heartbeat-timeout (0: not judged)')
            [CompletionResult]::new('--headroom', '--headroom', [CompletionResultType]::ParameterName, 'Spare capacity added to "workers needed" (the runbook''s 50 %)')
            [CompletionResult]::new('--rtt-warn', '--rtt-warn', [CompletionResultType]::ParameterName, 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook''s response-time warning)')
            [CompletionResult]::new('--rtt-crit', '--rtt-crit', [CompletionResultType]::ParameterName, 'CRITICAL when a round trip takes longer')
            [CompletionResult]::new('--worker-unit', '--worker-unit', [CompletionResultType]::ParameterName, 'The systemd template unit of this host''s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline''s own deployment names it `contimg-absurd-worker@`')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Start with every queue that has tasks, a pause record or live workers, not only --queue (`a` toggles it in the view)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;tasks' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print what a task''s handler wrote (the tails absurdctl''s worker keeps of each attempt''s standard output and error), of the latest or any earlier attempt; --follow streams a running attempt until it ends')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;tasks;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tasks in this status (repeatable)')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Only tasks with an attempt that failed (failed, timed out, reaped, lost) on this host or worker id')
            [CompletionResult]::new('--error-contains', '--error-contains', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--error-like', '--error-like', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only tasks whose time (of --sort: created_at, or the failure or finish time) is within this long before now (e.g. 1h, 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only tasks whose time (as for --since) is longer ago than this')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'The order: created_at (newest first), failed_at (the latest failure first: failed tasks, or --status retrying), finished_at (the latest finished first: completed, failed, cancelled), priority (claim order)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many tasks, the first in --sort order; 0 for all of them. When the limit cuts the list, stderr says how many of how many are shown')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Tasks of every queue, not only --queue')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;tasks;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;tasks;logs' {
            [CompletionResult]::new('--attempt', '--attempt', [CompletionResultType]::ParameterName, 'This attempt (1 is the first) [default: the latest]')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'Which output to print; `both` puts a header before each')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often --follow reads the database (the worker stores output at its heartbeats)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing what a running attempt writes until it ends (Ctrl-C stops); waits for the task''s first attempt when it has none yet')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing what a running attempt writes until it ends (Ctrl-C stops); waits for the task''s first attempt when it has none yet')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;tasks;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print what a task''s handler wrote (the tails absurdctl''s worker keeps of each attempt''s standard output and error), of the latest or any earlier attempt; --follow streams a running attempt until it ends')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;tasks;help;list' {
            break
        }
        'absurdctl;tasks;help;show' {
            break
        }
        'absurdctl;tasks;help;logs' {
            break
        }
        'absurdctl;tasks;help;help' {
            break
        }
        'absurdctl;errors' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Failures within this long before now (e.g. 1h, 7d)')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many causes, the most frequent first')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Failures of every queue, not only --queue')
            [CompletionResult]::new('--attempts', '--attempts', [CompletionResultType]::ParameterName, 'Every failed attempt (failed, timed out, reaped, lost), also of tasks that went on to complete, from the task history; counts are attempts [default: the last error of each failed or retrying task]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;trends' {
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Bucket size (buckets start on the minute, hour or UTC midnight)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'The window: as many buckets as cover this long, ending with the current one (e.g. 6h, 30d)')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--by-task', '--by-task', [CompletionResultType]::ParameterName, 'One series per task name (with --task-name: per name given)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;retry-failed' {
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tasks in this status (repeatable); it must be one the command changes')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)')
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--newer-than', '--newer-than', [CompletionResultType]::ParameterName, 'Only tasks created within this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in')
            [CompletionResult]::new('--error-pattern', '--error-pattern', [CompletionResultType]::ParameterName, 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it')
            [CompletionResult]::new('--error-like', '--error-like', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--attempts-at-least', '--attempts-at-least', [CompletionResultType]::ParameterName, 'Only tasks claimed at least N times (their attempt count)')
            [CompletionResult]::new('--attempts-below', '--attempts-below', [CompletionResultType]::ParameterName, 'Only tasks claimed fewer than N times (the runbooks'' "retry count < N"; with --attempts-at-least, a range)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Change at most N tasks: the oldest N that match')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Tasks changed per batch; each batch is one short transaction')
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'How many of the selected tasks (the oldest) the preview lists; 0 for none')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--include-cancelled', '--include-cancelled', [CompletionResultType]::ParameterName, 'Retry cancelled tasks too')
            [CompletionResult]::new('--reset-attempts', '--reset-attempts', [CompletionResultType]::ParameterName, 'Start the attempt count again (attempt = 0), instead of granting one more attempt to tasks that used them all')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Tasks of every queue, not only --queue')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;retry' {
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tasks in this status (repeatable); it must be one the command changes')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)')
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--newer-than', '--newer-than', [CompletionResultType]::ParameterName, 'Only tasks created within this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in')
            [CompletionResult]::new('--error-pattern', '--error-pattern', [CompletionResultType]::ParameterName, 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it')
            [CompletionResult]::new('--error-like', '--error-like', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--attempts-at-least', '--attempts-at-least', [CompletionResultType]::ParameterName, 'Only tasks claimed at least N times (their attempt count)')
            [CompletionResult]::new('--attempts-below', '--attempts-below', [CompletionResultType]::ParameterName, 'Only tasks claimed fewer than N times (the runbooks'' "retry count < N"; with --attempts-at-least, a range)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Change at most N tasks: the oldest N that match')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Tasks changed per batch; each batch is one short transaction')
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'How many of the selected tasks (the oldest) the preview lists; 0 for none')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--include-cancelled', '--include-cancelled', [CompletionResultType]::ParameterName, 'Retry cancelled tasks too')
            [CompletionResult]::new('--reset-attempts', '--reset-attempts', [CompletionResultType]::ParameterName, 'Start the attempt count again (attempt = 0), instead of granting one more attempt to tasks that used them all')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Tasks of every queue, not only --queue')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;cancel' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: kept in each task''s error ("Cancelled by absurdctl: TEXT") and in the audit row (`absurdctl audit` shows it)')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tasks in this status (repeatable); it must be one the command changes')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)')
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--newer-than', '--newer-than', [CompletionResultType]::ParameterName, 'Only tasks created within this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in')
            [CompletionResult]::new('--error-pattern', '--error-pattern', [CompletionResultType]::ParameterName, 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it')
            [CompletionResult]::new('--error-like', '--error-like', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--attempts-at-least', '--attempts-at-least', [CompletionResultType]::ParameterName, 'Only tasks claimed at least N times (their attempt count)')
            [CompletionResult]::new('--attempts-below', '--attempts-below', [CompletionResultType]::ParameterName, 'Only tasks claimed fewer than N times (the runbooks'' "retry count < N"; with --attempts-at-least, a range)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Change at most N tasks: the oldest N that match')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Tasks changed per batch; each batch is one short transaction')
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'How many of the selected tasks (the oldest) the preview lists; 0 for none')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--include-claimed', '--include-claimed', [CompletionResultType]::ParameterName, 'Cancel running (claimed) tasks too; their workers are told to stop at their next heartbeat')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Tasks of every queue, not only --queue')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;fail' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (required): it becomes each task''s error, and is kept in the audit row (`absurdctl audit` shows it)')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tasks in this status (repeatable); it must be one the command changes')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)')
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--newer-than', '--newer-than', [CompletionResultType]::ParameterName, 'Only tasks created within this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in')
            [CompletionResult]::new('--error-pattern', '--error-pattern', [CompletionResultType]::ParameterName, 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it')
            [CompletionResult]::new('--error-like', '--error-like', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--attempts-at-least', '--attempts-at-least', [CompletionResultType]::ParameterName, 'Only tasks claimed at least N times (their attempt count)')
            [CompletionResult]::new('--attempts-below', '--attempts-below', [CompletionResultType]::ParameterName, 'Only tasks claimed fewer than N times (the runbooks'' "retry count < N"; with --attempts-at-least, a range)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Change at most N tasks: the oldest N that match')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Tasks changed per batch; each batch is one short transaction')
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'How many of the selected tasks (the oldest) the preview lists; 0 for none')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Tasks of every queue, not only --queue')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;prioritize' {
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'The new priority: higher is claimed first (default of new tasks: 0)')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Only tasks of this name (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tasks in this status (repeatable); it must be one the command changes')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)')
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--newer-than', '--newer-than', [CompletionResultType]::ParameterName, 'Only tasks created within this (e.g. 30m, 2h, 7d)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in')
            [CompletionResult]::new('--error-pattern', '--error-pattern', [CompletionResultType]::ParameterName, 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it')
            [CompletionResult]::new('--error-like', '--error-like', [CompletionResultType]::ParameterName, 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)')
            [CompletionResult]::new('--attempts-at-least', '--attempts-at-least', [CompletionResultType]::ParameterName, 'Only tasks claimed at least N times (their attempt count)')
            [CompletionResult]::new('--attempts-below', '--attempts-below', [CompletionResultType]::ParameterName, 'Only tasks claimed fewer than N times (the runbooks'' "retry count < N"; with --attempts-at-least, a range)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Change at most N tasks: the oldest N that match')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Tasks changed per batch; each batch is one short transaction')
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'How many of the selected tasks (the oldest) the preview lists; 0 for none')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Tasks of every queue, not only --queue')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;reap-stuck' {
            [CompletionResult]::new('--heartbeat-timeout', '--heartbeat-timeout', [CompletionResultType]::ParameterName, 'A claimed task whose worker has been silent this long is stuck, and a registered worker not seen this long is dead (at least 1s; under 1m is warned about: it reaps live legacy workers). The default, 15 minutes, never reaps a live legacy Python worker: it heartbeats every 30 s, but a long CASA call blocks its event loop for minutes at a time, so minutes of silence are not death')
            [CompletionResult]::new('--timeout-grace', '--timeout-grace', [CompletionResultType]::ParameterName, 'A task that has run longer than its own timeout (spawn --timeout) plus this grace has overrun: reported, and reaped while its worker still heartbeats only with --reap-overrun')
            [CompletionResult]::new('--reaper-lock-stale-after', '--reaper-lock-stale-after', [CompletionResultType]::ParameterName, 'The reaper''s lock held by another session for longer than this (a reap takes seconds) is reported as a hung session: exit 1')
            [CompletionResult]::new('--claimed-longer-than', '--claimed-longer-than', [CompletionResultType]::ParameterName, 'Instead of the heartbeat and timeout rules, reap every task claimed longer ago than this, whatever its heartbeat (the runbooks'' "claimed for more than 2 hours"; at least 1s). A live worker of such a task is refused when it later completes it, and stops at its next heartbeat (Named --older-than before: that name still works. Everywhere else --older-than is a task''s creation age.)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--reap-overrun', '--reap-overrun', [CompletionResultType]::ParameterName, 'Also reap tasks that overran their timeout plus --timeout-grace while their worker still heartbeats. The legacy Python worker never stops such a task: its work is thrown away and the task runs again')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be reaped and which workers would be marked dead; change nothing')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Every queue with claimed tasks or live registered workers, not only --queue')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;reap' {
            [CompletionResult]::new('--heartbeat-timeout', '--heartbeat-timeout', [CompletionResultType]::ParameterName, 'A claimed task whose worker has been silent this long is stuck, and a registered worker not seen this long is dead (at least 1s; under 1m is warned about: it reaps live legacy workers). The default, 15 minutes, never reaps a live legacy Python worker: it heartbeats every 30 s, but a long CASA call blocks its event loop for minutes at a time, so minutes of silence are not death')
            [CompletionResult]::new('--timeout-grace', '--timeout-grace', [CompletionResultType]::ParameterName, 'A task that has run longer than its own timeout (spawn --timeout) plus this grace has overrun: reported, and reaped while its worker still heartbeats only with --reap-overrun')
            [CompletionResult]::new('--reaper-lock-stale-after', '--reaper-lock-stale-after', [CompletionResultType]::ParameterName, 'The reaper''s lock held by another session for longer than this (a reap takes seconds) is reported as a hung session: exit 1')
            [CompletionResult]::new('--claimed-longer-than', '--claimed-longer-than', [CompletionResultType]::ParameterName, 'Instead of the heartbeat and timeout rules, reap every task claimed longer ago than this, whatever its heartbeat (the runbooks'' "claimed for more than 2 hours"; at least 1s). A live worker of such a task is refused when it later completes it, and stops at its next heartbeat (Named --older-than before: that name still works. Everywhere else --older-than is a task''s creation age.)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--reap-overrun', '--reap-overrun', [CompletionResultType]::ParameterName, 'Also reap tasks that overran their timeout plus --timeout-grace while their worker still heartbeats. The legacy Python worker never stops such a task: its work is thrown away and the task runs again')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be reaped and which workers would be marked dead; change nothing')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Every queue with claimed tasks or live registered workers, not only --queue')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;drain' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop waiting after this long: exit 1 and list the tasks still running (the queue stays paused)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why the queue is paused, recorded with the pause (shown by `status`)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Only pause; do not wait for running tasks')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Every queue in use (with pending, retrying or claimed tasks, or paused before), not only --queue')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;resume' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Every paused queue, not only --queue')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;wait' {
            [CompletionResult]::new('--backlog-below', '--backlog-below', [CompletionResultType]::ParameterName, 'Until fewer than N tasks wait (pending and retrying, ready or not: `status`''s backlog); the runbooks'' "restart when the queue is below 20"')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long: exit 6, the figures on stderr [default: wait for ever]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often to look (each look is one cheap read)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--idle', '--idle', [CompletionResultType]::ParameterName, 'Until no task is ready to be claimed and none is claimed (tasks delayed, in retry backoff or blocked by a dependency may remain)')
            [CompletionResult]::new('--no-claimed', '--no-claimed', [CompletionResultType]::ParameterName, 'Until no task is claimed (the running tasks have finished)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;preflight' {
            [CompletionResult]::new('--min-workers', '--min-workers', [CompletionResultType]::ParameterName, 'FAIL when fewer workers are alive (registered and seen, or heartbeating a task, within --heartbeat-timeout); WARN when some but fewer')
            [CompletionResult]::new('--disk', '--disk', [CompletionResultType]::ParameterName, 'Check free space on PATH: WARN at WARN% used (default 90), FAIL at CRIT% (default 95), as the runbook''s `df | grep 9[0-9]%` (repeatable)')
            [CompletionResult]::new('--long-transaction-warn', '--long-transaction-warn', [CompletionResultType]::ParameterName, 'WARN when a transaction has been open longer (it holds back vacuum)')
            [CompletionResult]::new('--long-transaction-crit', '--long-transaction-crit', [CompletionResultType]::ParameterName, 'FAIL when a transaction has been open longer')
            [CompletionResult]::new('--dead-tuples-warn', '--dead-tuples-warn', [CompletionResultType]::ParameterName, 'WARN when this percentage of absurd.tasks'' rows are dead (judged from 1000 dead rows on); `absurdctl vacuum` reclaims them')
            [CompletionResult]::new('--dead-tuples-crit', '--dead-tuples-crit', [CompletionResultType]::ParameterName, 'FAIL when this percentage of absurd.tasks'' rows are dead')
            [CompletionResult]::new('--connections-warn', '--connections-warn', [CompletionResultType]::ParameterName, 'WARN when this percentage of max_connections is in use (the runbook''s pool utilisation warning)')
            [CompletionResult]::new('--connections-crit', '--connections-crit', [CompletionResultType]::ParameterName, 'FAIL when this percentage of max_connections is in use')
            [CompletionResult]::new('--heartbeat-timeout', '--heartbeat-timeout', [CompletionResultType]::ParameterName, 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck''s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call')
            [CompletionResult]::new('--timeout-grace', '--timeout-grace', [CompletionResultType]::ParameterName, 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats')
            [CompletionResult]::new('--reaper-lock-stale-after', '--reaper-lock-stale-after', [CompletionResultType]::ParameterName, 'The reaper''s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile')
            [CompletionResult]::new('--backlog-warn', '--backlog-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"')
            [CompletionResult]::new('--backlog-crit', '--backlog-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks wait; the runbooks'' "pending > 500"')
            [CompletionResult]::new('--stuck-warn', '--stuck-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks are stuck (0: any stuck task)')
            [CompletionResult]::new('--stuck-crit', '--stuck-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks are stuck; the runbook''s "orphaned records > 10"')
            [CompletionResult]::new('--failures-warn', '--failures-warn', [CompletionResultType]::ParameterName, 'WARNING when more than this many tasks failed for good in the last hour (the runbook''s failed_records_warning)')
            [CompletionResult]::new('--failures-crit', '--failures-crit', [CompletionResultType]::ParameterName, 'CRITICAL when more than this many tasks failed for good in the last hour')
            [CompletionResult]::new('--rtt-warn', '--rtt-warn', [CompletionResultType]::ParameterName, 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook''s response-time warning)')
            [CompletionResult]::new('--rtt-crit', '--rtt-crit', [CompletionResultType]::ParameterName, 'CRITICAL when a round trip takes longer')
            [CompletionResult]::new('--worker-unit', '--worker-unit', [CompletionResultType]::ParameterName, 'The systemd template unit of this host''s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline''s own deployment names it `contimg-absurd-worker@`')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;vacuum' {
            [CompletionResult]::new('--completed-older-than', '--completed-older-than', [CompletionResultType]::ParameterName, 'Delete completed tasks that finished longer ago than this')
            [CompletionResult]::new('--cancelled-older-than', '--cancelled-older-than', [CompletionResultType]::ParameterName, 'Delete cancelled tasks that finished longer ago than this')
            [CompletionResult]::new('--failed-older-than', '--failed-older-than', [CompletionResultType]::ParameterName, 'Delete failed tasks (the dead letters) that finished longer ago than this')
            [CompletionResult]::new('--attempts-at-least', '--attempts-at-least', [CompletionResultType]::ParameterName, 'Delete only those failed tasks that were claimed at least N times (the runbooks'' "failed over 7 days with retry_count >= 5"); completed and cancelled tasks are not affected')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Rows deleted per transaction (each holds locks only on the rows it deletes, for well under a second); measured on a 2-core host, 5000 disturbed the workers'' claims less than 1000 or 2000')
            [CompletionResult]::new('--duty-cycle', '--duty-cycle', [CompletionResultType]::ParameterName, 'Share of the time spent deleting, in percent: after each batch it pauses so that the workers get the CPU and the disk back for the rest, and VACUUM pauses as autovacuum does (100: no pauses)')
            [CompletionResult]::new('--max-duration', '--max-duration', [CompletionResultType]::ParameterName, 'Stop deleting once this much time has passed (e.g. 20m, for a maintenance window); what is left goes on the next run. VACUUM and reindexing are skipped when the budget runs out (autovacuum follows)')
            [CompletionResult]::new('--archive', '--archive', [CompletionResultType]::ParameterName, 'Write every deleted row to FILE first, as JSON lines (gzip when FILE ends in .gz), fsynced before the batch that deletes the rows commits; an existing FILE is refused unless --append')
            [CompletionResult]::new('--reindex-threshold', '--reindex-threshold', [CompletionResultType]::ParameterName, 'Estimated bloat, in percent of an index''s size, above which --reindex rebuilds it')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Clean every queue with tasks, one after the other, not only --queue (VACUUM runs once, at the end)')
            [CompletionResult]::new('--analyze-only', '--analyze-only', [CompletionResultType]::ParameterName, 'Only ANALYZE absurd.tasks (fresh planner statistics, in seconds, with no lock the workers notice): delete nothing, no VACUUM')
            [CompletionResult]::new('--append', '--append', [CompletionResultType]::ParameterName, 'Add to an existing --archive file instead of refusing it')
            [CompletionResult]::new('--no-vacuum', '--no-vacuum', [CompletionResultType]::ParameterName, 'Skip VACUUM (ANALYZE) after deleting')
            [CompletionResult]::new('--reindex', '--reindex', [CompletionResultType]::ParameterName, 'After VACUUM, rebuild with REINDEX INDEX CONCURRENTLY each btree index of absurd.tasks of 1 MiB or more whose estimated bloat passes --reindex-threshold (writes go on while it rebuilds). Bloat comes from pgstattuple when installed, else from the planner statistics')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'VACUUM FULL instead of VACUUM: gives the space back to the operating system, but locks absurd.tasks (ACCESS EXCLUSIVE) for its whole run, stopping every worker; asks first, even when nothing is deleted')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show how many rows per status would go and the space they hold; change nothing (read-only session)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;worker' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Claim tasks of --queue and run COMMAND for each, until stopped')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;worker;run' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Tasks run at the same time (one handler process each); claims are made in batches of up to this many')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Tasks run at the same time (one handler process each); claims are made in batches of up to this many')
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Claim only tasks of this name (repeatable) [default: every name]')
            [CompletionResult]::new('--worker-id', '--worker-id', [CompletionResultType]::ParameterName, 'This worker''s id, in the registry and in the worker_id of the tasks it claims; must be unique among running workers [default: HOST-PID-RANDOM]')
            [CompletionResult]::new('--heartbeat-interval', '--heartbeat-interval', [CompletionResultType]::ParameterName, 'How often running tasks'' heartbeats and the worker''s registry row are recorded; keep it well under the heartbeat timeout `reap` uses')
            [CompletionResult]::new('--default-timeout', '--default-timeout', [CompletionResultType]::ParameterName, 'Longest a task without a timeout of its own may run before it is stopped and failed (e.g. 2h, or 3600 seconds) [default: no limit]')
            [CompletionResult]::new('--kill-grace', '--kill-grace', [CompletionResultType]::ParameterName, 'Time between SIGTERM and SIGKILL when a handler is stopped (timeout, cancellation, reap, end of --grace)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'On SIGTERM or SIGINT, how long running handlers may take to finish before they are stopped and their tasks given back to the queue')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'How often an idle worker looks for work on its own (e.g. 5s, or 1.0 seconds); a spawned task wakes it at once (LISTEN/NOTIFY), so this is only the fallback')
            [CompletionResult]::new('--max-tasks', '--max-tasks', [CompletionResultType]::ParameterName, 'Claim at most this many tasks, finish them, then exit 0')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Format of the log lines on stderr, one per task or worker event')
            [CompletionResult]::new('--max-output', '--max-output', [CompletionResultType]::ParameterName, 'Most bytes of a handler''s standard output kept for its result (at most 64 MiB); past it only the tail is kept, as a string')
            [CompletionResult]::new('--result-batch-bytes', '--result-batch-bytes', [CompletionResultType]::ParameterName, 'Most bytes of results (as JSON text) stored in one statement; more go in several. A single result larger than this fails its task, saying so, since it could never be stored')
            [CompletionResult]::new('--log-tail', '--log-tail', [CompletionResultType]::ParameterName, 'Bytes kept of each attempt''s standard output and of its standard error, the last ones, for `tasks logs` (stored at every heartbeat while the handler runs, and at its end; 0 keeps none)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--exit-when-empty', '--exit-when-empty', [CompletionResultType]::ParameterName, 'Exit 0 once nothing runs and no task can be claimed now (tasks waiting for a retry backoff or a delayed start are left for later)')
            [CompletionResult]::new('--pass-database-password', '--pass-database-password', [CompletionResultType]::ParameterName, 'Pass the database password on to handlers: ABSURD_DATABASE_URL and DATABASE_URL as they are and PGPASSWORD [default: handlers get the URLs without the password, and no PGPASSWORD]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;worker;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Claim tasks of --queue and run COMMAND for each, until stopped')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;worker;help;run' {
            break
        }
        'absurdctl;worker;help;help' {
            break
        }
        'absurdctl;workers' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also workers last seen more than an hour ago (long dead or stopped)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the workers that served --queue recently (the default of `absurdctl workers`; read-only)')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete registrations of workers stopped or dead for longer than --older-than, and legacy pollers unseen that long')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Ask one of absurdctl''s workers to drain and exit, through the database (so from any host)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;workers;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also workers last seen more than an hour ago (long dead or stopped)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;workers;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete registrations stopped or dead (and legacy pollers unseen) for longer than this')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be deleted; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;workers;stop' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Stop its handlers at once and give their tasks back, instead of letting them finish')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;workers;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the workers that served --queue recently (the default of `absurdctl workers`; read-only)')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete registrations of workers stopped or dead for longer than --older-than, and legacy pollers unseen that long')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Ask one of absurdctl''s workers to drain and exit, through the database (so from any host)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;workers;help;list' {
            break
        }
        'absurdctl;workers;help;prune' {
            break
        }
        'absurdctl;workers;help;stop' {
            break
        }
        'absurdctl;workers;help;help' {
            break
        }
        'absurdctl;spawn' {
            [CompletionResult]::new('--task-name', '--task-name', [CompletionResultType]::ParameterName, 'Task name, e.g. calibration-solve')
            [CompletionResult]::new('--params', '--params', [CompletionResultType]::ParameterName, 'Parameters as a JSON object')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Priority: higher runs first')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest the task may run before it is killed and failed (e.g. 2h)')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'How many times the task may be claimed before it stays failed (the dead letters `retry-failed` replays)')
            [CompletionResult]::new('--depends-on', '--depends-on', [CompletionResultType]::ParameterName, 'Do not run before these tasks have completed (repeatable)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Do not run before this long from now (e.g. 10m)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;migrate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Change nothing; exit 1 when migrations are pending, 0 when current')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the detected shape and the migrations that would run; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;audit' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many rows')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('--all-queues', '--all-queues', [CompletionResultType]::ParameterName, 'Actions on every queue (and on none in particular), not only --queue')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;bench' {
            [CompletionResult]::new('--tasks', '--tasks', [CompletionResultType]::ParameterName, 'No-op tasks spawned in batches and then drained, per measurement')
            [CompletionResult]::new('--samples', '--samples', [CompletionResultType]::ParameterName, 'Single spawns, single claims and pickups timed, per measurement')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'In-process no-op workers draining the queue, each on its own connection')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Tasks per batched spawn, per claim and per completion of the drain')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Also measure with this many finished tasks of the bench queue in the table (e.g. 1000000; inserted in the server, removed at the end)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;completions' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]')
            [CompletionResult]::new('--database-url-file', '--database-url-file', [CompletionResultType]::ParameterName, 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq''s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue to operate on')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)')
            [CompletionResult]::new('--statement-timeout', '--statement-timeout', [CompletionResultType]::ParameterName, 'Longest a single statement may run (0: no limit; at most 24 days)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (needed to change anything without a terminal)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and what was asked for; silent when nothing happened')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is being done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'absurdctl;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the health of a queue: counts, ages, throughput, timings, stuck tasks, live workers, pause state and a verdict (read-only)')
            [CompletionResult]::new('exporter', 'exporter', [CompletionResultType]::ParameterValue, 'Serve the figures of `status` to Prometheus over HTTP: /metrics and /healthz (read-only)')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live dashboard of the queue in the terminal: verdict, last hour per minute, backlog, workers, failures; pause, resume and retry from it')
            [CompletionResult]::new('tasks', 'tasks', [CompletionResultType]::ParameterValue, 'List tasks or show one in full (read-only)')
            [CompletionResult]::new('errors', 'errors', [CompletionResultType]::ParameterValue, 'Group recent failures by cause: failed tasks, and the last error of tasks now retrying, by their error message with ids, paths, numbers and timestamps folded (read-only)')
            [CompletionResult]::new('trends', 'trends', [CompletionResultType]::ParameterValue, 'Show the queue over time, in buckets: created, started, completed, failed, cancelled, retried, the backlog, wait and run times, success rate (read-only)')
            [CompletionResult]::new('retry-failed', 'retry-failed', [CompletionResultType]::ParameterValue, 'Put failed tasks back in the queue, to run again now')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel pending and retrying tasks, so they never run')
            [CompletionResult]::new('fail', 'fail', [CompletionResultType]::ParameterValue, 'Force-fail tasks: pending, retrying and running ones go to failed (the dead letters) at once, with --reason as their error')
            [CompletionResult]::new('prioritize', 'prioritize', [CompletionResultType]::ParameterValue, 'Give pending and retrying tasks a new priority; claims follow it at once')
            [CompletionResult]::new('reap-stuck', 'reap-stuck', [CompletionResultType]::ParameterValue, 'Give back the tasks of dead or hung workers; made for cron')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Pause claims on the queue, then wait until its running tasks finish')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let workers claim from a paused (drained) queue again')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until the queue is below a backlog, idle, or has nothing claimed; made for maintenance-window scripts (read-only)')
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Run the checklist before starting ingestion; each item PASS / WARN / FAIL with a detail and, when not PASS, what to do (read-only)')
            [CompletionResult]::new('vacuum', 'vacuum', [CompletionResultType]::ParameterValue, 'Delete finished tasks past retention, then VACUUM (ANALYZE) the table')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run the queue''s tasks: the supervisor that claims tasks and runs a command for each')
            [CompletionResult]::new('workers', 'workers', [CompletionResultType]::ParameterValue, 'Show the queue''s workers, absurdctl''s and legacy ones, with their state and current tasks; prune old registrations; stop a worker')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Enqueue one task')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Adopt the database''s ABSURD schema, whatever its legacy shape, and bring it to the current version')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show recent operator actions from the audit table, newest first (read-only)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure what this installation can take: spawn rate, drain rate, claim latency and pickup latency')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'absurdctl;help;status' {
            break
        }
        'absurdctl;help;exporter' {
            break
        }
        'absurdctl;help;top' {
            break
        }
        'absurdctl;help;tasks' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print what a task''s handler wrote (the tails absurdctl''s worker keeps of each attempt''s standard output and error), of the latest or any earlier attempt; --follow streams a running attempt until it ends')
            break
        }
        'absurdctl;help;tasks;list' {
            break
        }
        'absurdctl;help;tasks;show' {
            break
        }
        'absurdctl;help;tasks;logs' {
            break
        }
        'absurdctl;help;errors' {
            break
        }
        'absurdctl;help;trends' {
            break
        }
        'absurdctl;help;retry-failed' {
            break
        }
        'absurdctl;help;cancel' {
            break
        }
        'absurdctl;help;fail' {
            break
        }
        'absurdctl;help;prioritize' {
            break
        }
        'absurdctl;help;reap-stuck' {
            break
        }
        'absurdctl;help;drain' {
            break
        }
        'absurdctl;help;resume' {
            break
        }
        'absurdctl;help;wait' {
            break
        }
        'absurdctl;help;preflight' {
            break
        }
        'absurdctl;help;vacuum' {
            break
        }
        'absurdctl;help;worker' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Claim tasks of --queue and run COMMAND for each, until stopped')
            break
        }
        'absurdctl;help;worker;run' {
            break
        }
        'absurdctl;help;workers' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the workers that served --queue recently (the default of `absurdctl workers`; read-only)')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete registrations of workers stopped or dead for longer than --older-than, and legacy pollers unseen that long')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Ask one of absurdctl''s workers to drain and exit, through the database (so from any host)')
            break
        }
        'absurdctl;help;workers;list' {
            break
        }
        'absurdctl;help;workers;prune' {
            break
        }
        'absurdctl;help;workers;stop' {
            break
        }
        'absurdctl;help;spawn' {
            break
        }
        'absurdctl;help;migrate' {
            break
        }
        'absurdctl;help;audit' {
            break
        }
        'absurdctl;help;bench' {
            break
        }
        'absurdctl;help;completions' {
            break
        }
        'absurdctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
