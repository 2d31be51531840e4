// Canonical JSON (keys sorted at every level): the text content hashes are taken of, so the same
// definition always hashes the same however its runbook was formatted.

/** JSON with object keys sorted at every level; `undefined` members are dropped. Pure. */
export function toCanonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
