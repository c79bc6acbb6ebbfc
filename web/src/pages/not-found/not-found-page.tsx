/** A path the dashboard has no page for, or a page the caller's role may not see. */
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <>
      <h1 className="page-title">{t('notFound.title')}</h1>
      <p>
        <Link href="/">{t('notFound.home')}</Link>
      </p>
    </>
  );
}

export function NoAccessPage() {
  const { t } = useI18n();
  return (
    <>
      <h1 className="page-title">{t('noAccess.title')}</h1>
      <p>{t('noAccess.body')}</p>
    </>
  );
}
