#!/bin/sh
# An example handler, for the quick start's queue (never the production one):
#   absurdctl --queue quickstart worker run --exit-when-empty -- examples/handler.sh
# It stands in for the pipeline's steps: the quick start's task names
# (convert-uvh5-to-ms, calibration-solve, ..., create-mosaic) complete after
# EXAMPLE_SLEEP seconds (default 0) with a made-up result.
#
# The worker starts it once per task, in a process group of its own, with
# the task as JSON on standard input and in the environment:
#   ABSURD_TASK_ID, ABSURD_TASK_NAME, ABSURD_QUEUE_NAME, ABSURD_ATTEMPT, ABSURD_WORKER_ID
# Exit 0 to complete the task: standard output is its result (JSON as is,
# other text as a string). Exit non-zero to fail it, with the reason on
# standard error: it is retried with backoff while attempts remain.
# SIGTERM means stop now (timeout, cancellation, shutdown); SIGKILL follows
# after the worker's --kill-grace.
set -eu

task=$(cat)
trap 'echo "stopped by the worker" >&2; exit 143' TERM
echo "task $ABSURD_TASK_ID ($ABSURD_TASK_NAME), attempt $ABSURD_ATTEMPT" >&2

case "$ABSURD_TASK_NAME" in
  echo)
    # The whole task back, as the result.
    printf '{"task": %s}\n' "$task"
    ;;
  sleep)
    sleep "${EXAMPLE_SLEEP:-1}"
    echo '{"slept": true}'
    ;;
  convert-uvh5-to-ms|calibration-solve|calibration-apply|imaging|validation|create-mosaic)
    # A stand-in for the pipeline's step: no data is touched.
    sleep "${EXAMPLE_SLEEP:-0}"
    printf '{"step": "%s", "simulated": true}\n' "$ABSURD_TASK_NAME"
    ;;
  *)
    echo "unknown task name: $ABSURD_TASK_NAME" >&2
    exit 2
    ;;
esac
