/**
 * Settings (owners and admins): the workspace's time zone, currency and activity window; its
 * members; its API keys; the tracking write key with the code for Segment's libraries.
 */
import { useSession } from '../../api';
import { Loading } from '../../components/status';
import { useI18n } from '../../i18n/i18n';
import { ApiKeysSection } from './api-keys-section';
import { MembersSection } from './members-section';
import { TrackingSection } from './tracking-section';
import { WorkspaceSection } from './workspace-section';

export default function SettingsPage() {
  const { t } = useI18n();
  const session = useSession().data;
  if (!session) return <Loading />;
  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('settings.title')}</h1>
      </div>
      <div className="settings">
        <WorkspaceSection />
        <MembersSection session={session} />
        <ApiKeysSection session={session} />
        <TrackingSection />
      </div>
    </>
  );
}
