// CLI errors carry the exit code of DESIGN.md §4: 1 = the operation failed, 2 = usage/validation.
import { OjError } from '../errors/index.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class CliError extends OjError {
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    exitCode: number = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.exitCode = exitCode;
  }
}

/** A usage or validation error (exit 2). */
export function usageError(message: string): CliError {
  return new CliError('USAGE', message, EXIT.usage);
}

/** Prints an error the way every command does and returns its exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CliError) {
    process.stderr.write(`oj: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `oj: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return EXIT.failed;
}
