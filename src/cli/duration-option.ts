// A duration given to a CLI option (`--over 5m`, `--max-age 7d`), in the runbook language's
// units; a bad one is a usage error naming the option.
import { parseDuration } from '../runbook/index.js';
import { usageError } from './errors.js';

export function durationOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  if (!parsed.ok) throw usageError(`${flag}: ${parsed.message}`);
  return parsed.ms;
}
