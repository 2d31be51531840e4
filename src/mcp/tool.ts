// How every oj tool is registered: a strict zod input schema, JSON results (text plus
// structuredContent), and any failure turned into an `isError` result so the server never crashes.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { codeOf, messageOf } from './errors.js';

export interface ToolSpec<Shape extends z.ZodRawShape> {
  title: string;
  description: string;
  input: Shape;
  annotations?: ToolAnnotations;
  /** Appended to a NOT_FOUND error: which tool lists what the caller was looking for. */
  notFound?: string;
}

/** What a failure with this code should tell an agent to do next (daemon messages name CLI verbs). */
const HINTS: Record<string, string> = {
  NO_PROJECT: 'start "oj mcp" inside the project (or set OJ_PROJECT to its root)',
  UNKNOWN_METHOD: 'the running daemon is older than this tool; restart it with "oj daemon stop"',
  DAEMON_UNREACHABLE: 'check "oj daemon status" and "oj daemon logs"',
};

/**
 * Registers `name`; `run` gets the validated arguments and returns a result (see toJsonResult).
 * Unknown argument keys are rejected, so a misspelt option is an error rather than ignored.
 */
export function addTool<Shape extends z.ZodRawShape>(
  server: McpServer,
  name: string,
  spec: ToolSpec<Shape>,
  run: (args: z.output<z.ZodObject<Shape>>) => Promise<CallToolResult>,
  log: (line: string) => void = () => {},
): void {
  const inputSchema = z.object(spec.input).strict();
  server.registerTool(
    name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema,
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    },
    async (args: unknown) => {
      try {
        return await run(args as z.output<z.ZodObject<Shape>>);
      } catch (err) {
        log(`oj mcp: ${name} failed: ${messageOf(err)}`);
        return toErrorResult(name, err, spec.notFound);
      }
    },
  );
}

/** Pretty JSON text plus, for a plain object, the same value as structuredContent. */
export function toJsonResult(value: unknown, isError = false): CallToolResult {
  const structured =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { structuredContent: value as Record<string, unknown> }
      : {};
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) ?? 'null' }],
    ...structured,
    ...(isError ? { isError: true } : {}),
  };
}

/** A failure as a tool result: which tool, the error's own message, and a next step when known. */
export function toErrorResult(tool: string, err: unknown, notFound?: string): CallToolResult {
  const code = codeOf(err);
  const hint = code === 'NOT_FOUND' ? notFound : code ? HINTS[code] : undefined;
  const text = `${tool} failed: ${messageOf(err)}${hint ? `\n(${hint})` : ''}`;
  return {
    content: [{ type: 'text', text }],
    structuredContent: { error: { code: code ?? 'ERROR', message: messageOf(err) } },
    isError: true,
  };
}
