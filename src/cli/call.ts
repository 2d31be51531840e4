// One request to the daemon (started if it is not running), for commands that ask once and print.
import { connectDaemon } from './client.js';
import { resolveStateDir } from '../runtime/index.js';

declare const OJ_VERSION: string | undefined;
const VERSION = typeof OJ_VERSION === 'string' ? OJ_VERSION : '0.0.0-dev';

export interface CallOptions {
  /** For streaming methods: each pushed event. */
  onEvent?: (data: unknown) => void;
  timeoutMs?: number;
}

/** Sends `method` with `params` and returns the result; errors become CliErrors (exit 1). */
export async function call<T = unknown>(
  method: string,
  params: unknown,
  options: CallOptions = {},
): Promise<T> {
  const client = await connectDaemon({ stateDir: resolveStateDir(process.env), version: VERSION });
  try {
    return (await client.request(method as never, params as never, options as never)) as T;
  } finally {
    client.close();
  }
}
