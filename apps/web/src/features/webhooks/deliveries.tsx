import { useQuery } from '@tanstack/react-query';
import { api, type WebhookDelivery } from '../../lib/api.ts';
import { ErrorAlert, Loading, Time } from '../../lib/ui.tsx';

// The contract does not fix a delivery's fields; show the usual ones when present.
const pick = (delivery: WebhookDelivery, ...names: string[]): unknown =>
  names.map((name) => delivery[name]).find((value) => value !== undefined && value !== null);

function text(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function Deliveries({ webhookId }: { webhookId: string }) {
  const deliveries = useQuery({
    queryKey: ['webhooks', webhookId, 'deliveries'],
    queryFn: () => api.listDeliveries(webhookId),
  });
  if (deliveries.isPending) return <Loading label="Loading deliveries…" />;
  if (deliveries.isError)
    return <ErrorAlert error={deliveries.error} onRetry={() => void deliveries.refetch()} />;
  const rows = deliveries.data.data;
  if (rows.length === 0) return <p className="muted small">No deliveries yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Recent deliveries</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Response</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((delivery) => {
            const when = pick(delivery, 'createdAt', 'lastAttemptAt');
            return (
              <tr key={delivery.id}>
                <td>{typeof when === 'string' ? <Time iso={when} /> : '—'}</td>
                <td>{text(pick(delivery, 'eventType', 'type', 'event'))}</td>
                <td>{text(pick(delivery, 'status', 'state'))}</td>
                <td>{text(pick(delivery, 'attempts', 'attemptCount'))}</td>
                <td>{text(pick(delivery, 'responseStatus', 'lastResponseStatus', 'statusCode'))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
