/** Loading and error states shared by the pages. */
import { ApiError } from '../api';
import { useI18n } from '../i18n/i18n';

export function Loading({ label }: { readonly label?: string }) {
  const { t } = useI18n();
  return (
    <div className="centered" role="status">
      {label ?? t('status.loading')}
    </div>
  );
}

/** An error in words, with a retry button when retrying can help. */
export function ErrorMessage({ error, onRetry }: { readonly error: unknown; readonly onRetry?: () => void }) {
  const { t } = useI18n();
  let message = t('error.unexpected');
  if (error instanceof ApiError) {
    if (error.status === 0) message = t('error.network');
    else if (error.status === 403) message = t('error.forbidden');
    else if (error.status === 404) message = t('error.noData');
    else if (error.status === 429) message = t('error.rateLimited');
    else if (error.status === 503) message = t('error.unavailable');
    else if (error.status === 400) message = t('error.badRequest');
  }
  return (
    <div className="error-box" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" className="button button-quiet" onClick={onRetry}>
          {t('action.retry')}
        </button>
      )}
    </div>
  );
}
