// Front door of the fake agent for callers in tests and e2e specs: read its trace, check a scenario.
export { readTrace } from './trace.js';
export type { TraceRecord } from './trace.js';
export { parseScenario } from './scenario.js';
export type { Scenario } from './scenario.js';
