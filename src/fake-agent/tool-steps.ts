// The tool steps' real effects: write and edit files in the cwd, run shell commands, commit with
// git, call `$OJ_CLI done`, or (prompt) only ask. Each becomes a ToolCall for tools.ts to run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AgentContext } from './context.js';
import { InterruptError } from './context.js';
import { runShell, shellQuote } from './exec.js';
import type { StepOf } from './steps.schema.js';
import type { ToolCall, ToolRun } from './tools.js';

export type ToolStep = StepOf<'write' | 'edit' | 'run' | 'commit' | 'done' | 'prompt'>;

export function toToolCall(ctx: AgentContext, step: ToolStep): ToolCall {
  switch (step.kind) {
    case 'write': {
      const path = resolve(ctx.cwd, step.write);
      return {
        name: 'Write',
        input: { file_path: path, content: step.content },
        title: `Write(${step.write})`,
        detail: `${step.write}\n${step.content}`,
        permission: step.permission,
        execute: async () => {
          try {
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, step.content);
          } catch (err) {
            const content = `<tool_use_error>${String(err)}</tool_use_error>`;
            return {
              content,
              isError: true,
              toolUseResult: `Error: ${content}`,
              result: fail(path),
            };
          }
          return {
            content: `File created successfully at: ${path}`,
            isError: false,
            toolUseResult: { type: 'create', filePath: path, content: step.content },
            result: { status: 'ok', path, bytes: Buffer.byteLength(step.content) },
          };
        },
      };
    }
    case 'edit': {
      const path = resolve(ctx.cwd, step.edit);
      return {
        name: 'Edit',
        input: { file_path: path, old_string: step.find, new_string: step.replace },
        title: `Update(${step.edit})`,
        detail: `${step.edit}\n- ${step.find}\n+ ${step.replace}`,
        permission: step.permission,
        execute: async () => editFile(path, step.find, step.replace),
      };
    }
    case 'run':
      return bash(ctx, step.run, step.permission, step.timeout_ms);
    case 'commit':
      return bash(ctx, `git add -A && git commit -m ${shellQuote(step.commit)}`, step.permission);
    case 'done': {
      const cli = ctx.env.OJ_CLI || 'oj';
      const error = step.done.error;
      const command = `${cli} done${error === undefined ? '' : ` --error ${shellQuote(error)}`}`;
      return bash(ctx, command, step.permission);
    }
    case 'prompt': {
      const name = step.tool ?? 'Bash';
      const input = name === 'Bash' ? { command: step.prompt } : { file_path: step.prompt };
      return {
        name,
        input,
        title: `${name}(${step.prompt})`,
        detail: step.prompt,
        permission: 'ask',
        // Only the question matters here; accepting reports the scripted output.
        execute: async () => ({
          content: step.output ?? '',
          isError: false,
          toolUseResult: { stdout: step.output ?? '', stderr: '', interrupted: false },
          result: { status: 'ok' },
        }),
      };
    }
  }
}

function editFile(path: string, find: string, replace: string): ToolRun {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const content = `<tool_use_error>File does not exist.</tool_use_error>`;
    return { content, isError: true, toolUseResult: `Error: ${content}`, result: fail(path) };
  }
  if (!text.includes(find)) {
    const content = `<tool_use_error>String to replace not found in file.\nString: ${find}</tool_use_error>`;
    return { content, isError: true, toolUseResult: `Error: ${content}`, result: fail(path) };
  }
  writeFileSync(
    path,
    text.replace(find, () => replace),
  );
  return {
    content: `The file ${path} has been updated.`,
    isError: false,
    toolUseResult: { filePath: path, oldString: find, newString: replace, replaceAll: false },
    result: { status: 'ok', path },
  };
}

function fail(path: string): ToolRun['result'] {
  return { status: 'failed', path };
}

/** A Bash tool call: `sh -c` in the cwd with the agent's env; the exit code is the result. */
function bash(
  ctx: AgentContext,
  command: string,
  permission: 'ask' | 'allow' | undefined,
  timeoutMs?: number,
): ToolCall {
  return {
    name: 'Bash',
    input: { command },
    title: `Bash(${command})`,
    detail: command,
    permission,
    execute: async (signal) => {
      const out = await runShell(command, {
        cwd: ctx.cwd,
        env: ctx.env,
        signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      if (out.aborted) throw new InterruptError();
      const output = `${out.stdout}${out.stderr}`.replace(/\s+$/, '');
      const code = out.code ?? 128;
      const content = code === 0 ? output : `Error: Exit code ${code}\n${output}`.trim();
      return {
        content,
        isError: code !== 0,
        toolUseResult: { stdout: out.stdout, stderr: out.stderr, interrupted: false },
        result: {
          status: code === 0 ? 'ok' : 'failed',
          command,
          code,
          stdout: out.stdout,
          stderr: out.stderr,
          ...(out.timedOut ? { timedOut: true } : {}),
        },
      };
    },
  };
}
