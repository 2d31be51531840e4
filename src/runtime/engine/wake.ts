// Event patterns (`wake_on`): `noun:verb` segments where `*` matches one segment and a trailing
// `*` matches the rest. `{var}` placeholders are filled before matching by whoever owns them.

/** True when `event` (e.g. `bug:created`) matches `pattern` (e.g. `bug:*`). Pure. */
export function matchesEventPattern(pattern: string, event: string): boolean {
  const want = pattern.split(':');
  const got = event.split(':');
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w === '*' && i === want.length - 1) return got.length >= want.length;
    if (got[i] === undefined) return false;
    if (w !== '*' && w !== got[i]) return false;
  }
  return got.length === want.length;
}
