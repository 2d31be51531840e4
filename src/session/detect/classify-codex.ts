// Tier 2: turns one line of `codex exec --json` output into an emission (notes/agents.md §1 "Codex").
// Pure; unknown or malformed lines are ignored.
import * as z from 'zod';
import { toErrorInfo } from './error-category.js';
import type { Emission } from './types.js';

const EventSchema = z.looseObject({ type: z.string() });
const ItemEventSchema = z.looseObject({
  item: z.looseObject({
    // Older releases name the field item_type.
    type: z.string().optional(),
    item_type: z.string().optional(),
    text: z.string().optional(),
    message: z.string().optional(),
  }),
});
const TurnFailedSchema = z.looseObject({
  error: z.union([z.string(), z.looseObject({ message: z.string().optional() })]).optional(),
});
const ErrorEventSchema = z.looseObject({ message: z.string().optional() });

const WORKING_EVENTS = new Set(['thread.started', 'turn.started']);
const ITEM_EVENTS = new Set(['item.started', 'item.updated', 'item.completed']);

/**
 * Pure. thread.started, turn.started and item.* → working (a completed agent_message carries its text
 * as lastMessage); turn.completed → idle; turn.failed, a stream `error` event or an `error` item →
 * idle with the error. Anything else → undefined.
 */
export function classifyCodexEvent(entry: unknown): Emission | undefined {
  const parsed = EventSchema.safeParse(entry);
  if (!parsed.success) return undefined;
  const type = parsed.data.type;
  const cause = `codex:${type}`;
  if (WORKING_EVENTS.has(type)) return { state: 'working', tier: 2, cause };
  if (type === 'turn.completed') return { state: 'idle', tier: 2, cause };
  if (type === 'turn.failed') {
    const failed = TurnFailedSchema.safeParse(entry);
    const error = failed.success ? failed.data.error : undefined;
    const message = typeof error === 'string' ? error : (error?.message ?? 'turn failed');
    return { state: 'idle', tier: 2, cause, error: toErrorInfo(message) };
  }
  if (type === 'error') {
    const e = ErrorEventSchema.safeParse(entry);
    const message = (e.success ? e.data.message : undefined) ?? 'error';
    return { state: 'idle', tier: 2, cause, error: toErrorInfo(message) };
  }
  if (!ITEM_EVENTS.has(type)) return undefined;
  const itemEvent = ItemEventSchema.safeParse(entry);
  if (!itemEvent.success) return undefined;
  const item = itemEvent.data.item;
  const kind = item.type ?? item.item_type;
  if (kind === 'error') {
    const message = item.message ?? item.text ?? 'error';
    return { state: 'idle', tier: 2, cause: `${cause}:error`, error: toErrorInfo(message) };
  }
  if (kind === 'agent_message' && type === 'item.completed' && item.text) {
    return { state: 'working', tier: 2, cause: `${cause}:${kind}`, lastMessage: item.text };
  }
  return { state: 'working', tier: 2, cause: kind === undefined ? cause : `${cause}:${kind}` };
}
