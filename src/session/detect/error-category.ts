// Sorts an agent's API error message into the categories policies act on (wait and retry on a rate
// limit, alert a human on a bad login or an empty balance).
import type { AgentErrorInfo } from './types.js';

// Checked in order: a message can mention several ("429 … upgrade your plan for more credits" is a
// rate limit), so the most specific and most actionable causes come first.
const CATEGORIES: readonly [AgentErrorInfo['category'], RegExp][] = [
  ['rate_limited', /rate[ _-]?limit|\b429\b|too many requests|usage limit|limit reached/i],
  ['out_of_credits', /credit|billing|balance|quota|payment|insufficient[ _-]funds/i],
  [
    'unauthorized',
    /\b40[13]\b|unauthori[sz]ed|authenticat|\blog ?in\b|\/login|api[ _-]?key|oauth|token (?:has )?expired|forbidden/i,
  ],
  [
    'no_internet',
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|connection|offline|fetch failed|socket hang up|timed out|error sending request|stream disconnected/i,
  ],
  [
    'server_error',
    /\b5\d\d\b|overloaded|server[ _-]?error|internal error|service unavailable|bad gateway/i,
  ],
];

/** Longest error detail kept; API error bodies can be whole HTML pages. */
const MAX_DETAIL_CHARS = 500;

/**
 * Pure. The category `message` describes (`other` when none fits), with the message as detail.
 * `code` is a machine-readable hint that is matched too but not shown (Claude's log has
 * `error: "rate_limit"` beside the text "API Error: …"); it is the detail when the message is empty.
 */
export function toErrorInfo(message: string, code = ''): AgentErrorInfo {
  const detail = (message.trim() || code.trim()).slice(0, MAX_DETAIL_CHARS);
  const text = `${detail} ${code}`;
  for (const [category, pattern] of CATEGORIES) {
    if (pattern.test(text)) return { category, detail };
  }
  return { category: 'other', detail };
}
