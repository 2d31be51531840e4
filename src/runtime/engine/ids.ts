// Ids the engine derives: queue item ids from their data (so identical adds are idempotent).
import { createHash } from 'node:crypto';
import { toCanonicalJson } from '../../runbook/index.js';

/** A queue item's id when none is given: the same data always gets the same id. */
export function contentId(data: Record<string, string>): string {
  return createHash('sha256').update(toCanonicalJson(data)).digest('hex').slice(0, 12);
}
