import { describe, expect, it } from 'vitest';
import { chooseSocketPath, fitsSunPath, SOCKET_PATH_MAX_BYTES } from './socket-path.js';

const deep = `/tmp/${'x'.repeat(120)}/agent`;

describe('chooseSocketPath', () => {
  it('puts the socket in the agent dir when the path fits', () => {
    expect(chooseSocketPath('/tmp/oj/ag-1', {}, '/tmp', 1000)).toEqual({
      path: '/tmp/oj/ag-1/s.sock',
    });
  });

  it('uses a hashed name in $XDG_RUNTIME_DIR when the agent dir is too deep', () => {
    const place = chooseSocketPath(deep, { XDG_RUNTIME_DIR: '/run/user/1000' }, '/tmp', 1000);
    expect(place.path).toMatch(/^\/run\/user\/1000\/oj-agent-[0-9a-f]{16}\.sock$/);
    expect(place.privateDir).toBeUndefined();
  });

  it('falls back to a private oj-<uid> dir under the temp dir, then /tmp', () => {
    expect(chooseSocketPath(deep, {}, '/var/tmp', 1000)).toMatchObject({
      path: expect.stringMatching(/^\/var\/tmp\/oj-1000\/oj-agent-[0-9a-f]{16}\.sock$/),
      privateDir: '/var/tmp/oj-1000',
    });
    const longTmp = `/${'t'.repeat(100)}`;
    expect(chooseSocketPath(deep, { XDG_RUNTIME_DIR: 'relative' }, longTmp, 1000).privateDir).toBe(
      '/tmp/oj-1000',
    );
  });

  it('gives different agent dirs different sockets, the same dir the same one', () => {
    const a = chooseSocketPath(`${deep}/a`, {}, '/tmp', 1).path;
    expect(chooseSocketPath(`${deep}/a`, {}, '/tmp', 1).path).toBe(a);
    expect(chooseSocketPath(`${deep}/b`, {}, '/tmp', 1).path).not.toBe(a);
  });

  it('counts bytes, not characters, against the 107-byte limit', () => {
    expect(fitsSunPath(`/${'x'.repeat(SOCKET_PATH_MAX_BYTES - 1)}`)).toBe(true);
    expect(fitsSunPath(`/${'é'.repeat(60)}`)).toBe(false);
  });
});
