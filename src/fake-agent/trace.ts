// The fake agent's trace: one JSONL record per thing a test may want to assert on (argv, input
// chunks, messages, dialog answers, hook calls, steps, states, signals, exit). Written only when
// $FAKE_AGENT_TRACE names a file; appended synchronously so a crash loses nothing already done.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { wallNow } from './clock.js';
import type { StepKind } from './steps.schema.js';

/** What a step ended with; `status` is always present, the rest depends on the kind. */
export interface StepResult {
  status: 'ok' | 'failed' | 'denied' | 'blocked' | 'interrupted' | 'started';
  [detail: string]: unknown;
}

export type AgentState = 'starting' | 'idle' | 'working' | 'prompt';
export type MessageSource = 'prompt' | 'input' | 'queued' | 'stop_hook';
export type DialogKind = 'permission' | 'question' | 'plan' | 'trust';

/** One trace line. `at` is wall-clock epoch ms (the only non-deterministic field). */
export type TraceRecord = { at: number } & (
  | {
      type: 'start';
      argv: string[];
      env: Record<string, string>;
      cwd: string;
      pid: number;
      sessionId: string;
      logPath: string;
      print: boolean;
      unknownFlags: string[];
    }
  | { type: 'prompt'; text: string }
  | { type: 'input'; data: string; base64: string }
  | { type: 'message'; text: string; source: MessageSource; turn: number | null }
  | {
      type: 'answer';
      dialog: DialogKind;
      accepted: boolean;
      option?: number;
      text?: string;
      answers?: string[];
    }
  | {
      type: 'hook';
      event: string;
      command: string;
      code: number | null;
      stdout: string;
      stderr: string;
      timedOut: boolean;
    }
  | { type: 'step'; turn: number | null; path: string; kind: StepKind; result: StepResult }
  | { type: 'state'; state: AgentState }
  | { type: 'signal'; signal: string; ignored: boolean }
  | { type: 'exit'; code: number | null; signal?: string }
);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type TraceInput = DistributiveOmit<TraceRecord, 'at'>;

export interface Trace {
  write(record: TraceInput): void;
}

/** A trace appending to `path`, or one that drops everything when no path is given. */
export function createTrace(path: string | undefined): Trace {
  if (!path) return { write: () => undefined };
  mkdirSync(dirname(path), { recursive: true });
  return {
    write(record) {
      appendFileSync(path, `${JSON.stringify({ at: wallNow(), ...record })}\n`);
    },
  };
}

/** Reads a trace file; a missing file is an empty trace and a torn last line is skipped. */
export function readTrace(path: string): TraceRecord[] {
  if (!existsSync(path)) return [];
  const records: TraceRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as TraceRecord);
    } catch {
      // A reader racing the writer can see half a line; the next read sees it whole.
    }
  }
  return records;
}
