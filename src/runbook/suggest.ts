// "Did you mean …?" for error messages: the known name closest to a misspelt one, by edit distance.
// Pure; shared by every check that reports an unknown name.

/**
 * The candidate closest to `input` (edit distance counting a swap of two
 * neighbouring letters as one edit, compared case-insensitively) when it is at
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

/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions at cost 1, because
 * swapped letters ("tga" for "tag") are among the commonest typos. Keeps the last two table rows.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitute);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}
