/** A saved flow's two views: its steps and its report. */
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';

export function FlowTabs({ id, current }: { readonly id: string; readonly current: 'steps' | 'report' }) {
  const { t } = useI18n();
  return (
    <nav className="segment-tabs" aria-label={t('flows.views')}>
      <Link href={`/flows/${id}`} aria-current={current === 'steps' ? 'page' : undefined}>
        {t('flows.view.steps')}
      </Link>
      <Link href={`/flows/${id}/report`} aria-current={current === 'report' ? 'page' : undefined}>
        {t('flows.view.report')}
      </Link>
    </nav>
  );
}
