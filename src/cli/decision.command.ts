// `oj decision list|show|resolve` and `oj done`: what waits for a human, and how phase commands and
// agents report that their phase is finished.
import { call } from './call.js';
import { CliError, EXIT } from './errors.js';
import { formatAgo } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';

interface DecisionView {
  id: string;
  pipeline: string;
  pipelineName: string;
  agent: string | null;
  cause: string;
  detail: string;
  options: string[];
  createdAt: number;
}

export async function listDecisions(opts: { output: string; all?: boolean }): Promise<void> {
  const list = await call<DecisionView[]>(
    'decision.list',
    opts.all ? {} : { project: projectRoot() },
  );
  if (opts.output === 'json') return printJson(list);
  if (list.length === 0) {
    process.stdout.write('no open decisions\n');
    return;
  }
  const rows = list.map((d) => [
    d.id,
    d.pipelineName,
    d.cause,
    d.options.join('|'),
    formatAgo(d.createdAt),
    d.detail,
  ]);
  process.stdout.write(
    `${formatTable(['DECISION', 'PIPELINE', 'CAUSE', 'OPTIONS', 'RAISED', 'DETAIL'], rows)}\n`,
  );
}

export async function showDecision(id: string, opts: { output: string }): Promise<void> {
  const d = await call<DecisionView>('decision.show', { id });
  if (opts.output === 'json') return printJson(d);
  process.stdout.write(
    [
      `${d.id}  ${d.cause}  raised ${formatAgo(d.createdAt)}`,
      `  pipeline: ${d.pipelineName} (${d.pipeline})${d.agent ? `, session ${d.agent}` : ''}`,
      `  detail:   ${d.detail}`,
      `  options:  ${d.options.join(', ')}`,
      `  resolve:  oj decision resolve ${d.id} <${d.options.join('|')}> [-m message]`,
    ].join('\n') + '\n',
  );
}

export async function resolveDecision(
  id: string,
  option: string,
  opts: { output: string; message?: string },
): Promise<void> {
  const result = await call<{ id: string; option: string; pipeline: string; status: string }>(
    'decision.resolve',
    { id, option, ...(opts.message === undefined ? {} : { message: opts.message }) },
  );
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(
    `${result.id}: ${result.option} — pipeline ${result.pipeline} is ${result.status}\n`,
  );
}

/** `oj done [--error why]`: reads its pipeline and epoch from the environment the runtime set. */
export async function doneCommand(opts: { error?: string }): Promise<void> {
  const pipeline = process.env.OJ_PIPELINE;
  const epoch = process.env.OJ_EPOCH;
  if (!pipeline || !epoch)
    throw new CliError(
      'NOT_IN_PHASE',
      'oj done must run inside a phase command or agent started by oj (OJ_PIPELINE and OJ_EPOCH are not set)',
      EXIT.usage,
    );
  await call('done', {
    pipeline,
    epoch,
    ...(opts.error === undefined ? {} : { error: opts.error }),
  });
  process.stdout.write(
    opts.error === undefined
      ? `phase ${process.env.OJ_PHASE ?? ''} done\n`
      : `phase ${process.env.OJ_PHASE ?? ''} failed: ${opts.error}\n`,
  );
}
