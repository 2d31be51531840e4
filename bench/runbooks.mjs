// Runbooks the benchmarks share.

/**
 * A `source` queue fed by `items.json` (polled when the worker starts, then hourly), drained by
 * worker `w` into one-phase pipelines running `run`.
 */
export function sourceQueueRunbook({ concurrency, run }) {
  return [
    '[queue.jobs]',
    'source = "cat items.json"',
    'poll = "1h"',
    '',
    '[worker.w]',
    'queue = "jobs"',
    'handler = "pipeline.job"',
    `concurrency = ${concurrency}`,
    '',
    '[pipeline.job]',
    'inputs = ["n"]',
    '',
    '[[pipeline.job.phase]]',
    'name = "only"',
    `run = "${run}"`,
    '',
  ].join('\n');
}
