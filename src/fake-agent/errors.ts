// Errors the fake agent reports before it can run: a bad command line, scenario, settings file or
// resume id. main.ts prints the message and exits 2 (1 for a missing resume log, as Claude does).
import { OjError } from '../errors/index.js';

export type FakeAgentErrorCode = 'BAD_ARGS' | 'BAD_SCENARIO' | 'BAD_SETTINGS' | 'NO_SESSION';

export class FakeAgentError extends OjError {
  declare readonly code: FakeAgentErrorCode;

  constructor(code: FakeAgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
