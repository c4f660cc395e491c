import { useMutation } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import { ErrorAlert } from '../../lib/ui.tsx';

/** Admin only: re-checks the hash chain of the whole audit log on the server. */
export function VerifyAudit() {
  const verify = useMutation({ mutationFn: api.verifyAudit });
  const result = verify.data;
  return (
    <div className="verify">
      <button type="button" className="button" disabled={verify.isPending} onClick={() => verify.mutate()}>
        {verify.isPending ? 'Verifying…' : 'Verify audit chain'}
      </button>
      <div aria-live="polite">
        {result?.valid ? (
          <p className="alert alert-success">Chain intact: {result.checked} entries checked.</p>
        ) : null}
        {result && !result.valid ? (
          <p className="alert alert-error">
            Chain broken after checking {result.checked} entries. First invalid entry:{' '}
            <code>{JSON.stringify(result.firstInvalid)}</code>
          </p>
        ) : null}
        {verify.isError ? (
          isApiStatus(verify.error, 404) ? (
            <p className="muted small">Verification is not available on this server yet.</p>
          ) : (
            <ErrorAlert error={verify.error} />
          )
        ) : null}
      </div>
    </div>
  );
}
