// Opens the store's LMDB environment and its named dbs with the options the journal relies on.
// The only file that knows lmdb-js open options; see DESIGN §5 for the measured LMDB facts.
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import type { ScanDbs } from './scan.js';

/** A damaged value moved aside, with the raw bytes it had. */
export interface QuarantineRecord {
  /** The named db the value came from. */
  source: 'events' | 'snapshots' | 'defs' | 'meta';
  /** Its key there: a journal seq, an actor id, a definition hash or a meta key. */
  key: number | string;
  /** Why it was moved, e.g. `it cannot be decoded (Unexpected end of buffer)`. */
  reason: string;
  raw: Uint8Array;
}

/** The named dbs of one store; `*Scan` pairs add a binary handle for reading damaged values. */
export interface StoreDbs {
  root: RootDatabase;
  events: Database<unknown, number>;
  eventsScan: ScanDbs<number>;
  snapshots: Database<unknown, string>;
  snapshotsScan: ScanDbs<string>;
  defs: Database<unknown, string>;
  defsScan: ScanDbs<string>;
  meta: Database<unknown, string>;
  metaScan: ScanDbs<string>;
  /** Keyed by seq for journal records, by `<source>:<key>@<seq>` for everything else. */
  quarantine: Database<unknown, number | string>;
  quarantineScan: ScanDbs<number | string>;
}

const ENV_OPTIONS = {
  // events, snapshots, defs, meta, quarantine, plus headroom (lmdb's default is 12).
  maxDbs: 8,
  // lmdb-js turns overlappingSync on by default off Windows: a write's promise then resolves at
  // commit and the fdatasync happens later. Off, the commit itself syncs, so "resolved" means
  // "durable" — what an acknowledged event needs. It also measured faster here (bench/journal.mjs).
  overlappingSync: false,
  // A directory whose name contains a dot would otherwise be taken for a file name.
  noSubdir: false,
} as const;

/** Opens (creating if needed) the environment at `dir`; throws lmdb's own error on failure. */
export function openDbs(dir: string): StoreDbs {
  const root = open(dir, ENV_OPTIONS);
  try {
    const pair = <K extends string | number>(name: string) => {
      const decoded = root.openDB<unknown, K>(name, {});
      const binary = root.openDB<Buffer, K>(name, { encoding: 'binary' });
      return [decoded, { decoded, binary }] as const;
    };
    const [events, eventsScan] = pair<number>('events');
    const [snapshots, snapshotsScan] = pair<string>('snapshots');
    const [defs, defsScan] = pair<string>('defs');
    const [meta, metaScan] = pair<string>('meta');
    const [quarantine, quarantineScan] = pair<number | string>('quarantine');
    return {
      root,
      events,
      eventsScan,
      snapshots,
      snapshotsScan,
      defs,
      defsScan,
      meta,
      metaScan,
      quarantine,
      quarantineScan,
    };
  } catch (error) {
    void root.close();
    throw error;
  }
}
