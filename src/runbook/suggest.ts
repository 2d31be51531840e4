// "Did you mean …?" for error messages: the known name closest to a misspelt one, by edit distance.
// Pure; shared by every check that reports an unknown name.

/**
 * The candidate closest to `input` (Levenshtein distance, compared case-insensitively) when it is at
 * most max(1, floor(input.length / 3)) edits away; otherwise undefined. Ties go to the earlier
 * candidate, so callers control preference by ordering. Pure.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const hay = candidate.toLowerCase();
    // Lengths that differ by more than the limit cannot be within it; skip the table.
    if (Math.abs(hay.length - needle.length) >= bestDistance) continue;
    const distance = editDistance(needle, hay);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance (insert, delete, substitute each cost 1), one table row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitute));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
