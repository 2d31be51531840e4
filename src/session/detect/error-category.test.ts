// Error messages from Claude Code, its log's error codes and Codex, sorted into categories.
import { describe, expect, it } from 'vitest';
import { toErrorInfo } from './error-category.js';

describe('toErrorInfo', () => {
  it.each([
    ['API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}}', 'rate_limited'],
    ['rate_limit', 'rate_limited'],
    ['Claude AI usage limit reached|1760000000', 'rate_limited'],
    ['Too Many Requests', 'rate_limited'],
    ['Credit balance is too low', 'out_of_credits'],
    ['billing_error', 'out_of_credits'],
    [
      'You exceeded your current quota, please check your plan and billing details.',
      'out_of_credits',
    ],
    ['Invalid API key · Please run /login', 'unauthorized'],
    ['authentication_failed', 'unauthorized'],
    ['API Error: 401 {"type":"error","error":{"type":"authentication_error"}}', 'unauthorized'],
    [
      'OAuth token has expired. Please obtain a new token or refresh your existing token.',
      'unauthorized',
    ],
    ['API Error: Connection error.', 'no_internet'],
    ['getaddrinfo ENOTFOUND api.anthropic.com', 'no_internet'],
    ['stream disconnected before completion: error sending request (network)', 'no_internet'],
    ['API Error (Request timed out.)', 'no_internet'],
    [
      'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      'server_error',
    ],
    ['API Error: 500 Internal server error', 'server_error'],
    ['server_error', 'server_error'],
    ['invalid_request', 'other'],
    ['Something unexpected happened', 'other'],
  ])('sorts %j as %s', (message, category) => {
    expect(toErrorInfo(message)).toEqual({ category, detail: message });
  });

  it('keeps at most 500 characters of detail', () => {
    expect(toErrorInfo(`boom ${'x'.repeat(1000)}`).detail).toHaveLength(500);
  });
});

describe('toErrorInfo with a code', () => {
  it.each([
    ['API Error: Request failed', 'rate_limit', 'rate_limited', 'API Error: Request failed'],
    ['', 'billing_error', 'out_of_credits', 'billing_error'],
    ['Please try again', 'authentication_failed', 'unauthorized', 'Please try again'],
  ])('sorts %j with code %j as %s, showing the message', (message, code, category, detail) => {
    expect(toErrorInfo(message, code)).toEqual({ category, detail });
  });
});
