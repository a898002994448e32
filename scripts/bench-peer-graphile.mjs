// Drain of graphile-worker's queue by graphile-worker itself, for
// scripts/bench-peer-graphile.sh (which installs it, migrates and enqueues).
//
//   GRAPHILE_DIR=dir DATABASE_URL=url JOBS=n CONCURRENCY=c node scripts/bench-peer-graphile.mjs
//
// GRAPHILE_DIR is the directory graphile-worker was installed in (its
// node_modules). The runner is graphile-worker's own run(): a task list with
// one no-op task `noop`, CONCURRENCY workers, each fetching one job at a time
// (0.16 has no local queue or batched fetch). Its logger is kept to warnings
// and errors: at info it prints a line per job, which absurdctl's drain does
// not. The clock starts just before run() and stops at the last job:complete
// event (the job is deleted when that fires); the program stops when
// graphile_worker._private_jobs is empty. Prints one line of JSON.
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const dir = process.env.GRAPHILE_DIR;
const url = process.env.DATABASE_URL;
const jobs = Number(process.env.JOBS ?? 20000);
const concurrency = Number(process.env.CONCURRENCY ?? 4);
if (!dir || !url) {
  console.error("GRAPHILE_DIR and DATABASE_URL are required");
  process.exit(2);
}

const require = createRequire(join(dir, "package.json"));
const { run, Logger } = require("graphile-worker");
const { version } = require("graphile-worker/package.json");
const pg = require("pg");

const quiet = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
});

const probe = new pg.Client({ connectionString: url });
await probe.connect();
const pending = async () =>
  Number((await probe.query("SELECT count(*) AS n FROM graphile_worker._private_jobs")).rows[0].n);

const before = await pending();
if (before !== jobs) {
  console.error(`expected ${jobs} jobs in graphile_worker._private_jobs, found ${before}`);
  process.exit(1);
}

let completed = 0;
let failed = 0;
let last = 0;
const start = performance.now();
const runner = await run({
  connectionString: url,
  concurrency,
  maxPoolSize: Math.max(10, concurrency + 2),
  noHandleSignals: true,
  pollInterval: 50,
  logger: quiet,
  taskList: { noop: async () => {} },
});
runner.events.on("job:complete", ({ error }) => {
  if (error) failed++;
  else completed++;
  last = performance.now();
});

// Stop when the table is empty, or when nothing has completed for 60 s.
let left = before;
let progressAt = performance.now();
let seen = 0;
for (;;) {
  await new Promise((r) => setTimeout(r, 100));
  if (failed > 0) break;
  left = await pending();
  if (left === 0) break;
  if (completed !== seen) {
    seen = completed;
    progressAt = performance.now();
  } else if (performance.now() - progressAt > 60000) break;
}
await runner.stop();
await probe.end();

if (left !== 0 || failed > 0 || completed !== jobs) {
  console.error(`drain incomplete: ${completed} completed, ${failed} failed, ${left} left in the table`);
  process.exit(1);
}
const sec = (last - start) / 1000;
console.log(
  JSON.stringify({
    peer: "graphile-worker",
    version,
    jobs,
    concurrency,
    drain_sec: Number(sec.toFixed(3)),
    drain_per_sec: Number((jobs / sec).toFixed(1)),
  }),
);
