/**
 * Retry schedule (Standard Webhooks "retry schedule"; Stripe retries for days): the first attempt at
 * once, then after failed attempt n a delay of 30 s × 4^(n−1), at most 12 h, with ±20 % jitter so
 * endpoints that failed together do not retry together: 30 s, 2 min, 8 min, 32 min, 2.1 h, 8.5 h,
 * 12 h, about 23 hours in all. After the last attempt the delivery is dead-lettered (`failed`).
 */
export const MAX_ATTEMPTS = 8;

const BASE_MS = 30_000;
const CAP_MS = 12 * 3600 * 1000;

export function retryDelayMs(failedAttempt: number, random: () => number = Math.random): number {
  const base = Math.min(CAP_MS, BASE_MS * 4 ** Math.max(0, failedAttempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A receiver's `Retry-After` (429, 503) pushes the next attempt out, within reason. */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;
