/**
 * The workspace's settings: the time zone periods are cut in, the currency amounts are shown in,
 * the activity window and the first day of the week (`PATCH /api/v1/workspace`, owners and admins).
 */
import { type FormEvent, useMemo, useState } from 'react';
import { useWorkspace, type Workspace } from '../../api';
import { ErrorMessage, Loading } from '../../components/status';
import { useI18n } from '../../i18n/i18n';
import { useSaveSettings } from './queries';
import { failureKey } from './secret-box';

/** Every IANA zone the browser knows, with `value` kept even if it is not among them (e.g. `UTC`). */
function timeZones(value: string): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes(value) ? zones : [value, ...zones];
}

function currencies(value: string): string[] {
  const codes = Intl.supportedValuesOf('currency');
  return codes.includes(value) ? codes : [value, ...codes];
}

export function WorkspaceSection() {
  const { t } = useI18n();
  const workspace = useWorkspace();
  return (
    <section className="settings-card" aria-labelledby="settings-workspace">
      <h2 id="settings-workspace">{t('settings.workspace.title')}</h2>
      {workspace.data ? (
        <SettingsForm workspace={workspace.data} />
      ) : workspace.isError ? (
        <ErrorMessage error={workspace.error} onRetry={() => void workspace.refetch()} />
      ) : (
        <Loading />
      )}
    </section>
  );
}

function SettingsForm({ workspace }: { readonly workspace: Workspace }) {
  const { t, locale } = useI18n();
  const save = useSaveSettings();
  const [timeZone, setTimeZone] = useState(workspace.settings.timeZone);
  const [currency, setCurrency] = useState(workspace.settings.currency);
  const [windowDays, setWindowDays] = useState(String(workspace.settings.activityWindowDays));
  const [weekStart, setWeekStart] = useState(workspace.settings.weekStart);
  const zones = useMemo(() => timeZones(workspace.settings.timeZone), [workspace.settings.timeZone]);
  const codes = useMemo(() => currencies(workspace.settings.currency), [workspace.settings.currency]);
  const currencyNames = useMemo(() => new Intl.DisplayNames([locale], { type: 'currency' }), [locale]);
  const days = Number(windowDays);
  const daysValid = Number.isInteger(days) && days >= 1 && days <= 3650;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!daysValid) return;
    save.mutate({ timeZone, currency, activityWindowDays: days, weekStart });
  };

  return (
    <form className="settings-form" onSubmit={submit}>
      <p className="settings-hint">
        {t('settings.workspace.intro', { name: workspace.name, slug: workspace.slug })}
      </p>
      <div className="settings-grid">
        <label className="field">
          <span className="field-label">{t('settings.workspace.timeZone')}</span>
          <select
            className="select"
            name="timeZone"
            value={timeZone}
            onChange={(event) => setTimeZone(event.target.value)}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('settings.workspace.currency')}</span>
          <select
            className="select"
            name="currency"
            value={currency}
            onChange={(event) => setCurrency(event.target.value)}
          >
            {codes.map((code) => (
              <option key={code} value={code}>
                {`${code} · ${currencyNames.of(code) ?? code}`}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('settings.workspace.window')}</span>
          <input
            className="input"
            name="activityWindowDays"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            step={1}
            required
            value={windowDays}
            aria-invalid={!daysValid}
            aria-describedby="settings-window-help"
            onChange={(event) => setWindowDays(event.target.value)}
          />
          <span id="settings-window-help" className="settings-hint">
            {t('settings.workspace.windowHelp')}
          </span>
        </label>
        <label className="field">
          <span className="field-label">{t('settings.workspace.weekStart')}</span>
          <select
            className="select"
            name="weekStart"
            value={weekStart}
            onChange={(event) => setWeekStart(event.target.value as Workspace['settings']['weekStart'])}
          >
            <option value="monday">{t('settings.workspace.monday')}</option>
            <option value="sunday">{t('settings.workspace.sunday')}</option>
          </select>
        </label>
      </div>
      <div className="settings-actions">
        <button type="submit" className="button" disabled={save.isPending || !daysValid}>
          {save.isPending ? t('settings.saving') : t('settings.save')}
        </button>
        <span role="status" className="settings-status">
          {save.isSuccess ? t('settings.saved') : ''}
        </span>
      </div>
      {save.isError && (
        <p className="form-error" role="alert">
          {t(failureKey(save.error))}
        </p>
      )}
    </form>
  );
}
