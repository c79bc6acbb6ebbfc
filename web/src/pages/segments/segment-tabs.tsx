/** A saved segment's two views: its rule (the editor) and its members. */
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';

export function SegmentTabs({ id, current }: { readonly id: string; readonly current: 'rule' | 'members' }) {
  const { t } = useI18n();
  return (
    <nav className="segment-tabs" aria-label={t('segments.views')}>
      <Link href={`/segments/${id}`} aria-current={current === 'rule' ? 'page' : undefined}>
        {t('segments.view.rule')}
      </Link>
      <Link href={`/segments/${id}/members`} aria-current={current === 'members' ? 'page' : undefined}>
        {t('segments.view.members')}
      </Link>
    </nav>
  );
}
