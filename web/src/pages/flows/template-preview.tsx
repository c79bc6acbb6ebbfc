/**
 * An e-mail step's preview as a chosen customer: the template rendered by the server
 * (`POST /api/v1/email/preview`: the customer's fields, escaped as when sent; nothing stored or
 * sent), its subject and its HTML in a sandboxed frame. The customer is searched by name, e-mail
 * or id; a template that does not render shows the server's problems.
 */
import { useId, useState } from 'react';
import { ApiError, apiPost, type ResponseOf } from '../../api';
import { EmailFrame } from '../../components/email-frame';
import { useI18n } from '../../i18n/i18n';
import { CustomerPickerFields, useCustomerChoice } from './customer-picker';

type Rendered = ResponseOf<'/api/v1/email/preview', 'post'>;

export function TemplatePreview({
  subject,
  html,
  category,
}: {
  readonly subject: string;
  readonly html: string;
  readonly category: 'marketing' | 'transactional';
}) {
  const { t } = useI18n();
  const id = useId();
  const choice = useCustomerChoice();
  const { chosen } = choice;
  const [rendered, setRendered] = useState<Rendered | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const show = async () => {
    if (chosen === '' || subject.trim() === '' || html.trim() === '') return;
    setPending(true);
    setError(null);
    try {
      setRendered(await apiPost('/api/v1/email/preview', { customerId: chosen, subject, html, category }));
    } catch (caught) {
      setRendered(null);
      setError(caught);
    } finally {
      setPending(false);
    }
  };
  return (
    <div className="template-preview">
      <div className="flow-form">
        <CustomerPickerFields id={id} label="flows.preview.customer" choice={choice} />
        <div className="field flow-preview-action">
          <button
            type="button"
            className="button button-quiet"
            disabled={pending || chosen === '' || subject.trim() === '' || html.trim() === ''}
            onClick={() => void show()}
          >
            {t('flows.preview.show')}
          </button>
        </div>
      </div>
      <div aria-live="polite">
        {error !== null && (
          <div className="error-box" role="alert">
            <p>{t('flows.preview.failed')}</p>
            {error instanceof ApiError && error.issues.length > 0 && (
              <ul>
                {error.issues.map((issue) => (
                  <li key={issue.message}>{issue.message}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {rendered && (
          <div className="template-rendered">
            <p className="template-subject">
              <span className="muted">{t('flows.email.subject')}:</span> <strong>{rendered.subject}</strong>
            </p>
            <EmailFrame
              html={rendered.html}
              title={t('flows.preview.frame', { subject: rendered.subject })}
            />
          </div>
        )}
      </div>
    </div>
  );
}
