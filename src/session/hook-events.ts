// Claude hook calls as journal events: the event name, the tool, and a trimmed copy of the payload
// (tool inputs can be whole files; events.jsonl keeps a summary, not the content).
import type { HookFrame } from './protocol.js';

/** What the HTTP hook route sends back to the hook command (which prints `body`). */
export interface HookReply {
  status: number;
  body: string;
}

const MAX_VALUE_CHARS = 200;

/** The journal event of one hook call (without its seq). Pure. */
export function hookEventOf(event: string, payload: unknown, at: number): Omit<HookFrame, 'seq'> {
  const frame: Omit<HookFrame, 'seq'> = { type: 'hook', at, event };
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return frame;
  const trimmed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (value === null || typeof value === 'boolean' || typeof value === 'number')
      trimmed[key] = value;
    else if (typeof value === 'string') trimmed[key] = clip(value);
    else trimmed[key] = clip(JSON.stringify(value) ?? '');
  }
  const tool = (payload as { tool_name?: unknown }).tool_name;
  return { ...frame, ...(typeof tool === 'string' ? { tool } : {}), payload: trimmed };
}

function clip(s: string): string {
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}
