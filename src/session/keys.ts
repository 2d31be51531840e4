// Named keys an `input` frame may send (`keys: ["Down", "Enter"]`), as the bytes a terminal sends.

const NAMED: Readonly<Record<string, string>> = {
  enter: '\r',
  return: '\r',
  tab: '\t',
  'shift-tab': '\x1b[Z',
  btab: '\x1b[Z',
  escape: '\x1b',
  esc: '\x1b',
  backspace: '\x7f',
  bspace: '\x7f',
  space: ' ',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  home: '\x1b[H',
  end: '\x1b[F',
  pageup: '\x1b[5~',
  pagedown: '\x1b[6~',
  delete: '\x1b[3~',
  insert: '\x1b[2~',
};

/**
 * The bytes of key `name`: a name above (any case), `C-<letter>` / `ctrl-<letter>` for a control
 * character, or a single character as itself. Undefined for an unknown name.
 */
export function keyBytes(name: string): string | undefined {
  if ([...name].length === 1) return name;
  const lower = name.toLowerCase();
  const named = NAMED[lower];
  if (named !== undefined) return named;
  const ctrl = /^(?:c|ctrl)-([a-z@[\\\]^_])$/.exec(lower);
  if (ctrl) return String.fromCharCode(ctrl[1]!.toUpperCase().charCodeAt(0) & 0x1f);
  return undefined;
}

/** The key names keyBytes knows, for error messages. */
export function knownKeyNames(): string {
  return `${Object.keys(NAMED).join(', ')}, C-<letter>, or one character`;
}
