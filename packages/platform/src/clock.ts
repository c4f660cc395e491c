/** Time is injected so tests can move it instead of sleeping (ARCHITECTURE.md "Tests"). */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };
