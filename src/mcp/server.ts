// The oj MCP server: one McpServer with every oj tool registered against injected dependencies.
// It never prints; the caller connects it to a transport (stdio for `oj mcp`).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerAgentTools } from './agent.tools.js';
import type { OjMcpDeps } from './deps.js';
import { registerPipelineTools } from './pipeline.tools.js';
import { registerQueueTools } from './queue.tools.js';
import { registerRunTools } from './run.tools.js';

const INSTRUCTIONS = `oj runs AI coding agents and shell pipelines from the project's TOML runbooks.
Start work with run_command (list_commands shows what the runbooks offer) or add_to_queue; follow
it with list_pipelines, show_pipeline and wait_pipeline; steer it with cancel_pipeline,
resume_pipeline and send_message; answer what waits on a human with list_decisions and
resolve_decision. Ids may be given as any unique prefix.`;

/** Builds the server with all tools; calls nothing until a client calls a tool. */
export function createOjMcpServer(deps: OjMcpDeps): McpServer {
  const server = new McpServer(
    { name: 'oj', title: 'oj (odd jobs)', version: deps.version },
    { instructions: INSTRUCTIONS },
  );
  registerRunTools(server, deps);
  registerPipelineTools(server, deps);
  registerAgentTools(server, deps);
  registerQueueTools(server, deps);
  return server;
}
