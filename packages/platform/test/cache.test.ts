import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../src/cache.ts';

describe('in-process versioned cache', () => {
  it('never replaces a newer version with an older one', async () => {
    const cache = createMemoryCache();
    await cache.put('r', 2, 'v2');
    await cache.put('r', 1, 'v1');
    expect(await cache.get('r')).toBe('v2');
    await cache.put('r', 3, 'v3');
    expect(await cache.get('r')).toBe('v3');
    expect(await cache.get('missing')).toBeUndefined();
  });
});
