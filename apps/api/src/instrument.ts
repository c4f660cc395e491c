import { loadConfig, startTelemetry } from '@ledgerbase/platform';

/**
 * Loaded with `--import` before main.ts (see the start scripts) so OpenTelemetry patches http and pg
 * before they load (ARCHITECTURE.md "Operations"). A bad configuration is reported by main.ts; here
 * it simply leaves tracing off. main.ts imports `telemetry` from here only to shut it down.
 */
function enabled(): boolean {
  try {
    return loadConfig().otelEnabled;
  } catch {
    return false;
  }
}

export const telemetry = startTelemetry('ledgerbase-api', enabled());
