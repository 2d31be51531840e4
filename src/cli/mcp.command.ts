// `oj mcp`: serves oj to other agents over MCP on stdin/stdout, for the project of the working
// directory (or $OJ_PROJECT). stdout carries only MCP frames; diagnostics go to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createOjMcpServer, runShellScript } from '../mcp/index.js';
import { withOjShims } from '../runtime/index.js';
import { call } from './call.js';
import { loadValidRunbooks } from './project.js';
import { projectRoot, stateDir } from './root.js';

declare const OJ_VERSION: string | undefined;
const VERSION = typeof OJ_VERSION === 'string' ? OJ_VERSION : '0.0.0-dev';

/** Resolves when the client goes away (stdin ends) or on SIGINT/SIGTERM; running shells are killed. */
export async function mcpCommand(): Promise<void> {
  const log = (line: string) => void process.stderr.write(`${line}\n`);
  try {
    projectRoot();
  } catch (err) {
    log(`oj mcp: ${(err as Error).message}; tools that need a project will fail`);
  }
  const shutdown = new AbortController();
  const server = createOjMcpServer({
    call: (method, params, options) => call(method, params, options ?? {}),
    projectRoot,
    stateDir,
    loadCommands: () => Object.values(loadValidRunbooks().project.command),
    runShell: runShellScript,
    env: process.env,
    shellPath: (state) => withOjShims(state, process.env.PATH),
    signal: shutdown.signal,
    log,
    version: VERSION,
  });
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  const stop = () => {
    shutdown.abort();
    void server.close();
  };
  // The SDK's stdio transport does not notice the client closing our stdin, nor a broken stdout.
  process.stdin.once('end', stop);
  process.stdout.once('error', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await server.connect(new StdioServerTransport());
  await closed;
  shutdown.abort();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}
