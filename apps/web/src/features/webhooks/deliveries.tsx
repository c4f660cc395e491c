import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { ErrorAlert, Loading, TableScroll, Time } from '../../lib/ui.tsx';

const text = (value: string | number | null): string => (value === null ? '—' : String(value));

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
    <TableScroll label="Recent deliveries">
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
          {rows.map((delivery) => (
            <tr key={delivery.id}>
              <td>
                <Time iso={delivery.createdAt} />
              </td>
              <td>{delivery.eventType}</td>
              <td>{delivery.status}</td>
              <td>{delivery.attempts}</td>
              <td>{text(delivery.responseStatus)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
