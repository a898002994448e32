# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_absurdctl_global_optspecs
    string join \n database-url= database-url-file= queue= o/output= y/yes no-color q/quiet v/verbose connect-timeout= lock-timeout= statement-timeout= h/help V/version
end

function __fish_absurdctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_absurdctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_absurdctl_using_subcommand
    set -l cmd (__fish_absurdctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c absurdctl -n "__fish_absurdctl_needs_command" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_needs_command" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_needs_command" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_needs_command" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_needs_command" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_needs_command" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_needs_command" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_needs_command" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -s h -l help -d 'Print help'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "status" -d 'Show the health of a queue: counts, ages, throughput, timings, stuck tasks, live workers, pause state and a verdict (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "exporter" -d 'Serve the figures of `status` to Prometheus over HTTP: /metrics and /healthz (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "top" -d 'A live dashboard of the queue in the terminal: verdict, last hour per minute, backlog, workers, failures; pause, resume and retry from it'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "tasks" -d 'List tasks or show one in full (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "errors" -d 'Group recent failures by cause: failed tasks, and the last error of tasks now retrying, by their error message with ids, paths, numbers and timestamps folded (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "trends" -d 'Show the queue over time, in buckets: created, started, completed, failed, cancelled, retried, the backlog, wait and run times, success rate (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "retry-failed" -d 'Put failed tasks back in the queue, to run again now'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "retry" -d 'Put failed tasks back in the queue, to run again now'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "cancel" -d 'Cancel pending and retrying tasks, so they never run'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "fail" -d 'Force-fail tasks: pending, retrying and running ones go to failed (the dead letters) at once, with --reason as their error'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "prioritize" -d 'Give pending and retrying tasks a new priority; claims follow it at once'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "reap-stuck" -d 'Give back the tasks of dead or hung workers; made for cron'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "reap" -d 'Give back the tasks of dead or hung workers; made for cron'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "drain" -d 'Pause claims on the queue, then wait until its running tasks finish'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "resume" -d 'Let workers claim from a paused (drained) queue again'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "wait" -d 'Wait until the queue is below a backlog, idle, or has nothing claimed; made for maintenance-window scripts (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "preflight" -d 'Run the checklist before starting ingestion; each item PASS / WARN / FAIL with a detail and, when not PASS, what to do (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "vacuum" -d 'Delete finished tasks past retention, then VACUUM (ANALYZE) the table'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "worker" -d 'Run the queue\'s tasks: the supervisor that claims tasks and runs a command for each'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "workers" -d 'Show the queue\'s workers, absurdctl\'s and legacy ones, with their state and current tasks; prune old registrations; stop a worker'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "spawn" -d 'Enqueue one task'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "migrate" -d 'Adopt the database\'s ABSURD schema, whatever its legacy shape, and bring it to the current version'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "audit" -d 'Show recent operator actions from the audit table, newest first (read-only)'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "bench" -d 'Measure what this installation can take: spawn rate, drain rate, claim latency and pickup latency'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c absurdctl -n "__fish_absurdctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l watch -d 'Refresh every INTERVAL (5s, 1m, or plain seconds; default 5s) until Ctrl-C or `q`, with rates computed between refreshes. On a terminal the view is redrawn in place; otherwise one snapshot per interval is printed (one JSON object per line with --output json)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l heartbeat-timeout -d 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck\'s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l timeout-grace -d 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l reaper-lock-stale-after -d 'The reaper\'s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l backlog-warn -d 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l backlog-crit -d 'CRITICAL when more than this many tasks wait; the runbooks\' "pending > 500"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l stuck-warn -d 'WARNING when more than this many tasks are stuck (0: any stuck task)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l stuck-crit -d 'CRITICAL when more than this many tasks are stuck; the runbook\'s "orphaned records > 10"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l failures-warn -d 'WARNING when more than this many tasks failed for good in the last hour (the runbook\'s failed_records_warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l failures-crit -d 'CRITICAL when more than this many tasks failed for good in the last hour' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l oldest-warn -d 'WARNING when the oldest task ready to run (available, dependencies met) has waited longer; the runbook\'s "oldest enqueued > 10 min"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l oldest-crit -d 'CRITICAL when the oldest ready task has waited longer ("> 30 min")' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l success-warn -d 'WARNING when under this percentage of the tasks that finished in the last hour completed (judged from 10 finished tasks on)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l success-crit -d 'CRITICAL when the last hour\'s success rate is under this percentage' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l stall-warn -d 'WARNING when tasks are ready but nothing has completed for this long (the runbook\'s "last updated > 10 min"); not judged while paused' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l stall-crit -d 'CRITICAL when tasks are ready but nothing has completed for this long' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l min-workers -d 'Live workers wanted while tasks are ready: none is CRITICAL, fewer WARNING (0: not judged); not judged while paused' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l rate-warn -d 'WARNING when fewer tasks than this completed in the last hour while tasks have been ready for an hour or more (the runbook\'s "< 50/h"; 0: not judged)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l rate-crit -d 'CRITICAL when fewer completed in the last hour ("< 10/h")' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l dead-workers-warn -d 'WARNING when at least this many registered workers are marked running but have not been seen for --heartbeat-timeout (0: not judged)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l headroom -d 'Spare capacity added to "workers needed" (the runbook\'s 50 %)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l rtt-warn -d 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook\'s response-time warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l rtt-crit -d 'CRITICAL when a round trip takes longer' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l worker-unit -d 'The systemd template unit of this host\'s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline\'s own deployment names it `contimg-absurd-worker@`' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l all-queues -d 'Every queue that has tasks, a pause record or live workers, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l check -d 'Monitoring-plugin mode: print one summary line (with perfdata) and exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (database unreachable, schema not migrated); with --output json, the full report and the same code'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l allow-empty -d 'A queue with no task, worker or pause record ever is healthy (a new queue), not UNKNOWN (a misspelled --queue)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand status" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l listen -d 'Address and port to serve /metrics and /healthz on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l min-interval -d 'Read the queue statistics at most this often, however often Prometheus scrapes: scrapes in between (and concurrent ones) are served the same snapshot' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l read-timeout -d 'Give up a read of the queue statistics after this long (a database gone silent): /metrics then answers absurd_up 0. Keep it under Prometheus\'s scrape_timeout (10s by default)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l heartbeat-timeout -d 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck\'s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l timeout-grace -d 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l reaper-lock-stale-after -d 'The reaper\'s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l backlog-warn -d 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l backlog-crit -d 'CRITICAL when more than this many tasks wait; the runbooks\' "pending > 500"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l stuck-warn -d 'WARNING when more than this many tasks are stuck (0: any stuck task)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l stuck-crit -d 'CRITICAL when more than this many tasks are stuck; the runbook\'s "orphaned records > 10"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l failures-warn -d 'WARNING when more than this many tasks failed for good in the last hour (the runbook\'s failed_records_warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l failures-crit -d 'CRITICAL when more than this many tasks failed for good in the last hour' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l oldest-warn -d 'WARNING when the oldest task ready to run (available, dependencies met) has waited longer; the runbook\'s "oldest enqueued > 10 min"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l oldest-crit -d 'CRITICAL when the oldest ready task has waited longer ("> 30 min")' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l success-warn -d 'WARNING when under this percentage of the tasks that finished in the last hour completed (judged from 10 finished tasks on)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l success-crit -d 'CRITICAL when the last hour\'s success rate is under this percentage' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l stall-warn -d 'WARNING when tasks are ready but nothing has completed for this long (the runbook\'s "last updated > 10 min"); not judged while paused' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l stall-crit -d 'CRITICAL when tasks are ready but nothing has completed for this long' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l min-workers -d 'Live workers wanted while tasks are ready: none is CRITICAL, fewer WARNING (0: not judged); not judged while paused' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l rate-warn -d 'WARNING when fewer tasks than this completed in the last hour while tasks have been ready for an hour or more (the runbook\'s "< 50/h"; 0: not judged)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l rate-crit -d 'CRITICAL when fewer completed in the last hour ("< 10/h")' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l dead-workers-warn -d 'WARNING when at least this many registered workers are marked running but have not been seen for --heartbeat-timeout (0: not judged)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l headroom -d 'Spare capacity added to "workers needed" (the runbook\'s 50 %)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l rtt-warn -d 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook\'s response-time warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l rtt-crit -d 'CRITICAL when a round trip takes longer' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l worker-unit -d 'The systemd template unit of this host\'s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline\'s own deployment names it `contimg-absurd-worker@`' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l all-queues -d 'Every queue that has tasks, a pause record or live workers, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l once -d 'Print one scrape to stdout and exit (0 when the queue was read, 3 when not), without listening'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l allow-empty -d 'A queue with no task, worker or pause record ever is healthy (a new queue), not UNKNOWN (a misspelled --queue)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand exporter" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l interval -d 'Refresh every SECONDS' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l filter -d 'Start with the view filtered to task names containing TEXT (`/` changes it in the view)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l heartbeat-timeout -d 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck\'s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l timeout-grace -d 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l reaper-lock-stale-after -d 'The reaper\'s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l backlog-warn -d 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l backlog-crit -d 'CRITICAL when more than this many tasks wait; the runbooks\' "pending > 500"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l stuck-warn -d 'WARNING when more than this many tasks are stuck (0: any stuck task)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l stuck-crit -d 'CRITICAL when more than this many tasks are stuck; the runbook\'s "orphaned records > 10"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l failures-warn -d 'WARNING when more than this many tasks failed for good in the last hour (the runbook\'s failed_records_warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l failures-crit -d 'CRITICAL when more than this many tasks failed for good in the last hour' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l oldest-warn -d 'WARNING when the oldest task ready to run (available, dependencies met) has waited longer; the runbook\'s "oldest enqueued > 10 min"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l oldest-crit -d 'CRITICAL when the oldest ready task has waited longer ("> 30 min")' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l success-warn -d 'WARNING when under this percentage of the tasks that finished in the last hour completed (judged from 10 finished tasks on)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l success-crit -d 'CRITICAL when the last hour\'s success rate is under this percentage' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l stall-warn -d 'WARNING when tasks are ready but nothing has completed for this long (the runbook\'s "last updated > 10 min"); not judged while paused' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l stall-crit -d 'CRITICAL when tasks are ready but nothing has completed for this long' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l min-workers -d 'Live workers wanted while tasks are ready: none is CRITICAL, fewer WARNING (0: not judged); not judged while paused' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l rate-warn -d 'WARNING when fewer tasks than this completed in the last hour while tasks have been ready for an hour or more (the runbook\'s "< 50/h"; 0: not judged)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l rate-crit -d 'CRITICAL when fewer completed in the last hour ("< 10/h")' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l dead-workers-warn -d 'WARNING when at least this many registered workers are marked running but have not been seen for --heartbeat-timeout (0: not judged)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l headroom -d 'Spare capacity added to "workers needed" (the runbook\'s 50 %)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l rtt-warn -d 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook\'s response-time warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l rtt-crit -d 'CRITICAL when a round trip takes longer' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l worker-unit -d 'The systemd template unit of this host\'s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline\'s own deployment names it `contimg-absurd-worker@`' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l all-queues -d 'Start with every queue that has tasks, a pause record or live workers, not only --queue (`a` toggles it in the view)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand top" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -s h -l help -d 'Print help'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -f -a "list" -d 'List tasks, newest first'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -f -a "show" -d 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -f -a "logs" -d 'Print what a task\'s handler wrote (the tails absurdctl\'s worker keeps of each attempt\'s standard output and error), of the latest or any earlier attempt; --follow streams a running attempt until it ends'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and not __fish_seen_subcommand_from list show logs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l status -d 'Only tasks in this status (repeatable)' -r -f -a "pending\t'Waiting to run (or for a dependency, or a delayed start)'
retrying\t'Waiting for its retry after a failed or reaped attempt (stored as pending)'
claimed\t'Held by a worker (also: running)'
completed\t''
failed\t'Failed with no attempt left (the dead letters)'
cancelled\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l worker -d 'Only tasks with an attempt that failed (failed, timed out, reaped, lost) on this host or worker id' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l error-contains -l error-like -d 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l since -d 'Only tasks whose time (of --sort: created_at, or the failure or finish time) is within this long before now (e.g. 1h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l until -d 'Only tasks whose time (as for --since) is longer ago than this' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l sort -d 'The order: created_at (newest first), failed_at (the latest failure first: failed tasks, or --status retrying), finished_at (the latest finished first: completed, failed, cancelled), priority (claim order)' -r -f -a "created_at\t'Newest first'
failed_at\t'The latest failure first'
finished_at\t'The latest finished first'
priority\t'Highest priority, then oldest, first (the claim order)'"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l limit -d 'At most this many tasks, the first in --sort order; 0 for all of them. When the limit cuts the list, stderr says how many of how many are shown' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l all-queues -d 'Tasks of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l attempt -d 'This attempt (1 is the first) [default: the latest]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l stream -d 'Which output to print; `both` puts a header before each' -r -f -a "stdout\t''
stderr\t''
both\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l interval -d 'How often --follow reads the database (the worker stores output at its heartbeats)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing what a running attempt writes until it ends (Ctrl-C stops); waits for the task\'s first attempt when it has none yet'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from help" -f -a "list" -d 'List tasks, newest first'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Print what a task\'s handler wrote (the tails absurdctl\'s worker keeps of each attempt\'s standard output and error), of the latest or any earlier attempt; --follow streams a running attempt until it ends'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand tasks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l since -d 'Failures within this long before now (e.g. 1h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l limit -d 'At most this many causes, the most frequent first' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l all-queues -d 'Failures of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l attempts -d 'Every failed attempt (failed, timed out, reaped, lost), also of tasks that went on to complete, from the task history; counts are attempts [default: the last error of each failed or retrying task]'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand errors" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l by -d 'Bucket size (buckets start on the minute, hour or UTC midnight)' -r -f -a "minute\t''
hour\t''
day\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l since -d 'The window: as many buckets as cover this long, ending with the current one (e.g. 6h, 30d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l by-task -d 'One series per task name (with --task-name: per name given)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand trends" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l status -d 'Only tasks in this status (repeatable); it must be one the command changes' -r -f -a "pending\t'Waiting to run (or for a dependency, or a delayed start)'
retrying\t'Waiting for its retry after a failed or reaped attempt (stored as pending)'
claimed\t'Held by a worker (also: running)'
completed\t''
failed\t'Failed with no attempt left (the dead letters)'
cancelled\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l id -d 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l ids-from -d 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l older-than -d 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l newer-than -d 'Only tasks created within this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l since -d 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l error-pattern -d 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l error-like -d 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l attempts-at-least -d 'Only tasks claimed at least N times (their attempt count)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l attempts-below -d 'Only tasks claimed fewer than N times (the runbooks\' "retry count < N"; with --attempts-at-least, a range)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l limit -d 'Change at most N tasks: the oldest N that match' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l batch-size -d 'Tasks changed per batch; each batch is one short transaction' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l sample -d 'How many of the selected tasks (the oldest) the preview lists; 0 for none' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l include-cancelled -d 'Retry cancelled tasks too'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l reset-attempts -d 'Start the attempt count again (attempt = 0), instead of granting one more attempt to tasks that used them all'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l all-queues -d 'Tasks of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l all -d 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l dry-run -d 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry-failed" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l status -d 'Only tasks in this status (repeatable); it must be one the command changes' -r -f -a "pending\t'Waiting to run (or for a dependency, or a delayed start)'
retrying\t'Waiting for its retry after a failed or reaped attempt (stored as pending)'
claimed\t'Held by a worker (also: running)'
completed\t''
failed\t'Failed with no attempt left (the dead letters)'
cancelled\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l id -d 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l ids-from -d 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l older-than -d 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l newer-than -d 'Only tasks created within this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l since -d 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l error-pattern -d 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l error-like -d 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l attempts-at-least -d 'Only tasks claimed at least N times (their attempt count)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l attempts-below -d 'Only tasks claimed fewer than N times (the runbooks\' "retry count < N"; with --attempts-at-least, a range)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l limit -d 'Change at most N tasks: the oldest N that match' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l batch-size -d 'Tasks changed per batch; each batch is one short transaction' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l sample -d 'How many of the selected tasks (the oldest) the preview lists; 0 for none' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l include-cancelled -d 'Retry cancelled tasks too'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l reset-attempts -d 'Start the attempt count again (attempt = 0), instead of granting one more attempt to tasks that used them all'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l all-queues -d 'Tasks of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l all -d 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l dry-run -d 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand retry" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l reason -d 'Why: kept in each task\'s error ("Cancelled by absurdctl: TEXT") and in the audit row (`absurdctl audit` shows it)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l status -d 'Only tasks in this status (repeatable); it must be one the command changes' -r -f -a "pending\t'Waiting to run (or for a dependency, or a delayed start)'
retrying\t'Waiting for its retry after a failed or reaped attempt (stored as pending)'
claimed\t'Held by a worker (also: running)'
completed\t''
failed\t'Failed with no attempt left (the dead letters)'
cancelled\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l id -d 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l ids-from -d 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l older-than -d 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l newer-than -d 'Only tasks created within this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l since -d 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l error-pattern -d 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l error-like -d 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l attempts-at-least -d 'Only tasks claimed at least N times (their attempt count)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l attempts-below -d 'Only tasks claimed fewer than N times (the runbooks\' "retry count < N"; with --attempts-at-least, a range)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l limit -d 'Change at most N tasks: the oldest N that match' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l batch-size -d 'Tasks changed per batch; each batch is one short transaction' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l sample -d 'How many of the selected tasks (the oldest) the preview lists; 0 for none' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l include-claimed -d 'Cancel running (claimed) tasks too; their workers are told to stop at their next heartbeat'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l all-queues -d 'Tasks of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l all -d 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l dry-run -d 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand cancel" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l reason -d 'Why (required): it becomes each task\'s error, and is kept in the audit row (`absurdctl audit` shows it)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l status -d 'Only tasks in this status (repeatable); it must be one the command changes' -r -f -a "pending\t'Waiting to run (or for a dependency, or a delayed start)'
retrying\t'Waiting for its retry after a failed or reaped attempt (stored as pending)'
claimed\t'Held by a worker (also: running)'
completed\t''
failed\t'Failed with no attempt left (the dead letters)'
cancelled\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l id -d 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l ids-from -d 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l older-than -d 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l newer-than -d 'Only tasks created within this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l since -d 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l error-pattern -d 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l error-like -d 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l attempts-at-least -d 'Only tasks claimed at least N times (their attempt count)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l attempts-below -d 'Only tasks claimed fewer than N times (the runbooks\' "retry count < N"; with --attempts-at-least, a range)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l limit -d 'Change at most N tasks: the oldest N that match' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l batch-size -d 'Tasks changed per batch; each batch is one short transaction' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l sample -d 'How many of the selected tasks (the oldest) the preview lists; 0 for none' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l all-queues -d 'Tasks of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l all -d 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l dry-run -d 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand fail" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l priority -d 'The new priority: higher is claimed first (default of new tasks: 0)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l task-name -d 'Only tasks of this name (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l status -d 'Only tasks in this status (repeatable); it must be one the command changes' -r -f -a "pending\t'Waiting to run (or for a dependency, or a delayed start)'
retrying\t'Waiting for its retry after a failed or reaped attempt (stored as pending)'
claimed\t'Held by a worker (also: running)'
completed\t''
failed\t'Failed with no attempt left (the dead letters)'
cancelled\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l id -d 'Only this task, by id (a UUID, or a unique prefix of at least 4 hex digits; repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l ids-from -d 'Only the tasks whose ids FILE lists, one per line ("-" reads standard input; blank lines and # comments are ignored)' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l older-than -d 'Only tasks created longer ago than this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l newer-than -d 'Only tasks created within this (e.g. 30m, 2h, 7d)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l since -d 'Only tasks whose latest change is within this (e.g. 24h): failed, completed or cancelled then, or, unfinished, created then. The window `errors --since` counts failures in' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l error-pattern -d 'Only tasks whose error, folded as `errors` folds it (numbers, ids, paths and times replaced by <n>, <uuid>, <path>, <ts>), is exactly this pattern: the cause `errors` prints, with the command that uses it' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l error-like -d 'Only tasks whose error contains this text (case-insensitive; taken literally: % and _ are not wildcards)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l attempts-at-least -d 'Only tasks claimed at least N times (their attempt count)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l attempts-below -d 'Only tasks claimed fewer than N times (the runbooks\' "retry count < N"; with --attempts-at-least, a range)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l limit -d 'Change at most N tasks: the oldest N that match' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l batch-size -d 'Tasks changed per batch; each batch is one short transaction' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l sample -d 'How many of the selected tasks (the oldest) the preview lists; 0 for none' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l all-queues -d 'Tasks of every queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l all -d 'Every task the command changes, with no other condition: required when no filter is given (a bare `cancel --yes` changes nothing)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l dry-run -d 'Show what would change (how many tasks, by name and status, and a sample) and change nothing; the dry run is recorded in the audit table'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand prioritize" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l heartbeat-timeout -d 'A claimed task whose worker has been silent this long is stuck, and a registered worker not seen this long is dead (at least 1s; under 1m is warned about: it reaps live legacy workers). The default, 15 minutes, never reaps a live legacy Python worker: it heartbeats every 30 s, but a long CASA call blocks its event loop for minutes at a time, so minutes of silence are not death' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l timeout-grace -d 'A task that has run longer than its own timeout (spawn --timeout) plus this grace has overrun: reported, and reaped while its worker still heartbeats only with --reap-overrun' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l reaper-lock-stale-after -d 'The reaper\'s lock held by another session for longer than this (a reap takes seconds) is reported as a hung session: exit 1' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l claimed-longer-than -d 'Instead of the heartbeat and timeout rules, reap every task claimed longer ago than this, whatever its heartbeat (the runbooks\' "claimed for more than 2 hours"; at least 1s). A live worker of such a task is refused when it later completes it, and stops at its next heartbeat (Named --older-than before: that name still works. Everywhere else --older-than is a task\'s creation age.)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l reap-overrun -d 'Also reap tasks that overran their timeout plus --timeout-grace while their worker still heartbeats. The legacy Python worker never stops such a task: its work is thrown away and the task runs again'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l dry-run -d 'List what would be reaped and which workers would be marked dead; change nothing'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l all-queues -d 'Every queue with claimed tasks or live registered workers, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap-stuck" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l heartbeat-timeout -d 'A claimed task whose worker has been silent this long is stuck, and a registered worker not seen this long is dead (at least 1s; under 1m is warned about: it reaps live legacy workers). The default, 15 minutes, never reaps a live legacy Python worker: it heartbeats every 30 s, but a long CASA call blocks its event loop for minutes at a time, so minutes of silence are not death' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l timeout-grace -d 'A task that has run longer than its own timeout (spawn --timeout) plus this grace has overrun: reported, and reaped while its worker still heartbeats only with --reap-overrun' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l reaper-lock-stale-after -d 'The reaper\'s lock held by another session for longer than this (a reap takes seconds) is reported as a hung session: exit 1' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l claimed-longer-than -d 'Instead of the heartbeat and timeout rules, reap every task claimed longer ago than this, whatever its heartbeat (the runbooks\' "claimed for more than 2 hours"; at least 1s). A live worker of such a task is refused when it later completes it, and stops at its next heartbeat (Named --older-than before: that name still works. Everywhere else --older-than is a task\'s creation age.)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l reap-overrun -d 'Also reap tasks that overran their timeout plus --timeout-grace while their worker still heartbeats. The legacy Python worker never stops such a task: its work is thrown away and the task runs again'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l dry-run -d 'List what would be reaped and which workers would be marked dead; change nothing'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l all-queues -d 'Every queue with claimed tasks or live registered workers, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand reap" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l timeout -d 'Stop waiting after this long: exit 1 and list the tasks still running (the queue stays paused)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l reason -d 'Why the queue is paused, recorded with the pause (shown by `status`)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l no-wait -d 'Only pause; do not wait for running tasks'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l all-queues -d 'Every queue in use (with pending, retrying or claimed tasks, or paused before), not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand drain" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l all-queues -d 'Every paused queue, not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand resume" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l backlog-below -d 'Until fewer than N tasks wait (pending and retrying, ready or not: `status`\'s backlog); the runbooks\' "restart when the queue is below 20"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l timeout -d 'Give up after this long: exit 6, the figures on stderr [default: wait for ever]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l interval -d 'How often to look (each look is one cheap read)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l idle -d 'Until no task is ready to be claimed and none is claimed (tasks delayed, in retry backoff or blocked by a dependency may remain)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l no-claimed -d 'Until no task is claimed (the running tasks have finished)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand wait" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l min-workers -d 'FAIL when fewer workers are alive (registered and seen, or heartbeating a task, within --heartbeat-timeout); WARN when some but fewer' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l disk -d 'Check free space on PATH: WARN at WARN% used (default 90), FAIL at CRIT% (default 95), as the runbook\'s `df | grep 9[0-9]%` (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l long-transaction-warn -d 'WARN when a transaction has been open longer (it holds back vacuum)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l long-transaction-crit -d 'FAIL when a transaction has been open longer' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l dead-tuples-warn -d 'WARN when this percentage of absurd.tasks\' rows are dead (judged from 1000 dead rows on); `absurdctl vacuum` reclaims them' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l dead-tuples-crit -d 'FAIL when this percentage of absurd.tasks\' rows are dead' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l connections-warn -d 'WARN when this percentage of max_connections is in use (the runbook\'s pool utilisation warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l connections-crit -d 'FAIL when this percentage of max_connections is in use' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l heartbeat-timeout -d 'A claimed task with no heartbeat for this long is stuck (one that never sent any counts from the later of its claim and the first `migrate`). The default is reap-stuck\'s: long enough for a legacy Python worker whose event loop blocks for minutes in a CASA call' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l timeout-grace -d 'A claimed task that has run past its own timeout plus this grace has overrun: reported (a warning), but not stuck while its worker heartbeats' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l reaper-lock-stale-after -d 'The reaper\'s lock held longer than this (a reap takes seconds) is reported: a hung session holds it, and nothing is reaped meanwhile' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l backlog-warn -d 'WARNING when more than this many tasks wait (pending + retrying); the runbook scales up workers at "queue depth > 20"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l backlog-crit -d 'CRITICAL when more than this many tasks wait; the runbooks\' "pending > 500"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l stuck-warn -d 'WARNING when more than this many tasks are stuck (0: any stuck task)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l stuck-crit -d 'CRITICAL when more than this many tasks are stuck; the runbook\'s "orphaned records > 10"' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l failures-warn -d 'WARNING when more than this many tasks failed for good in the last hour (the runbook\'s failed_records_warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l failures-crit -d 'CRITICAL when more than this many tasks failed for good in the last hour' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l rtt-warn -d 'WARNING when a round trip to the database (SELECT 1) takes longer (the runbook\'s response-time warning)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l rtt-crit -d 'CRITICAL when a round trip takes longer' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l worker-unit -d 'The systemd template unit of this host\'s workers, named by the remedy of "no live workers" (`systemctl start UNIT{1..4}`); the pipeline\'s own deployment names it `contimg-absurd-worker@`' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand preflight" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l completed-older-than -d 'Delete completed tasks that finished longer ago than this' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l cancelled-older-than -d 'Delete cancelled tasks that finished longer ago than this' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l failed-older-than -d 'Delete failed tasks (the dead letters) that finished longer ago than this' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l attempts-at-least -d 'Delete only those failed tasks that were claimed at least N times (the runbooks\' "failed over 7 days with retry_count >= 5"); completed and cancelled tasks are not affected' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l batch-size -d 'Rows deleted per transaction (each holds locks only on the rows it deletes, for well under a second); measured on a 2-core host, 5000 disturbed the workers\' claims less than 1000 or 2000' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l duty-cycle -d 'Share of the time spent deleting, in percent: after each batch it pauses so that the workers get the CPU and the disk back for the rest, and VACUUM pauses as autovacuum does (100: no pauses)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l max-duration -d 'Stop deleting once this much time has passed (e.g. 20m, for a maintenance window); what is left goes on the next run. VACUUM and reindexing are skipped when the budget runs out (autovacuum follows)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l archive -d 'Write every deleted row to FILE first, as JSON lines (gzip when FILE ends in .gz), fsynced before the batch that deletes the rows commits; an existing FILE is refused unless --append' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l reindex-threshold -d 'Estimated bloat, in percent of an index\'s size, above which --reindex rebuilds it' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l all-queues -d 'Clean every queue with tasks, one after the other, not only --queue (VACUUM runs once, at the end)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l analyze-only -d 'Only ANALYZE absurd.tasks (fresh planner statistics, in seconds, with no lock the workers notice): delete nothing, no VACUUM'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l append -d 'Add to an existing --archive file instead of refusing it'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l no-vacuum -d 'Skip VACUUM (ANALYZE) after deleting'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l reindex -d 'After VACUUM, rebuild with REINDEX INDEX CONCURRENTLY each btree index of absurd.tasks of 1 MiB or more whose estimated bloat passes --reindex-threshold (writes go on while it rebuilds). Bloat comes from pgstattuple when installed, else from the planner statistics'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l full -d 'VACUUM FULL instead of VACUUM: gives the space back to the operating system, but locks absurd.tasks (ACCESS EXCLUSIVE) for its whole run, stopping every worker; asks first, even when nothing is deleted'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l dry-run -d 'Show how many rows per status would go and the space they hold; change nothing (read-only session)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand vacuum" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -s h -l help -d 'Print help'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -f -a "run" -d 'Claim tasks of --queue and run COMMAND for each, until stopped'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and not __fish_seen_subcommand_from run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s c -l concurrency -d 'Tasks run at the same time (one handler process each); claims are made in batches of up to this many' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l task-name -d 'Claim only tasks of this name (repeatable) [default: every name]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l worker-id -d 'This worker\'s id, in the registry and in the worker_id of the tasks it claims; must be unique among running workers [default: HOST-PID-RANDOM]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l heartbeat-interval -d 'How often running tasks\' heartbeats and the worker\'s registry row are recorded; keep it well under the heartbeat timeout `reap` uses' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l default-timeout -d 'Longest a task without a timeout of its own may run before it is stopped and failed (e.g. 2h, or 3600 seconds) [default: no limit]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l kill-grace -d 'Time between SIGTERM and SIGKILL when a handler is stopped (timeout, cancellation, reap, end of --grace)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l grace -d 'On SIGTERM or SIGINT, how long running handlers may take to finish before they are stopped and their tasks given back to the queue' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l poll-interval -d 'How often an idle worker looks for work on its own (e.g. 5s, or 1.0 seconds); a spawned task wakes it at once (LISTEN/NOTIFY), so this is only the fallback' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l max-tasks -d 'Claim at most this many tasks, finish them, then exit 0' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l log-format -d 'Format of the log lines on stderr, one per task or worker event' -r -f -a "human\t'A timestamp, a level and a sentence'
json\t'One JSON object per line (ts, level, event, worker_id, task fields)'"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l max-output -d 'Most bytes of a handler\'s standard output kept for its result (at most 64 MiB); past it only the tail is kept, as a string' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l result-batch-bytes -d 'Most bytes of results (as JSON text) stored in one statement; more go in several. A single result larger than this fails its task, saying so, since it could never be stored' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l log-tail -d 'Bytes kept of each attempt\'s standard output and of its standard error, the last ones, for `tasks logs` (stored at every heartbeat while the handler runs, and at its end; 0 keeps none)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l exit-when-empty -d 'Exit 0 once nothing runs and no task can be claimed now (tasks waiting for a retry backoff or a delayed start are left for later)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l pass-database-password -d 'Pass the database password on to handlers: ABSURD_DATABASE_URL and DATABASE_URL as they are and PGPASSWORD [default: handlers get the URLs without the password, and no PGPASSWORD]'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from help" -f -a "run" -d 'Claim tasks of --queue and run COMMAND for each, until stopped'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand worker; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l all -d 'Also workers last seen more than an hour ago (long dead or stopped)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -f -a "list" -d 'List the workers that served --queue recently (the default of `absurdctl workers`; read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -f -a "prune" -d 'Delete registrations of workers stopped or dead for longer than --older-than, and legacy pollers unseen that long'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -f -a "stop" -d 'Ask one of absurdctl\'s workers to drain and exit, through the database (so from any host)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and not __fish_seen_subcommand_from list prune stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l all -d 'Also workers last seen more than an hour ago (long dead or stopped)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l older-than -d 'Delete registrations stopped or dead (and legacy pollers unseen) for longer than this' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l dry-run -d 'List what would be deleted; change nothing'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l now -d 'Stop its handlers at once and give their tasks back, instead of letting them finish'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the workers that served --queue recently (the default of `absurdctl workers`; read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete registrations of workers stopped or dead for longer than --older-than, and legacy pollers unseen that long'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Ask one of absurdctl\'s workers to drain and exit, through the database (so from any host)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand workers; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l task-name -d 'Task name, e.g. calibration-solve' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l params -d 'Parameters as a JSON object' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l priority -d 'Priority: higher runs first' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l timeout -d 'Longest the task may run before it is killed and failed (e.g. 2h)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l max-retries -d 'How many times the task may be claimed before it stays failed (the dead letters `retry-failed` replays)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l depends-on -d 'Do not run before these tasks have completed (repeatable)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l delay -d 'Do not run before this long from now (e.g. 10m)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand spawn" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l check -d 'Change nothing; exit 1 when migrations are pending, 0 when current'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l dry-run -d 'Show the detected shape and the migrations that would run; change nothing'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand migrate" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l limit -d 'At most this many rows' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l all-queues -d 'Actions on every queue (and on none in particular), not only --queue'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand audit" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l tasks -d 'No-op tasks spawned in batches and then drained, per measurement' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l samples -d 'Single spawns, single claims and pickups timed, per measurement' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l workers -d 'In-process no-op workers draining the queue, each on its own connection' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l batch -d 'Tasks per batched spawn, per claim and per completion of the drain' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l history -d 'Also measure with this many finished tasks of the bench queue in the table (e.g. 1000000; inserted in the server, removed at the end)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand bench" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l database-url -d 'PostgreSQL connection URL, e.g. postgres://user@host:5432/dsa110_absurd [default: --database-url-file, then $ABSURD_DATABASE_URL, then $DATABASE_URL, then the libpq PG* variables]' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l database-url-file -d 'Read the connection URL from this file (its first line), so that no password is on a command line where `ps` shows it; the file must not be readable by others (chmod 600). A password may also come from libpq\'s password file ($PGPASSFILE, else ~/.pgpass). --database-url wins over it' -r -F
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l queue -d 'Queue to operate on' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -s o -l output -d 'Output format: a table for people, JSON for scripts (stable, documented in README.md); prometheus is accepted by `status` only' -r -f -a "table\t''
json\t''
prometheus\t''
csv\t''"
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l connect-timeout -d 'Give up connecting, or waiting for a free connection, after this long (e.g. 5s, 500ms; more than zero). A statement whose answer has not begun after --statement-timeout plus this long is given up too (exit 3)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l lock-timeout -d 'Longest wait for a table or row lock before a statement gives up, so that an operator command never queues the workers behind it (0: wait for ever; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l statement-timeout -d 'Longest a single statement may run (0: no limit; at most 24 days)' -r
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation (needed to change anything without a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -l no-color -d 'No colour in the output (also when NO_COLOR is set or stdout is not a terminal)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -s q -l quiet -d 'Print only errors and what was asked for; silent when nothing happened'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -s v -l verbose -d 'Print more about what is being done (repeat for more)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "status" -d 'Show the health of a queue: counts, ages, throughput, timings, stuck tasks, live workers, pause state and a verdict (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "exporter" -d 'Serve the figures of `status` to Prometheus over HTTP: /metrics and /healthz (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "top" -d 'A live dashboard of the queue in the terminal: verdict, last hour per minute, backlog, workers, failures; pause, resume and retry from it'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "tasks" -d 'List tasks or show one in full (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "errors" -d 'Group recent failures by cause: failed tasks, and the last error of tasks now retrying, by their error message with ids, paths, numbers and timestamps folded (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "trends" -d 'Show the queue over time, in buckets: created, started, completed, failed, cancelled, retried, the backlog, wait and run times, success rate (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "retry-failed" -d 'Put failed tasks back in the queue, to run again now'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "cancel" -d 'Cancel pending and retrying tasks, so they never run'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "fail" -d 'Force-fail tasks: pending, retrying and running ones go to failed (the dead letters) at once, with --reason as their error'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "prioritize" -d 'Give pending and retrying tasks a new priority; claims follow it at once'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "reap-stuck" -d 'Give back the tasks of dead or hung workers; made for cron'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "drain" -d 'Pause claims on the queue, then wait until its running tasks finish'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "resume" -d 'Let workers claim from a paused (drained) queue again'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "wait" -d 'Wait until the queue is below a backlog, idle, or has nothing claimed; made for maintenance-window scripts (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "preflight" -d 'Run the checklist before starting ingestion; each item PASS / WARN / FAIL with a detail and, when not PASS, what to do (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "vacuum" -d 'Delete finished tasks past retention, then VACUUM (ANALYZE) the table'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "worker" -d 'Run the queue\'s tasks: the supervisor that claims tasks and runs a command for each'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "workers" -d 'Show the queue\'s workers, absurdctl\'s and legacy ones, with their state and current tasks; prune old registrations; stop a worker'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "spawn" -d 'Enqueue one task'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "migrate" -d 'Adopt the database\'s ABSURD schema, whatever its legacy shape, and bring it to the current version'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "audit" -d 'Show recent operator actions from the audit table, newest first (read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "bench" -d 'Measure what this installation can take: spawn rate, drain rate, claim latency and pickup latency'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and not __fish_seen_subcommand_from status exporter top tasks errors trends retry-failed cancel fail prioritize reap-stuck drain resume wait preflight vacuum worker workers spawn migrate audit bench completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from tasks" -f -a "list" -d 'List tasks, newest first'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from tasks" -f -a "show" -d 'Show every field of one task: params, result, error, attempts, timings, heartbeat age and dependencies'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from tasks" -f -a "logs" -d 'Print what a task\'s handler wrote (the tails absurdctl\'s worker keeps of each attempt\'s standard output and error), of the latest or any earlier attempt; --follow streams a running attempt until it ends'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from worker" -f -a "run" -d 'Claim tasks of --queue and run COMMAND for each, until stopped'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from workers" -f -a "list" -d 'List the workers that served --queue recently (the default of `absurdctl workers`; read-only)'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from workers" -f -a "prune" -d 'Delete registrations of workers stopped or dead for longer than --older-than, and legacy pollers unseen that long'
complete -c absurdctl -n "__fish_absurdctl_using_subcommand help; and __fish_seen_subcommand_from workers" -f -a "stop" -d 'Ask one of absurdctl\'s workers to drain and exit, through the database (so from any host)'
