// Small text helpers the classifiers share: bounded prompt input and a one-line summary of a tool
// call's input.

/** Prompt `input` is capped so a huge command or plan does not ride in every state frame. */
export const MAX_INPUT_CHARS = 200;

/** `text` cut to at most `max` characters, ending in `…` when cut. */
export function truncate(text: string, max = MAX_INPUT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// The field that says what a tool call does, for the tools a permission dialog is usually about.
const SUMMARY_FIELDS = ['command', 'file_path', 'notebook_path', 'url', 'query', 'pattern', 'plan'];

/**
 * What a tool call would do, in at most 200 characters: the command, path, URL… when the input has
 * one of those fields, else its JSON. Undefined for an empty or missing input.
 */
export function summarizeToolInput(input: unknown): string | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'string') return input === '' ? undefined : truncate(input);
  if (typeof input !== 'object') return truncate(String(input));
  const record = input as Record<string, unknown>;
  for (const field of SUMMARY_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value !== '') return truncate(value);
  }
  const json = JSON.stringify(input);
  return json === '{}' || json === '[]' ? undefined : truncate(json);
}
