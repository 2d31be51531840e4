// Pipeline tools: list, show (with the tail of its log), wait, cancel, resume, delete and cleanup.
// Each forwards to the daemon method `oj pipeline …` and `oj prune` use.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { PIPELINE_STATUSES } from '../machines/index.js';
import { parseDuration } from '../runbook/index.js';
import type { PipelineView } from '../runtime/index.js';
import type { OjMcpDeps } from './deps.js';
import { McpToolError } from './errors.js';
import { readLogTail } from './log-tail.js';
import { addTool, toJsonResult } from './tool.js';

type PipelineDetail = PipelineView & { log: string };

const LIST_LIMIT = 50; // newest first; an agent rarely needs more and lists cost context
const DEFAULT_LOG_LINES = 20;
const DEFAULT_WAIT_S = 30; // below the 60 s most MCP clients allow a request
const MAX_WAIT_S = 600;
const WAIT_SLACK_MS = 10_000; // the daemon answers at its timeout; allow for the round trip
const FINISHED = ['done', 'failed', 'cancelled'] as const;

const pipelineId = z
  .string()
  .min(1)
  .describe('pipeline id, any unique prefix of it, or the pipeline name (see list_pipelines)');
const allProjects = z
  .boolean()
  .optional()
  .describe("every project of this daemon, not only this server's project");
const NOT_FOUND = 'list_pipelines shows the pipelines and their ids';

export function registerPipelineTools(server: McpServer, deps: OjMcpDeps): void {
  const log = deps.log;
  const project = (all: boolean | undefined) => (all ? {} : { project: deps.projectRoot() });

  addTool(
    server,
    'list_pipelines',
    {
      title: 'List pipelines',
      description:
        "The project's pipelines, newest first: id, name, status, current phase, error. " +
        `Statuses: ${PIPELINE_STATUSES.join(', ')}.`,
      input: {
        status: z
          .array(z.enum(PIPELINE_STATUSES))
          .optional()
          .describe('only pipelines with one of these statuses'),
        all_projects: allProjects,
        limit: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe(`at most this many (default ${LIST_LIMIT})`),
      },
      annotations: { readOnlyHint: true },
    },
    async (input) => {
      const list = (await deps.call('pipeline.list', {
        ...project(input.all_projects),
        ...(input.status?.length ? { status: input.status } : {}),
      })) as PipelineDetail[];
      const limit = input.limit ?? LIST_LIMIT;
      return toJsonResult({ total: list.length, pipelines: list.slice(0, limit).map(toSummary) });
    },
    log,
  );

  addTool(
    server,
    'show_pipeline',
    {
      title: 'Show a pipeline',
      description:
        'One pipeline in full: status, phase, why it waits, error, inputs, phase history, the path ' +
        'of its captured output and the last lines of that output.',
      input: {
        id: pipelineId,
        log_lines: z
          .number()
          .int()
          .min(0)
          .max(500)
          .optional()
          .describe(`how many of the last output lines to include (default ${DEFAULT_LOG_LINES})`),
      },
      annotations: { readOnlyHint: true },
      notFound: NOT_FOUND,
    },
    async (input) => {
      const p = (await deps.call('pipeline.show', { id: input.id })) as PipelineDetail;
      return toJsonResult({
        ...p,
        logTail: readLogTail(p.log, input.log_lines ?? DEFAULT_LOG_LINES),
      });
    },
    log,
  );

  addTool(
    server,
    'wait_pipeline',
    {
      title: 'Wait for pipelines to finish',
      description:
        `Waits until a pipeline (or all of them, with all=true) is done, failed or cancelled, at ` +
        `most timeout_seconds (default ${DEFAULT_WAIT_S}). Returns done=false when time ran out; ` +
        'call it again to keep waiting.',
      input: {
        ids: z.array(pipelineId).min(1).describe('the pipelines to wait for'),
        all: z.boolean().optional().describe('wait for every one, not the first to finish'),
        timeout_seconds: z.number().int().min(0).max(MAX_WAIT_S).optional(),
      },
      annotations: { readOnlyHint: true },
      notFound: NOT_FOUND,
    },
    async (input) => {
      const timeoutMs = (input.timeout_seconds ?? DEFAULT_WAIT_S) * 1000;
      const result = (await deps.call(
        'pipeline.wait',
        { ids: input.ids, all: input.all ?? false, timeoutMs },
        { timeoutMs: timeoutMs + WAIT_SLACK_MS },
      )) as { done: boolean; pipelines: PipelineDetail[] };
      return toJsonResult({ done: result.done, pipelines: result.pipelines.map(toSummary) });
    },
    log,
  );

  addTool(
    server,
    'cancel_pipeline',
    {
      title: 'Cancel a pipeline',
      description:
        'Cancels a pipeline that has not finished: its running step is stopped and its on_cancel ' +
        'phase, if any, runs. Returns the pipeline.',
      input: {
        id: pipelineId,
        reason: z.string().optional().describe('recorded as why it was cancelled'),
      },
      annotations: { destructiveHint: true, idempotentHint: false },
      notFound: NOT_FOUND,
    },
    async (input) => {
      const p = (await deps.call('pipeline.cancel', {
        id: input.id,
        ...(input.reason ? { reason: input.reason } : {}),
      })) as PipelineDetail;
      return toJsonResult(toSummary(p));
    },
    log,
  );

  addTool(
    server,
    'resume_pipeline',
    {
      title: 'Resume a pipeline',
      description:
        'Resumes a failed or escalated pipeline from the phase where it stopped. Returns the pipeline.',
      input: { id: pipelineId },
      annotations: { destructiveHint: false },
      notFound: NOT_FOUND,
    },
    async (input) => {
      const p = (await deps.call('pipeline.resume', { id: input.id })) as PipelineDetail;
      return toJsonResult(toSummary(p));
    },
    log,
  );

  addTool(
    server,
    'delete_pipeline',
    {
      title: 'Delete a finished pipeline',
      description:
        'Forgets one finished (done, failed or cancelled) pipeline with its log and worktree. ' +
        'A pipeline that is still running, waiting or escalated is refused: cancel it first.',
      input: { id: pipelineId },
      annotations: { destructiveHint: true },
      notFound: NOT_FOUND,
    },
    async (input) => {
      // prune matches whole ids only; show resolves a prefix (and says so when it is ambiguous).
      const p = (await deps.call('pipeline.show', { id: input.id })) as PipelineDetail;
      const result = await deps.call('prune', { ids: [p.id] });
      return toJsonResult({ deleted: p.id, name: p.name, result });
    },
    log,
  );

  addTool(
    server,
    'cleanup',
    {
      title: 'Clean up finished pipelines',
      description:
        "Removes the project's finished pipelines with their logs and worktrees, like `oj prune`. " +
        'Running, waiting and escalated pipelines are never removed. Use dry_run to see what would go.',
      input: {
        status: z
          .array(z.enum(FINISHED))
          .min(1)
          .optional()
          .describe('which finished statuses (default all three)'),
        max_age: z
          .string()
          .optional()
          .describe('only pipelines that ended at least this long ago, e.g. "7d", "12h", "30m"'),
        dry_run: z.boolean().optional().describe('only list what would be removed'),
        worktrees: z.boolean().optional().describe('also remove worktrees no pipeline knows'),
        sessions: z.boolean().optional().describe('also session files of agents that are gone'),
        all_projects: allProjects,
      },
      annotations: { destructiveHint: true },
    },
    async (input) => {
      let maxAgeMs: number | undefined;
      if (input.max_age !== undefined) {
        const parsed = parseDuration(input.max_age);
        if (!parsed.ok) throw new McpToolError('BAD_ARGS', `max_age: ${parsed.message}`);
        maxAgeMs = parsed.ms;
      }
      const result = await deps.call('prune', {
        ...project(input.all_projects),
        ...(input.status ? { status: input.status } : {}),
        ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
        ...(input.worktrees ? { worktrees: true } : {}),
        ...(input.sessions ? { sessions: true } : {}),
        ...(input.dry_run ? { dryRun: true } : {}),
      });
      return toJsonResult(result);
    },
    log,
  );
}

/** A pipeline without its phase history: what a list needs. */
function toSummary(p: PipelineDetail) {
  return {
    id: p.id,
    name: p.name,
    pipeline: p.pipeline,
    project: p.project,
    status: p.status,
    phase: p.phase,
    error: p.error,
    ...(p.waitingFor ? { waitingFor: p.waitingFor } : {}),
    ...(p.item ? { item: p.item } : {}),
    startedAt: p.startedAt,
    endedAt: p.endedAt,
  };
}
