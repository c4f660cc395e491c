import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, retryDelayMs } from '../src/webhooks/webhook-backoff.ts';

describe('webhook retry schedule', () => {
  it('grows exponentially to about a day in all before the dead-letter state', () => {
    const delays = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, () => 0.5));
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    const hours = delays.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(18);
    expect(hours).toBeLessThan(30);
    expect(delays[0]).toBe(30_000);
  });

  it('jitters each delay by ±20 % so endpoints do not retry in lockstep', () => {
    expect(retryDelayMs(1, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, () => 1)).toBe(36_000);
    expect(retryDelayMs(20, () => 0.5)).toBe(12 * 3600 * 1000);
  });
});
