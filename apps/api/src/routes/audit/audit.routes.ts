import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditCheckpointLatest,
  AuditEntry,
  AuditQuery,
  AuditVerifyReport,
  Page,
} from '@ledgerbase/contracts';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { responses, bearerSecurity as security } from '../responses.ts';

const tags = ['audit'];

export const auditRoutes =
  ({ audit }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags,
          security,
          summary:
            'Audit entries, oldest first (keyset pagination): every entry for admins, otherwise the ' +
            'entries of resources you own; API keys need audit:read',
          querystring: AuditQuery,
          response: responses({ 200: Page(AuditEntry) }, [403]),
        },
      },
      async (request) => audit.list(actorOf(request), { ...request.query, limit: request.query.limit ?? 20 }),
    );

    app.get(
      '/audit/verify',
      {
        schema: {
          tags,
          security,
          summary:
            'Verify the whole audit log (admin): entry hashes, per-resource chains, resource heads and ' +
            'every signed checkpoint; names the first bad entry',
          response: responses({ 200: AuditVerifyReport }, [403]),
        },
      },
      async (request) => audit.verify(actorOf(request)),
    );

    app.get(
      '/audit/checkpoints/latest',
      {
        schema: {
          tags,
          security,
          summary:
            'The newest signed checkpoint (C2SP note over the Merkle root) and the Ed25519 key that ' +
            'verifies it: keep copies outside this system',
          response: responses({ 200: AuditCheckpointLatest }, [403]),
        },
      },
      async (request) => audit.latestCheckpoint(actorOf(request)),
    );
  };
