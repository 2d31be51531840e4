// The dashboard page's inline script must parse: a stray escape in the template literal that
// holds it would break the whole page silently.
import { describe, expect, it } from 'vitest';
import { DASHBOARD_PAGE } from './page.js';

describe('the dashboard page', () => {
  it('holds one script that parses as JavaScript', () => {
    const scripts = [...DASHBOARD_PAGE.matchAll(/<script>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(() => new Function(scripts[0]?.[1] ?? '')).not.toThrow();
  });

  it('loads nothing from the network', () => {
    expect(DASHBOARD_PAGE).not.toMatch(/(src|href)="https?:/);
  });
});
