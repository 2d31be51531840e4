// The session-host protocol (notes/agents.md §2): every frame between a session host and its clients,
// and the spawn spec the daemon hands a host, defined once as zod schemas that both ends import.
import { z } from 'zod';

/** Bumped on any incompatible change to the frames below; sent in `hello`. */
export const SESSION_PROTOCOL_VERSION = 1 as const;

/** A request id chosen by the client, unique among its in-flight requests. */
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Seq = z.number().int().nonnegative();
const Epoch = z.number(); // epoch ms
const Dim = z.number().int().min(1).max(1000);

export const AGENT_STATES = ['starting', 'working', 'idle', 'prompt', 'exited'] as const;
export const AgentStateSchema = z.enum(AGENT_STATES);
export const TierSchema = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
export const DRIVERS = ['claude', 'codex', 'generic'] as const;
export const DriverSchema = z.enum(DRIVERS);
export const TOPICS = ['state', 'output', 'screen', 'hooks'] as const;
export const TopicSchema = z.enum(TOPICS);

/** Reply error codes (agents.md §2); clients add their own transport codes (see errors.ts). */
export const REPLY_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'NOT_READY',
  'NO_PROMPT',
  'BUSY',
  'EXITED',
] as const;
export const ReplyErrorCodeSchema = z.enum(REPLY_ERROR_CODES);

export const PromptQuestionSchema = z.looseObject({
  question: z.string(),
  header: z.string().optional(),
  options: z.array(z.string()),
  multiSelect: z.boolean().optional(),
});

/** A dialog waiting for an answer; `ready` is false until its options were read from the screen. */
export const PromptInfoSchema = z.object({
  kind: z.enum(['permission', 'plan', 'question', 'setup']),
  subtype: z.string().optional(),
  tool: z.string().optional(),
  input: z.string().max(200).optional(),
  options: z.array(z.string()),
  questions: z.array(PromptQuestionSchema).optional(),
  ready: z.boolean(),
});

export const AgentErrorInfoSchema = z.object({
  category: z.enum([
    'unauthorized',
    'out_of_credits',
    'rate_limited',
    'no_internet',
    'server_error',
    'other',
  ]),
  detail: z.string(),
});

// ---- host → client ----

/** Sent once, first, on every connection. */
export const HelloFrameSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  agentId: z.string(),
  hostPid: z.number().int(),
  agentPid: z.number().int(),
  pgid: z.number().int(),
  startedAt: Epoch,
  cols: Dim,
  rows: Dim,
});

/** A state transition; `snapshot: true` marks the current state sent in a subscribe reply. */
export const StateFrameSchema = z.object({
  type: z.literal('state'),
  seq: Seq,
  state: AgentStateSchema,
  prev: AgentStateSchema,
  at: Epoch,
  cause: z.string(),
  tier: TierSchema,
  snapshot: z.boolean().optional(),
  prompt: PromptInfoSchema.optional(),
  error: AgentErrorInfoSchema.optional(),
  lastMessage: z.string().optional(),
});

/** A Claude hook call as the host received it (topic `hooks`); the payload is trimmed. */
export const HookFrameSchema = z.object({
  type: z.literal('hook'),
  seq: Seq,
  at: Epoch,
  event: z.string(),
  tool: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});

const AnswerSchema = z.object({
  option: z.number().int().min(1).optional(),
  text: z.string().optional(),
});

/** What a `respond` chose, broadcast on topic `state` so every watcher sees the answer. */
export const RespondedFrameSchema = z.object({
  type: z.literal('responded'),
  seq: Seq,
  at: Epoch,
  promptKind: PromptInfoSchema.shape.kind,
  keys: z.string(),
  option: z.number().int().optional(),
  text: z.string().optional(),
  answers: z.array(AnswerSchema).optional(),
});

/** The agent's end; always the last event of a session. */
export const ExitFrameSchema = z.object({
  type: z.literal('exit'),
  seq: Seq,
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: Epoch,
});

/** Terminal output from byte `offset`; `redraw: true` = a serialized-ANSI repaint of the screen. */
export const OutputFrameSchema = z.object({
  type: z.literal('output'),
  offset: z.number().int().nonnegative(),
  data: z.string(),
  redraw: z.boolean().optional(),
});

export const CursorSchema = z.object({ x: z.number().int(), y: z.number().int() });

/** The rendered screen: a `screen` reply's result, and the push frame of topic `screen`. */
export const ScreenResultSchema = z.object({
  seq: Seq,
  cols: Dim,
  rows: Dim,
  lines: z.array(z.string()),
  altScreen: z.boolean(),
  cursor: CursorSchema,
  ansi: z.string().optional(),
});
export const ScreenPushFrameSchema = ScreenResultSchema.extend({ type: z.literal('screen') });

export const WireErrorSchema = z.object({ code: z.string(), message: z.string() });

/** The answer to a request; `id` is null when the request had no usable id. */
export const ReplyFrameSchema = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('reply'),
    id: RequestId.nullable(),
    ok: z.literal(true),
    result: z.unknown(),
  }),
  z.object({
    type: z.literal('reply'),
    id: RequestId.nullable(),
    ok: z.literal(false),
    error: WireErrorSchema,
  }),
]);

/** Frames that carry a `seq` and are journaled in events.jsonl (replayed from `sinceSeq`). */
export const SessionEventSchema = z.discriminatedUnion('type', [
  StateFrameSchema,
  HookFrameSchema,
  RespondedFrameSchema,
  ExitFrameSchema,
]);

export const HostFrameSchema = z.discriminatedUnion('type', [
  HelloFrameSchema,
  ReplyFrameSchema,
  StateFrameSchema,
  HookFrameSchema,
  RespondedFrameSchema,
  ExitFrameSchema,
  OutputFrameSchema,
  ScreenPushFrameSchema,
]);

// ---- client → host ----

export const SubscribeFrameSchema = z.object({
  type: z.literal('subscribe'),
  id: RequestId,
  topics: z.array(TopicSchema).default(['state']),
  sinceSeq: Seq.optional(),
});

export const ScreenRequestFrameSchema = z.object({
  type: z.literal('screen'),
  id: RequestId,
  format: z.enum(['text', 'ansi']).default('text'),
});

/** Raw bytes for the PTY: exactly one of text, data (base64) or keys; no implied Enter. */
export const InputFrameSchema = z
  .object({
    type: z.literal('input'),
    id: RequestId,
    text: z.string().optional(),
    data: z.base64().optional(),
    keys: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((f) => [f.text, f.data, f.keys].filter((v) => v !== undefined).length === 1, {
    message: 'input needs exactly one of "text", "data" (base64) or "keys"',
  });

export const NudgeFrameSchema = z.object({
  type: z.literal('nudge'),
  id: RequestId,
  message: z.string().min(1),
});

export const RespondFrameSchema = z.object({
  type: z.literal('respond'),
  id: RequestId,
  accept: z.boolean().optional(),
  option: z.number().int().min(1).optional(),
  text: z.string().optional(),
  answers: z.array(AnswerSchema).min(1).optional(),
});

export const AttachFrameSchema = z.object({
  type: z.literal('attach'),
  id: RequestId,
  cols: Dim,
  rows: Dim,
  /** Resume from this output offset when the ring still holds it (else a redraw is sent). */
  sinceOffset: z.number().int().nonnegative().optional(),
});

export const DetachFrameSchema = z.object({ type: z.literal('detach'), id: RequestId });

export const KillFrameSchema = z.object({
  type: z.literal('kill'),
  id: RequestId,
  graceMs: z.number().int().nonnegative().optional(),
  drain: z.boolean().optional(),
});

export const ClientFrameSchema = z.discriminatedUnion('type', [
  SubscribeFrameSchema,
  ScreenRequestFrameSchema,
  InputFrameSchema,
  NudgeFrameSchema,
  RespondFrameSchema,
  AttachFrameSchema,
  DetachFrameSchema,
  KillFrameSchema,
]);

// ---- reply results ----

export const SubscribeResultSchema = z.object({
  snapshot: StateFrameSchema,
  exit: ExitFrameSchema.optional(),
  replayed: z.number().int().nonnegative(),
});
export const InputResultSchema = z.object({ bytes: z.number().int().nonnegative() });
export const NudgeResultSchema = z.object({
  delivered: z.boolean(),
  stateBefore: AgentStateSchema,
  reason: z.string().optional(),
  enterResent: z.boolean(),
});
export const RespondResultSchema = z.object({
  delivered: z.boolean(),
  promptKind: PromptInfoSchema.shape.kind,
  reason: z.string().optional(),
});
export const AttachResultSchema = z.object({ cols: Dim, rows: Dim, offset: z.number().int() });
export const KillResultSchema = z.object({
  signal: z.enum(['SIGHUP', 'SIGKILL']).nullable(),
  draining: z.boolean(),
  alreadyExited: z.boolean(),
});

// ---- spawn spec and host record ----

export const TIMING_KEYS = [
  'screenDebounceMs',
  'inputDelayMs',
  'inputDelayPerByteMs',
  'inputDelayMaxMs',
  'inputGapMs',
  'nudgeTimeoutMs',
  'drainMs',
  'drainEscEveryMs',
  'shutdownMs',
  'logPollMs',
  'quietMs',
  'hostExitDelayMs',
] as const;
const Ms = z.number().int().nonnegative();
export const TimingOverridesSchema = z.strictObject(
  Object.fromEntries(TIMING_KEYS.map((k) => [k, Ms.optional()])) as {
    [K in (typeof TIMING_KEYS)[number]]: z.ZodOptional<typeof Ms>;
  },
);
export const TimingPresetNameSchema = z.enum(['production', 'test']);
export const TimingChoiceSchema = z.union([
  TimingPresetNameSchema,
  TimingOverridesSchema.extend({ preset: TimingPresetNameSchema }),
]);

/** How the daemon asks for an agent: written to `<dir>/spawn.json`, read by the host. */
export const SpawnSpecSchema = z.strictObject({
  agentId: z.string().min(1),
  dir: z.string().min(1),
  /** A shell command line, e.g. `claude` or `oj-fake-agent --scenario s.toml`. */
  command: z.string().min(1),
  driver: DriverSchema,
  prompt: z.string().optional(),
  resumeSessionId: z.string().min(1).optional(),
  /** claude: the session uuid to inject (generated when absent). */
  sessionId: z.string().min(1).optional(),
  cwd: z.string().min(1),
  /** The complete environment of the agent. */
  env: z.record(z.string(), z.string()),
  cols: Dim.optional(),
  rows: Dim.optional(),
  timing: TimingChoiceSchema.optional(),
  /** generic/codex: a regex that marks the screen idle (tier 4). */
  idlePattern: z.string().optional(),
});

/** `<dir>/host.json`, written atomically once the host listens. */
export const HostInfoSchema = z.object({
  agentId: z.string(),
  hostPid: z.number().int(),
  agentPid: z.number().int(),
  pgid: z.number().int(),
  socket: z.string(),
  startedAt: Epoch,
  protocol: z.number().int(),
  /** Clock ticks since boot (/proc/<pid>/stat field 22), so a reused pid is not taken for the agent. */
  agentStartTime: z.number().optional(),
  /** claude: the session id the agent runs under. */
  sessionId: z.string().optional(),
});

/** `<dir>/spawn-error.json`: why a host could not start its agent. */
export const SpawnErrorSchema = z.object({ error: z.string(), code: z.string().optional() });

// ---- types ----

export type AgentState = z.infer<typeof AgentStateSchema>;
export type Tier = z.infer<typeof TierSchema>;
export type Driver = z.infer<typeof DriverSchema>;
export type Topic = z.infer<typeof TopicSchema>;
export type ReplyErrorCode = z.infer<typeof ReplyErrorCodeSchema>;
export type PromptInfo = z.infer<typeof PromptInfoSchema>;
export type AgentErrorInfo = z.infer<typeof AgentErrorInfoSchema>;
export type HelloFrame = z.infer<typeof HelloFrameSchema>;
export type StateFrame = z.infer<typeof StateFrameSchema>;
export type HookFrame = z.infer<typeof HookFrameSchema>;
export type RespondedFrame = z.infer<typeof RespondedFrameSchema>;
export type ExitFrame = z.infer<typeof ExitFrameSchema>;
export type OutputFrame = z.infer<typeof OutputFrameSchema>;
export type ScreenResult = z.infer<typeof ScreenResultSchema>;
export type ScreenPushFrame = z.infer<typeof ScreenPushFrameSchema>;
export type ReplyFrame = z.infer<typeof ReplyFrameSchema>;
export type WireError = z.infer<typeof WireErrorSchema>;
export type SessionEvent = z.infer<typeof SessionEventSchema>;
export type HostFrame = z.infer<typeof HostFrameSchema>;
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type SubscribeFrame = z.infer<typeof SubscribeFrameSchema>;
export type ScreenRequestFrame = z.infer<typeof ScreenRequestFrameSchema>;
export type InputFrame = z.infer<typeof InputFrameSchema>;
export type NudgeFrame = z.infer<typeof NudgeFrameSchema>;
export type RespondFrame = z.infer<typeof RespondFrameSchema>;
export type AttachFrame = z.infer<typeof AttachFrameSchema>;
export type DetachFrame = z.infer<typeof DetachFrameSchema>;
export type KillFrame = z.infer<typeof KillFrameSchema>;
export type SubscribeResult = z.infer<typeof SubscribeResultSchema>;
export type InputResult = z.infer<typeof InputResultSchema>;
export type NudgeResult = z.infer<typeof NudgeResultSchema>;
export type RespondResult = z.infer<typeof RespondResultSchema>;
export type AttachResult = z.infer<typeof AttachResultSchema>;
export type KillResult = z.infer<typeof KillResultSchema>;
export type TimingOverrides = z.infer<typeof TimingOverridesSchema>;
export type TimingPresetName = z.infer<typeof TimingPresetNameSchema>;
export type TimingChoice = z.infer<typeof TimingChoiceSchema>;
export type SpawnSpec = z.input<typeof SpawnSpecSchema>;
export type HostInfo = z.infer<typeof HostInfoSchema>;

// ---- parsing ----

export type ParseResult<T> =
  { ok: true; frame: T } | { ok: false; id: number | null; message: string };

/** Parses one text frame from a client; on failure, the id (when usable) and what was wrong. */
export function parseClientFrame(text: string): ParseResult<ClientFrame> {
  return parseWith(ClientFrameSchema, text);
}

/** Parses one text frame from a host. */
export function parseHostFrame(text: string): ParseResult<HostFrame> {
  return parseWith(HostFrameSchema, text);
}

function parseWith<T>(schema: z.ZodType<T>, text: string): ParseResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, message: 'frame is not JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const id = RequestId.safeParse((raw as { id?: unknown } | null)?.id);
  return { ok: false, id: id.success ? id.data : null, message: describeIssues(parsed.error) };
}

/** One line per zod issue, prefixed with its path: `"topics.0": Invalid option …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `"${i.path.join('.')}": ${i.message}` : i.message))
    .join('; ');
}
