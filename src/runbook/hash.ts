// Content hashes of compiled definitions: sha-256 over canonical JSON (keys sorted), so the same
// definition always hashes the same however its runbook was formatted.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** JSON with object keys sorted at every level; `undefined` members are dropped. Pure. */
export function toCanonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** `sha256:<hex>` of the canonical JSON of `value`. Pure. */
export function hashContent(value: unknown): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(toCanonicalJson(value))))}`;
}
