// Agent and decision tools: list_sessions, peek_session, send_message, list_decisions and
// resolve_decision, forwarding to the daemon methods `oj session …` and `oj decision …` use.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { OjMcpDeps } from './deps.js';
import { addTool, toJsonResult } from './tool.js';

const allProjects = z
  .boolean()
  .optional()
  .describe("every project of this daemon, not only this server's project");

export function registerAgentTools(server: McpServer, deps: OjMcpDeps): void {
  const log = deps.log;
  const project = (all: boolean | undefined) => (all ? {} : { project: deps.projectRoot() });

  addTool(
    server,
    'list_sessions',
    {
      title: 'List agent sessions',
      description:
        'The agents oj runs: session id, pipeline, phase, state (working, idle, …), health, idle ' +
        'time, restarts and any decision it waits on.',
      input: { all_projects: allProjects },
      annotations: { readOnlyHint: true },
    },
    async (input) =>
      toJsonResult({ sessions: await deps.call('session.list', project(input.all_projects)) }),
    log,
  );

  addTool(
    server,
    'peek_session',
    {
      title: "Peek at an agent's screen",
      description:
        "The agent's terminal screen as it is now (text lines, trailing blanks dropped).",
      input: {
        id: z.string().min(1).describe('session id or a unique prefix (see list_sessions)'),
      },
      annotations: { readOnlyHint: true },
      notFound: 'list_sessions shows the session ids',
    },
    async (input) => {
      const result = (await deps.call('session.peek', { id: input.id })) as {
        lines?: string[];
      } & Record<string, unknown>;
      const lines = result.lines ?? [];
      let end = lines.length;
      while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
      return toJsonResult({ ...result, lines: lines.slice(0, end) });
    },
    log,
  );

  addTool(
    server,
    'send_message',
    {
      title: 'Send a follow-up message to an agent',
      description:
        'Follows up with an agent like `oj session continue`: a live, idle agent gets the message ' +
        'typed in; a finished one is continued in its conversation. The id may be a session id or ' +
        'the id of the pipeline the agent works for.',
      input: {
        id: z.string().min(1).describe('session id or pipeline id (a unique prefix will do)'),
        message: z.string().min(1).describe('what to tell the agent'),
      },
      annotations: { destructiveHint: false, openWorldHint: true },
      notFound: 'list_sessions shows the session ids; list_pipelines the pipeline ids',
    },
    async (input) => {
      const result = (await deps.call('session.continue', {
        id: input.id,
        message: input.message,
      })) as { id: string | null; how: string };
      // A busy agent is not interrupted: the message did not arrive, and the caller should know.
      return toJsonResult(result, result.how.startsWith('not delivered'));
    },
    log,
  );

  addTool(
    server,
    'list_decisions',
    {
      title: 'List open decisions',
      description:
        'What waits for a human (or you): escalated pipelines and stuck agents, each with its ' +
        'cause, detail and the options resolve_decision accepts.',
      input: { all_projects: allProjects },
      annotations: { readOnlyHint: true },
    },
    async (input) =>
      toJsonResult({ decisions: await deps.call('decision.list', project(input.all_projects)) }),
    log,
  );

  addTool(
    server,
    'resolve_decision',
    {
      title: 'Resolve a decision',
      description:
        'Answers an open decision with one of its options (e.g. retry, cancel, nudge, skip; ' +
        'list_decisions shows which apply). Returns the pipeline status that follows.',
      input: {
        id: z.string().min(1).describe('decision id or a unique prefix (see list_decisions)'),
        option: z.string().min(1).describe('one of the options the decision lists'),
        message: z
          .string()
          .optional()
          .describe('a note; for retry/nudge it is passed to the agent'),
      },
      annotations: { destructiveHint: true },
      notFound: 'list_decisions shows the open decisions',
    },
    async (input) =>
      toJsonResult(
        await deps.call('decision.resolve', {
          id: input.id,
          option: input.option,
          ...(input.message === undefined ? {} : { message: input.message }),
        }),
      ),
    log,
  );
}
