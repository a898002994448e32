#!/usr/bin/env python3
"""An example persistent handler, for `absurdctl worker run --persistent`:
    absurdctl --queue quickstart worker run --persistent -- examples/persistent-handler.py

The worker starts it once per slot and keeps it running. Each task comes as
one JSON line on standard input ({"id", "task_id", "task_name", "params",
"attempt", ...}); answer each with one JSON line on standard output,
{"id": ..., "result": ...} to complete it or {"id": ..., "error": "..."} to
fail it (retried with backoff while attempts remain). Standard output is for
answers only: log on standard error. EOF on standard input means exit now.
SIGTERM means stop now (a timeout, a cancellation, the end of a shutdown's
grace); the worker starts the handler again.

Task names it knows (the tests use them):
  echo         the task back, as its result
  sleep        sleeps params.seconds (default 1), then answers
  fail         answers with an error
  crash        exits with params.code (default 3) without answering
  kill-self    SIGKILLs itself without answering
  garbage      writes a line that is no answer
  stray        answers for an id it was never given, then for the task
  log          writes params.text on stderr, then answers
  noop         answers {} at once (benchmarks)
anything else: an error.
"""
import json
import os
import signal
import sys
import time


def answer(task_id, **reply):
    sys.stdout.write(json.dumps({"id": task_id, **reply}) + "\n")
    sys.stdout.flush()


def main():
    for line in sys.stdin:
        task = json.loads(line)
        name, params, tid = task["task_name"], task.get("params") or {}, task["id"]
        if name == "noop":
            answer(tid, result={})
        elif name == "echo":
            answer(tid, result={"task": task, "pid": os.getpid()})
        elif name == "sleep":
            time.sleep(float(params.get("seconds", 1)))
            answer(tid, result={"slept": True, "pid": os.getpid()})
        elif name == "fail":
            answer(tid, error=params.get("error", "it failed, as asked"))
        elif name == "crash":
            print("crashing, as asked", file=sys.stderr, flush=True)
            sys.exit(int(params.get("code", 3)))
        elif name == "kill-self":
            os.kill(os.getpid(), signal.SIGKILL)
        elif name == "garbage":
            print("this is not an answer", flush=True)
        elif name == "stray":
            answer("no-such-id", result={})
            answer(tid, result={"stray": True})
        elif name == "log":
            print(params.get("text", "a line of log"), file=sys.stderr, flush=True)
            answer(tid, result={"logged": True})
        else:
            answer(tid, error=f"unknown task name: {name}")


if __name__ == "__main__":
    main()
