/**
 * "Send a test e-mail" for a saved send_email step: the step's template as stored, rendered as a
 * chosen customer (searched by name, e-mail or id) and sent to the address given
 * (`POST /api/v1/flows/{id}/steps/{stepId}/test`): marked as a test, never in the flow's report.
 * An unsaved step (or a draft with unsaved changes) asks to save first: the server sends what it
 * has stored.
 */
import { useId, useState } from 'react';
import { ApiError, apiPostAt, type ResponseOf, useSession } from '../../api';
import { useI18n } from '../../i18n/i18n';
import { CustomerPickerFields, useCustomerChoice } from './customer-picker';

type Outcome = ResponseOf<'/api/v1/flows/{id}/steps/{stepId}/test', 'post'>;

export function StepTestSend({
  flowId,
  stepId,
  unsaved,
}: {
  readonly flowId: string;
  readonly stepId: string | null;
  readonly unsaved: boolean;
}) {
  const { t } = useI18n();
  const id = useId();
  const session = useSession();
  const [open, setOpen] = useState(false);
  const choice = useCustomerChoice(open);
  const { chosen } = choice;
  const [to, setTo] = useState('');
  const address = to !== '' ? to : (session.data?.user?.email ?? '');
  const [outcome, setOutcome] = useState<{ to: string; result: Outcome } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const ready = stepId !== null && !unsaved;

  const send = async () => {
    if (!ready || chosen === '' || address.trim() === '') return;
    setPending(true);
    setError(null);
    setOutcome(null);
    try {
      const result = await apiPostAt(
        '/api/v1/flows/{id}/steps/{stepId}/test',
        { id: flowId, stepId },
        { customerId: chosen, to: address.trim() },
      );
      setOutcome({ to: address.trim(), result });
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(false);
    }
  };

  return (
    <details className="flow-preview flow-test" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{t('flows.test.title')}</summary>
      <p className="flow-help">{t('flows.test.help')}</p>
      {!ready ? (
        <p className="flow-help">{t('flows.test.saveFirst')}</p>
      ) : (
        <div className="flow-form">
          <CustomerPickerFields id={id} label="flows.test.customer" choice={choice} />
          <div className="field">
            <label className="field-label" htmlFor={`${id}-to`}>
              {t('flows.test.to')}
            </label>
            <input
              id={`${id}-to`}
              className="input"
              type="email"
              autoComplete="email"
              maxLength={320}
              value={address}
              onChange={(event) => setTo(event.target.value)}
            />
          </div>
          <div className="field flow-preview-action">
            <button
              type="button"
              className="button button-quiet"
              disabled={pending || chosen === '' || address.trim() === ''}
              onClick={() => void send()}
            >
              {pending ? t('flows.test.sending') : t('flows.test.send')}
            </button>
          </div>
        </div>
      )}
      <div aria-live="polite">
        {outcome !== null && (
          <p className="notice">
            {outcome.result.status === 'skipped'
              ? t('flows.test.failed', { message: outcome.result.reason ?? 'skipped' })
              : t('flows.test.sent', { to: outcome.to })}
          </p>
        )}
        {error !== null && (
          <p className="error-box" role="alert">
            {t('flows.test.failed', {
              message:
                error instanceof ApiError
                  ? error.issues.map((issue) => issue.message).join('; ') || error.message
                  : String(error),
            })}
          </p>
        )}
      </div>
    </details>
  );
}
