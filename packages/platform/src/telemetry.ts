import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export type Telemetry = { shutdown(): Promise<void> };

/**
 * OpenTelemetry tracing over OTLP (seed section 8), on only when an OTLP endpoint is configured
 * (standard OTEL_* variables, read by the SDK itself), so the default path pays nothing. Must run
 * before the instrumented libraries (http, pg) are loaded: see apps/api/src/instrument.ts.
 */
export function startTelemetry(serviceName: string, enabled: boolean): Telemetry {
  if (!enabled) return { shutdown: async () => {} };
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: '0.1.0' }),
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.url === '/healthz' || req.url === '/readyz',
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/** The active trace id, for log lines and audit entries; undefined when tracing is off. */
export function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && context.traceId !== '00000000000000000000000000000000' ? context.traceId : undefined;
}
