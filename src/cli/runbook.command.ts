// `oj runbook check|list|show|graph`: validate runbooks and look at what they define.
import { formatDuration, formatIssue, KINDS } from '../runbook/index.js';
import type { Kind, Project } from '../runbook/index.js';
import type { LoadedProject } from '../project/index.js';
import { CliError, EXIT } from './errors.js';
import { formatTable, printJson } from './output.js';
import { loadRunbooks, loadValidRunbooks } from './project.js';

const ENTRYPOINTS: readonly Kind[] = ['command', 'worker', 'cron'];

export function checkCommand(paths: string[], opts: { output: string }): void {
  const loaded = loadRunbooks(paths, false); // checking needs no content hashes
  const count = countPrimitives(loaded.project);
  if (opts.output === 'json') {
    printJson({
      ok: loaded.issues.length === 0,
      files: loaded.files,
      primitives: count,
      issues: loaded.issues,
    });
  } else if (loaded.issues.length) {
    process.stderr.write(`${loaded.issues.map(formatIssue).join('\n')}\n`);
    const files = new Set(loaded.issues.map((i) => i.file)).size;
    process.stderr.write(
      `\n${plural(loaded.issues.length, 'problem')} in ${plural(files, 'file')}\n`,
    );
  } else if (loaded.files.length === 0) {
    process.stdout.write('no runbooks found (add .toml files to .oj/runbooks/)\n');
  } else {
    process.stdout.write(
      `ok: ${plural(loaded.files.length, 'runbook')}, ${plural(count, 'primitive')} (${loaded.files.join(', ')})\n`,
    );
  }
  if (loaded.issues.length) process.exitCode = EXIT.usage;
}

interface Row {
  kind: Kind;
  name: string;
  qualified: string;
  entrypoint: boolean;
  file: string;
  line: number;
  description?: string;
}

export function listCommand(opts: { output: string }): void {
  const loaded = loadRunbooks();
  const rows = listRows(loaded);
  if (opts.output === 'json') {
    printJson({ primitives: rows, issues: loaded.issues });
    return;
  }
  if (loaded.issues.length)
    process.stderr.write(
      `warning: the runbooks have ${plural(loaded.issues.length, 'problem')}; run "oj runbook check"\n`,
    );
  const table = (entry: boolean) =>
    formatTable(
      ['KIND', 'NAME', 'FILE', 'DESCRIPTION'],
      rows
        .filter((r) => r.entrypoint === entry)
        .map((r) => [r.kind, r.name, `${r.file}:${r.line}`, r.description ?? '']),
    );
  process.stdout.write(`Entrypoints\n${table(true)}\n\nBuilding blocks\n${table(false)}\n`);
}

export function showCommand(name: string, opts: { output: string }): void {
  const loaded = loadValidRunbooks();
  const matches = listRows(loaded).filter(
    (r) =>
      r.name === name ||
      r.qualified === name ||
      `${r.kind}.${r.name}` === name ||
      `${r.kind}.${r.qualified}` === name,
  );
  if (matches.length === 0) {
    const names = listRows(loaded).map((r) => r.name);
    const close = names.find((n) => n.startsWith(name)) ?? '';
    throw new CliError(
      'NOT_FOUND',
      `no primitive named "${name}"${close ? `; did you mean "${close}"?` : ''} (see: oj runbook list)`,
      EXIT.usage,
    );
  }
  if (matches.length > 1) {
    throw new CliError(
      'AMBIGUOUS',
      `"${name}" names ${matches.length} primitives: ${matches.map((m) => `${m.kind}.${m.qualified}`).join(', ')}; write one of those`,
      EXIT.usage,
    );
  }
  const row = matches[0] as Row;
  const def = (loaded.project[row.kind] as Record<string, unknown>)[row.qualified];
  if (opts.output === 'json') {
    printJson({ kind: row.kind, file: row.file, line: row.line, definition: def });
    return;
  }
  process.stdout.write(
    `${row.kind} ${row.qualified}  (${row.file}:${row.line})\n${formatDef(def, '  ')}`,
  );
}

export async function graphCommand(name: string, opts: { format: 'dot' | 'json' }): Promise<void> {
  const loaded = loadValidRunbooks();
  const pipelines = Object.values(loaded.project.pipeline);
  const def = pipelines.find(
    (p) => p.qualified === name || p.name === name || `pipeline.${p.name}` === name,
  );
  if (!def) {
    throw new CliError(
      'NOT_FOUND',
      `no pipeline named "${name}" (pipelines: ${pipelines.map((p) => p.qualified).join(', ') || 'none'})`,
      EXIT.usage,
    );
  }
  const { toGraph, toDot } = await import('../machines/index.js');
  const graph = toGraph(def);
  process.stdout.write(
    opts.format === 'json' ? `${JSON.stringify(graph, null, 2)}\n` : toDot(graph),
  );
}

function listRows(loaded: LoadedProject): Row[] {
  const rows: Row[] = [];
  for (const rb of loaded.runbooks) {
    for (const kind of KINDS) {
      for (const name of rb.declared[kind]) {
        const def = (loaded.project[kind] as Record<string, { description?: string }>)[
          `${rb.name}.${name}`
        ];
        const row: Row = {
          kind,
          name,
          qualified: `${rb.name}.${name}`,
          entrypoint: ENTRYPOINTS.includes(kind),
          file: rb.file,
          line: rb.locate([kind, name]).line,
        };
        if (def?.description) row.description = def.description;
        rows.push(row);
      }
    }
  }
  return rows.sort(
    (a, b) =>
      Number(b.entrypoint) - Number(a.entrypoint) ||
      KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
      a.name.localeCompare(b.name),
  );
}

/** Renders a compiled definition as indented `key: value` lines; `*Ms` fields as durations. */
function formatDef(value: unknown, indent: string): string {
  let out = '';
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (['name', 'runbook', 'qualified'].includes(key) || v === undefined) continue;
    if (key.endsWith('Ms') && typeof v === 'number')
      out += `${indent}${key.slice(0, -2)}: ${formatDuration(v)}\n`;
    else if (Array.isArray(v) && v.every((x) => typeof x !== 'object'))
      out += `${indent}${key}: ${v.length ? v.join(', ') : '(none)'}\n`;
    else if (Array.isArray(v))
      out += `${indent}${key}:\n${v.map((x, i) => `${indent}  [${i}]\n${formatDef(x, `${indent}    `)}`).join('')}`;
    else if (v !== null && typeof v === 'object') {
      const inner = formatDef(v, `${indent}  `);
      out += inner ? `${indent}${key}:\n${inner}` : `${indent}${key}: (none)\n`;
    } else if (typeof v === 'string' && v.includes('\n'))
      out += `${indent}${key}: |\n${v
        .trimEnd()
        .split('\n')
        .map((l) => `${indent}  ${l}`)
        .join('\n')}\n`;
    else out += `${indent}${key}: ${String(v)}\n`;
  }
  return out;
}

function countPrimitives(project: Project): number {
  return KINDS.reduce((n, kind) => n + Object.keys(project[kind]).length, 0);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
