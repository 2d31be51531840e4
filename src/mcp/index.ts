// Front door of src/mcp: the MCP server that lets other agents drive oj, and the real shell runner
// the CLI wires into it.
export { createOjMcpServer } from './server.js';
export type { DaemonCall, OjMcpDeps } from './deps.js';
export { runShellScript } from './shell.js';
