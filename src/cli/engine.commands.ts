// Registers the commands that talk to the engine: pipeline, queue, worker, emit, events, status.
// Each action imports its module only when it runs (start-up stays cheap for every other command).
import { Option } from 'commander';
import type { Command } from 'commander';

const output = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
type Out = { output: string };

export function registerEngineCommands(program: Command): void {
  const pipeline = program
    .command('pipeline')
    .description('list, show and steer pipeline instances');
  pipeline
    .command('list')
    .description('pipelines of this project, newest first')
    .option('--status <statuses>', 'only these statuses, comma-separated (e.g. running,failed)')
    .option('--all', 'every project served by this daemon')
    .addOption(output())
    .action(async (opts: Out & { status?: string; all?: boolean }) =>
      (await import('./pipeline.command.js')).listPipelines(opts),
    );
  pipeline
    .command('show')
    .description('one pipeline: status, phase, phases run, error, log file (any unique id prefix)')
    .argument('<id>')
    .option('--phase', 'print only the current phase')
    .addOption(output())
    .action(async (id: string, opts: Out & { phase?: boolean }) =>
      (await import('./pipeline.command.js')).showPipeline(id, opts),
    );
  pipeline
    .command('phase-time')
    .description('seconds the pipeline has been in its current phase')
    .argument('<id>')
    .option('--over <duration>', 'print nothing; exit 0 if at least this long (2h), else 1')
    .action(async (id: string, opts: { over?: string }) =>
      (await import('./pipeline.command.js')).phaseTime(id, opts),
    );
  pipeline
    .command('transition')
    .description('move a pipeline to another phase')
    .argument('<id>')
    .argument('<phase>')
    .addOption(output())
    .action(async (id: string, phase: string, opts: Out) =>
      (await import('./pipeline.command.js')).steerPipeline(
        'pipeline.transition',
        { id, phase },
        opts,
      ),
    );
  pipeline
    .command('resume')
    .description('run a failed or escalated pipeline again from the phase it stopped at')
    .argument('<id>')
    .addOption(output())
    .action(async (id: string, opts: Out) =>
      (await import('./pipeline.command.js')).steerPipeline('pipeline.resume', { id }, opts),
    );
  pipeline
    .command('cancel')
    .description('cancel a pipeline (its on_cancel cleanup runs once)')
    .argument('<id>')
    .option('--reason <text>', 'why, for the record')
    .addOption(output())
    .action(async (id: string, opts: Out & { reason?: string }) =>
      (await import('./pipeline.command.js')).steerPipeline(
        'pipeline.cancel',
        { id, ...(opts.reason ? { reason: opts.reason } : {}) },
        opts,
      ),
    );
  pipeline
    .command('wait')
    .description('wait until pipelines end; exit 1 if one failed or the timeout passed')
    .argument('<ids...>')
    .option('--all', 'wait for all of them (default: the first to end)')
    .option('--timeout <duration>', 'give up after this long, e.g. 10m')
    .addOption(output())
    .action(async (ids: string[], opts: Out & { all?: boolean; timeout?: string }) =>
      (await import('./pipeline.command.js')).waitPipelines(ids, opts),
    );
  pipeline
    .command('logs')
    .description("print a pipeline's captured output; -f follows it")
    .argument('<id>')
    .option('-f, --follow', 'keep printing what is appended, until Ctrl-C')
    .action(async (id: string, opts: { follow?: boolean }) =>
      (await import('./pipeline.command.js')).pipelineLogs(id, opts),
    );

  const queue = program.command('queue').description('add, list, show, retry and drop work items');
  queue
    .command('add')
    .description(
      'add an item: oj queue add <queue> key=value…, or many: oj queue add <queue> --file items.jsonl',
    )
    .argument('<queue>')
    .argument('[fields...]')
    .option(
      '--id <id>',
      'the item id (default: derived from its data, so identical adds are idempotent)',
    )
    .option('--priority <n>', 'higher runs first in priority queues')
    .option('--after <ids>', 'comma-separated item ids that must be done first')
    .option(
      '--file <path>',
      'add every item of a JSON array or JSON-lines file (- reads stdin); `id`, `priority` and `after` fields are honoured',
    )
    .addOption(output())
    .action(
      async (
        name: string,
        fields: string[],
        opts: Out & { id?: string; priority?: string; after?: string; file?: string },
      ) => {
        const command = await import('./queue.command.js');
        return opts.file === undefined
          ? command.addItem(name, fields, opts)
          : command.addItems(name, fields, { ...opts, file: opts.file });
      },
    );
  queue
    .command('list')
    .description('queues with their item counts')
    .addOption(output())
    .action(async (opts: Out) => (await import('./queue.command.js')).listQueues(opts));
  queue
    .command('show')
    .description("a queue's items")
    .argument('<queue>')
    .addOption(output())
    .action(async (name: string, opts: Out) =>
      (await import('./queue.command.js')).showQueue(name, opts),
    );
  for (const [verb, text] of [
    ['retry', 'put a dead item back in the queue'],
    ['drop', 'remove a pending or dead item'],
  ] as const) {
    queue
      .command(verb)
      .description(text)
      .argument('<queue>')
      .argument('<item>')
      .addOption(output())
      .action(async (name: string, item: string, opts: Out) =>
        (await import('./queue.command.js')).itemOp(`queue.${verb}`, name, item, opts),
      );
  }

  const worker = program.command('worker').description('start, stop, wake and list workers');
  for (const [verb, text] of [
    ['start', 'start taking items from its queue'],
    ['stop', 'take no more items (running pipelines finish)'],
    ['wake', 'look at the queue now'],
  ] as const) {
    worker
      .command(verb)
      .description(text)
      .argument('<worker>')
      .addOption(output())
      .action(async (name: string, opts: Out) =>
        (await import('./queue.command.js')).workerOp(`worker.${verb}`, name, opts),
      );
  }
  worker
    .command('list')
    .description('workers with their slots in use')
    .addOption(output())
    .action(async (opts: Out) => (await import('./queue.command.js')).listWorkers(opts));

  const lock = program
    .command('lock')
    .description('locks: who holds them, stale checks, force release');
  lock
    .command('list')
    .description('locks with their holder and waiters')
    .addOption(output())
    .action(async (opts: Out) => (await import('./lock.command.js')).listLocks(opts));
  lock
    .command('is-stale')
    .description('exit 0 if the lock is held by a stale holder, 1 if not')
    .argument('<lock>')
    .addOption(output())
    .action(async (name: string, opts: Out) =>
      (await import('./lock.command.js')).isStale(name, opts),
    );
  lock
    .command('force-release')
    .description('take a lock from its holder (the next waiter gets it)')
    .argument('<lock>')
    .option('--reason <text>', 'why, for the record')
    .addOption(output())
    .action(async (name: string, opts: Out & { reason?: string }) =>
      (await import('./lock.command.js')).forceRelease(name, opts),
    );
  program
    .command('semaphore')
    .description('semaphores: slots used and holders')
    .command('list')
    .description('semaphores with their slots in use')
    .addOption(output())
    .action(async (opts: Out) => (await import('./lock.command.js')).listSemaphores(opts));

  const cron = program.command('cron').description('crons: enable, disable, run once, list');
  for (const [verb, description] of [
    ['enable', 'run the cron every interval (its schedule survives daemon restarts)'],
    ['disable', 'stop the schedule (a run in progress finishes)'],
    ['once', 'run the cron now, unless it is already running'],
  ] as const)
    cron
      .command(verb)
      .description(description)
      .argument('<cron>')
      .addOption(output())
      .action(async (name: string, opts: Out) =>
        (await import('./cron.command.js')).cronOp(verb, name, opts),
      );
  cron
    .command('list')
    .description('crons with their schedule, last run and response attempts')
    .addOption(output())
    .action(async (opts: Out) => (await import('./cron.command.js')).listCrons(opts));

  program
    .command('emit')
    .description(
      'emit a custom event: oj emit bug:created --id 42 (wakes workers whose wake_on matches)',
    )
    .argument('<event>')
    .argument('[data...]')
    .allowUnknownOption()
    .helpOption(false)
    .addOption(output())
    .action(async (name: string, data: string[], opts: Out) =>
      (await import('./status.command.js')).emitCommand(name, data, opts),
    );
  program
    .command('events')
    .description('the journal: recent records and notices; -f follows')
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--limit <n>', 'how many recent events (default 50)')
    .addOption(output())
    .action(async (opts: Out & { follow?: boolean; limit?: string }) =>
      (await import('./status.command.js')).eventsCommand(opts),
    );
  program
    .command('status')
    .description('one screen: pipelines by status, workers, queues, recent failures')
    .addOption(output())
    .action(async (opts: Out) => (await import('./status.command.js')).statusCommand(opts));
}
