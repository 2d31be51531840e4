// `oj pipeline list|show|transition|resume|cancel|wait|logs`: look at and steer pipeline instances.
import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { durationOption } from './duration-option.js';
import { call } from './call.js';
import { CliError, EXIT } from './errors.js';
import { formatAgo, formatElapsed, formatStatus } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';
import type { PipelineView } from '../runtime/index.js';

/** A pipeline as the daemon shows it, with the path of its captured output. */
type PipelineDetail = PipelineView & { log: string };

export async function listPipelines(opts: {
  status?: string;
  output: string;
  all?: boolean;
}): Promise<void> {
  const status = opts.status ? opts.status.split(',') : undefined;
  const list = await call<PipelineDetail[]>('pipeline.list', {
    project: opts.all ? undefined : projectRoot(),
    status,
  });
  if (opts.output === 'json') return printJson(list);
  const rows = list.map((p) => [
    p.id,
    p.name,
    formatStatus(p.status),
    p.phase ?? '-',
    formatAgo(p.startedAt),
    p.error ? truncate(p.error, 60) : '',
  ]);
  process.stdout.write(
    `${formatTable(['ID', 'NAME', 'STATUS', 'PHASE', 'STARTED', 'ERROR'], rows)}\n`,
  );
}

export async function showPipeline(
  id: string,
  opts: { output: string; phase?: boolean },
): Promise<void> {
  const p = await call<PipelineDetail>('pipeline.show', { id });
  if (opts.phase) {
    process.stdout.write(`${p.phase ?? ''}\n`);
    return;
  }
  if (opts.output === 'json') return printJson(p);
  const lines = [
    `${p.id}  ${p.name}  (${p.pipeline})`,
    `  status:  ${formatStatus(p.status)}${p.phase ? ` at phase "${p.phase}"` : ''}`,
    ...(p.waitingFor ? [`  why:     ${p.waitingFor}`] : []),
    ...(p.error ? [`  error:   ${p.error}`] : []),
    `  inputs:  ${
      Object.entries(p.inputs)
        .map(([k, v]) => `${k}=${truncate(v, 40)}`)
        .join(' ') || '(none)'
    }`,
    ...(p.item
      ? [`  item:    ${p.item.item} of queue ${p.item.queue} (worker ${p.item.worker})`]
      : []),
    `  started: ${formatAgo(p.startedAt)}${p.endedAt && p.startedAt ? `, took ${formatElapsed(p.endedAt - p.startedAt)}` : ''}`,
    `  log:     ${p.log}`,
    '  phases:',
    ...p.history.map(
      (h) =>
        `    ${h.phase.padEnd(16)} #${h.visit}  ${(h.outcome ?? 'running').padEnd(11)} ${h.endedAt ? formatElapsed(h.endedAt - h.enteredAt) : ''}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function steerPipeline(
  method: 'pipeline.cancel' | 'pipeline.resume' | 'pipeline.transition',
  params: Record<string, string>,
  opts: { output: string },
): Promise<void> {
  const p = await call<PipelineDetail>(method, params);
  if (opts.output === 'json') return printJson(p);
  process.stdout.write(
    `${p.id}  ${formatStatus(p.status)}${p.phase ? ` at phase "${p.phase}"` : ''}\n`,
  );
}

export async function waitPipelines(
  ids: string[],
  opts: { all?: boolean; timeout?: string; output: string },
): Promise<void> {
  const timeoutMs = opts.timeout ? parseTimeout(opts.timeout) : undefined;
  const result = await call<{ done: boolean; pipelines: PipelineDetail[] }>(
    'pipeline.wait',
    { ids, all: opts.all ?? false, timeoutMs },
    {
      timeoutMs: timeoutMs === undefined ? Infinity : timeoutMs + 10_000,
      onEvent: opts.output === 'json' ? () => undefined : progressPrinter(),
    },
  );
  if (process.stderr.isTTY && opts.output !== 'json') process.stderr.write('\r\x1b[K');
  if (opts.output === 'json') printJson(result);
  else
    for (const p of result.pipelines)
      process.stdout.write(`${p.id}  ${formatStatus(p.status)}${p.error ? `  ${p.error}` : ''}\n`);
  if (!result.done)
    throw new CliError(
      'TIMEOUT',
      `timed out after ${opts.timeout} waiting for ${ids.join(', ')}`,
      EXIT.failed,
    );
  const failed = result.pipelines.filter((p) => p.status === 'failed' || p.status === 'cancelled');
  if (failed.length) process.exitCode = EXIT.failed;
}

export async function pipelineLogs(id: string, opts: { follow?: boolean }): Promise<void> {
  const p = await call<PipelineDetail>('pipeline.show', { id });
  if (!existsSync(p.log)) {
    if (!opts.follow) return;
  }
  let offset = 0;
  const pump = async () => {
    if (!existsSync(p.log)) return;
    const size = statSync(p.log).size;
    if (size <= offset) return;
    await new Promise<void>((resolve, reject) => {
      createReadStream(p.log, { start: offset, end: size - 1 })
        .on('error', reject)
        .on('end', resolve)
        .pipe(process.stdout, { end: false });
    });
    offset = size;
  };
  await pump();
  if (!opts.follow) return;
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => void pump(), 250); // also catches a log created after we started
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(p.log, () => void pump());
    } catch {
      // the log may not exist yet; polling covers it
    }
    const stop = () => {
      clearInterval(poll);
      watcher?.close();
      resolve();
    };
    process.once('SIGINT', stop);
  });
}

function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m)
    throw new CliError('USAGE', `--timeout "${text}" is not a duration (e.g. 30s, 5m)`, EXIT.usage);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

function truncate(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

/** `oj pipeline phase-time <id> [--over 2h]`: time in the current phase, or an exit code for monitors. */
export async function phaseTime(id: string, opts: { over?: string }): Promise<void> {
  const overMs = durationOption('--over', opts.over);
  const p = await call<PipelineDetail>('pipeline.show', { id });
  const current = [...p.history]
    .reverse()
    .find((h) => h.phase === p.phase && h.endedAt === undefined);
  const ms = current ? Math.max(0, Date.now() - current.enteredAt) : 0;
  if (overMs !== undefined) {
    process.exitCode = current && ms >= overMs ? 0 : 1;
    return;
  }
  process.stdout.write(`${Math.floor(ms / 1000)}\n`);
}

interface Progress {
  id: string;
  name: string;
  status: string;
  phase: string | null;
  agent: string | null;
}

/**
 * Shows waited-on pipelines as they move: on a terminal one line rewritten in place (with a
 * spinner), otherwise one plain line per change (on stderr, so stdout keeps only the result).
 */
export function progressPrinter(): (data: unknown) => void {
  const tty = process.stderr.isTTY === true;
  const latest = new Map<string, Progress>();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const describe = (p: Progress) =>
    `${p.name} ${p.status}${p.phase ? ` · ${p.phase}` : ''}${p.agent ? ` · agent ${p.agent}` : ''}`;
  const draw = () => {
    const line = [...latest.values()].map(describe).join('  |  ');
    process.stderr.write(
      `\r\x1b[K${frames[frame++ % frames.length]} ${line}`.slice(
        0,
        (process.stderr.columns || 120) + 8,
      ),
    );
  };
  let timer: NodeJS.Timeout | undefined;
  return (data: unknown) => {
    const p = data as Progress;
    latest.set(p.id, p);
    if (!tty) return void process.stderr.write(`${describe(p)}\n`);
    draw();
    timer ??= setInterval(draw, 120).unref();
  };
}
