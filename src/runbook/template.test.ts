// Specs for prompt templates: engine choice, static checking (vars, error positions), rendering
// with strict variables, verbatim values, and file tags that can never read the disk.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  TemplateError,
  checkTemplate,
  compileTemplate,
  isLiquidTemplate,
  renderTemplate,
} from './template.js';
import type { TemplateDef } from './types.js';

const EXAMPLE = `# {{ name }}

## Issues to Complete

{% for issue in issues %}
- [ ] \`{{ issue.id }}\` - {{ issue.title }}
{% endfor %}

## Constraints

- Work in \`{{ workspace }}/\`
- Signal completion with \`./done\`
`;

function renderError(source: string, vars: Record<string, unknown>): TemplateError {
  try {
    renderTemplate(compileTemplate(source), vars);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('isLiquidTemplate', () => {
  it.each([
    ['{{ x }}', true],
    ['{% if x %}y{% endif %}', true],
    ['Fix {bug.description}', false],
    ['plain text', false],
    ["awk '{print}'", false],
  ])('%j → %s', (text, expected) => {
    expect(isLiquidTemplate(text)).toBe(expected);
  });
});

describe('checkTemplate', () => {
  it('reports the globals of the runbook example, not its loop variable', () => {
    const checked = checkTemplate(EXAMPLE);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect([...checked.vars].sort()).toEqual(['issues', 'name', 'workspace']);
  });

  it.each([
    ['{% assign n = count | plus: 1 %}{{ n }}', ['count']],
    ['{% capture c %}{{ a }}{% endcapture %}{{ c }}', ['a']],
    [
      '{% if a %}{{ b.c }}{% elsif d %}{% else %}{{ e | default: f }}{% endif %}',
      ['a', 'b', 'd', 'e', 'f'],
    ],
    ['{%- for x in xs -%}{{ forloop.index }}{{ x.y }}{%- endfor -%}', ['xs']],
    ['Fix {bug.description} in {workspace} for {bug.id}', ['bug', 'workspace']],
  ])('lists the variables %j reads', (source, vars) => {
    const checked = checkTemplate(source);
    expect(checked.ok).toBe(true);
    if (checked.ok) expect([...checked.vars].sort()).toEqual(vars);
  });

  it.each([
    ['line one\nline two\n  {% if x %}unclosed', 3, 3, /not closed/],
    ['a\n\n{% endfor %}', 3, 1, /endfor/],
    ['a\nb\nok {{ x | nosuchfilter }}', 3, 4, /undefined filter: nosuchfilter/],
    ['{{ x', 1, 1, /not closed/],
    ['a\n{% bogus %}', 2, 1, /tag "bogus" not found/],
    ['x\n{% include "notes.md" %}', 2, 1, /cannot read other files/],
    ['{% render "notes.md" %}', 1, 1, /cannot read other files/],
    ['{% layout "base" %}', 1, 1, /cannot read other files/],
  ])('reports %j at line %d, col %d', (source, line, col, message) => {
    const checked = checkTemplate(source);
    expect(checked).toMatchObject({ ok: false, line, col });
    if (checked.ok) return;
    expect(checked.message).toMatch(message);
    expect(checked.message).not.toMatch(/line:/);
  });
});

describe('compileTemplate', () => {
  it('picks the engine and the variables', () => {
    expect(compileTemplate('Fix {bug.description} in {workspace}, {bug.id}')).toEqual({
      engine: 'interpolate',
      source: 'Fix {bug.description} in {workspace}, {bug.id}',
      vars: ['bug', 'workspace'],
    });
    expect(compileTemplate('{{ a }} {{ b.c }}')).toEqual({
      engine: 'liquid',
      source: '{{ a }} {{ b.c }}',
      vars: ['a', 'b'],
    });
  });

  it('does not throw on a broken template', () => {
    expect(compileTemplate('{% if x %}')).toEqual({
      engine: 'liquid',
      source: '{% if x %}',
      vars: [],
    });
  });
});

describe('renderTemplate', () => {
  it('renders the runbook example', () => {
    const out = renderTemplate(compileTemplate(EXAMPLE), {
      name: 'Fix login bugs',
      issues: [
        { id: 'i-1', title: 'Login fails' },
        { id: 'i-2', title: 'Logout hangs' },
      ],
      workspace: '/w/ws-7',
    });
    expect(out).toBe(`# Fix login bugs

## Issues to Complete


- [ ] \`i-1\` - Login fails

- [ ] \`i-2\` - Logout hangs


## Constraints

- Work in \`/w/ws-7/\`
- Signal completion with \`./done\`
`);
  });

  it('honours whitespace control, elsif and filters', () => {
    const source =
      '{%- for x in xs -%}\n  {{ x | upcase }}\n{%- endfor -%}|{% if n > 2 %}big{% elsif n > 0 %}small{% else %}none{% endif %}';
    expect(renderTemplate(compileTemplate(source), { xs: ['a', 'b'], n: 1 })).toBe('AB|small');
  });

  it("leaves the caller's variables untouched", () => {
    const vars = { a: 1 };
    const out = renderTemplate(compileTemplate('{% increment c %}{% assign b = 2 %}{{ b }}'), vars);
    expect(out).toBe('02');
    expect(vars).toEqual({ a: 1 });
  });

  it('names a missing variable and its position', () => {
    const error = renderError('Hello\n{{ name }} in {{ workspace }}', { name: 'x', issues: [] });
    expect(error.code).toBe('TEMPLATE_RENDER');
    expect(error.message).toBe(
      'template failed at line 2, col 18: undefined variable "workspace"; available: issues, name',
    );
    expect(error).toMatchObject({ line: 2, col: 18 });
  });

  it('names a missing field of a present variable', () => {
    expect(renderError('{{ issue.title }}', { issue: { id: 1 } }).message).toMatch(
      /undefined variable "issue.title"/,
    );
  });

  it('lets `if` and `default` handle an absent variable on purpose', () => {
    const source =
      '{% if notes %}{{ notes }}{% else %}no notes{% endif %}/{{ extra | default: "-" }}';
    expect(renderTemplate(compileTemplate(source), {})).toBe('no notes/-');
  });

  it('renders `{var}` texts by interpolation and wraps their errors', () => {
    const def = compileTemplate('Fix {bug.description} in {workspace}');
    const vars = { bug: { description: 'a <b>' }, workspace: '/w' };
    expect(renderTemplate(def, vars)).toBe('Fix a <b> in /w');
    const error = renderError('Fix {bug.title}', { bug: { id: 1 } });
    expect(error.code).toBe('TEMPLATE_RENDER');
    expect(error.message).toMatch(/unknown variable "\{bug.title\}"/);
  });

  it.each([
    ['"; touch /tmp/x; echo "'],
    ["'; rm -rf / #"],
    ['$(whoami) `id` ${HOME}'],
    ['<script>alert("x")</script> & &amp;'],
    ['{{ nested }} {% raw %}'],
    ['line\nbreak'],
  ])('writes the value %j verbatim, without HTML or shell escaping', (value) => {
    expect(renderTemplate(compileTemplate('[{{ v }}]'), { v: value })).toBe(`[${value}]`);
  });

  it.each(['include', 'render'])('cannot %s a file, even one that exists', (tag) => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-template-'));
    try {
      const secret = join(dir, 'secret.liquid');
      writeFileSync(secret, 'TOP SECRET');
      for (const name of [secret, 'package.json', 'secret.liquid']) {
        // Built by hand so the render path is exercised without checkTemplate in front of it.
        const def: TemplateDef = { engine: 'liquid', source: `{% ${tag} "${name}" %}`, vars: [] };
        let output: string | undefined;
        let error: unknown;
        try {
          output = renderTemplate(def, {});
        } catch (caught) {
          error = caught;
        }
        expect(output).toBeUndefined();
        expect(error).toBeInstanceOf(TemplateError);
        expect((error as TemplateError).message).toMatch(/cannot read other files/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
