/**
 * A segment's editor (`/segments/new`, `/segments/:id`): its name, the visual rule builder, the
 * live count and a sample of the customers the rule matches now (`POST /api/v1/segments/preview`,
 * asked 400 ms after the last change, a stale request aborted), save, rename and delete. A
 * condition still incomplete or out of range is shown at its row and holds the count back; what
 * the server refuses (a 400 naming the rule's path) is shown at the row it names.
 */
import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ApiError, useWorkspace } from '../../api';
import type { PageProps } from '../../app';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { Link, navigate } from '../../router';
import {
  type Segment,
  type SegmentPreview,
  useCreateSegment,
  useDeleteSegment,
  useSegment,
  useSegmentFields,
  useSegmentPreview,
  useSegments,
  useUpdateSegment,
} from './queries';
import { type BuilderContext, RuleGroup } from './rule-builder';
import {
  countConditions,
  type FieldCatalogue,
  fromRule,
  type GroupDraft,
  MAX_CONDITIONS,
  type NodeDraft,
  newCondition,
  newGroup,
  type Problem,
  problemsByNode,
  referencedSegments,
  toRule,
  updateNode,
} from './rule-model';
import { SegmentTabs } from './segment-tabs';
import './segments.css';

/** Waits for a pause in typing before the count is asked again. */
const PREVIEW_DELAY_MS = 400;

function useDebounced<Value>(value: Value, delay: number): Value {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/** What saving just did, shown once on the page it leads to (a new segment's page is another). */
let lastSaved: { id: string; members: number; entered: number; exited: number } | null = null;

export default function SegmentPage({ params }: PageProps) {
  const { t } = useI18n();
  const id = params.id ?? null;
  const fields = useSegmentFields();
  const segment = useSegment(id);
  const segments = useSegments();
  const failed = fields.error ?? segment.error ?? segments.error;
  if (failed) {
    if (failed instanceof ApiError && failed.status === 404) {
      return (
        <div className="segments-page">
          <p className="error-box" role="alert">
            {t('segments.notFound')}
          </p>
          <Link href="/segments">{t('segments.back')}</Link>
        </div>
      );
    }
    return (
      <ErrorMessage
        error={failed}
        onRetry={() => {
          void fields.refetch();
          void segment.refetch();
          void segments.refetch();
        }}
      />
    );
  }
  if (!fields.data || !segments.data || (id !== null && !segment.data)) return <Loading />;
  return (
    <SegmentEditor
      key={id ?? 'new'}
      catalogue={fields.data}
      segment={segment.data ?? null}
      all={segments.data.items}
    />
  );
}

function SegmentEditor({
  catalogue,
  segment,
  all,
}: {
  readonly catalogue: FieldCatalogue;
  readonly segment: Segment | null;
  readonly all: readonly Segment[];
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const workspace = useWorkspace();
  const currency = workspace.data?.settings.currency ?? 'USD';
  const [name, setName] = useState(segment?.name ?? '');
  const [root, setRoot] = useState<GroupDraft>(() =>
    segment ? fromRule(segment.rule, catalogue) : newGroup('all', [newCondition()]),
  );
  const [focusId, setFocusId] = useState<string | null>(null);
  const compiled = useMemo(() => toRule(root, catalogue), [root, catalogue]);
  const ruleText = compiled.problems.size === 0 ? JSON.stringify(compiled.rule) : null;
  const [savedRuleText, setSavedRuleText] = useState(() =>
    segment ? JSON.stringify(toRule(fromRule(segment.rule, catalogue), catalogue).rule) : null,
  );
  const settledRule = useDebounced(ruleText, PREVIEW_DELAY_MS);
  const preview = useSegmentPreview(settledRule);
  const create = useCreateSegment();
  const update = useUpdateSegment(segment?.id ?? '');
  const [saveError, setSaveError] = useState<{ error: unknown; rule: string | null } | null>(null);
  const [saved, setSaved] = useState(() => {
    const flash = lastSaved !== null && lastSaved.id === segment?.id ? lastSaved : null;
    lastSaved = null;
    return flash;
  });
  const nameRef = useRef<HTMLInputElement>(null);
  // Unsaved edits: leaving or reloading the page asks first.
  const [touched, setTouched] = useState(false);

  // The server's refusals, at the conditions they name: the preview's (for the rule on screen) and
  // the last save's.
  const serverProblems = useMemo(() => {
    const issuesOf = (error: unknown) =>
      error instanceof ApiError && error.status === 400 ? error.issues : [];
    const previewIssues = settledRule === ruleText && preview.isError ? issuesOf(preview.error) : [];
    const saveIssues = saveError && saveError.rule === ruleText ? issuesOf(saveError.error) : [];
    return problemsByNode(
      [...previewIssues, ...saveIssues].filter((issue) => issue.path?.includes('rule')),
      compiled.paths,
    );
  }, [preview.isError, preview.error, settledRule, ruleText, saveError, compiled.paths]);
  const problems = useMemo(() => {
    const merged = new Map<string, readonly Problem[]>(compiled.problems);
    for (const [node, list] of serverProblems) merged.set(node, [...(merged.get(node) ?? []), ...list]);
    return merged;
  }, [compiled.problems, serverProblems]);

  const change = useCallback((nodeId: string, next: (node: NodeDraft) => NodeDraft | null) => {
    setRoot((current) => updateNode(current, nodeId, next));
    setSaved(null);
    setTouched(true);
  }, []);
  const context: BuilderContext = {
    catalogue,
    segments: all
      .filter((other) => other.id !== segment?.id)
      .map((other) => ({ id: other.id, name: other.name })),
    currency,
    problems,
    mayAdd: countConditions(root) < MAX_CONDITIONS,
    focusId,
    change,
    added: setFocusId,
  };

  const trimmedName = name.trim();
  const nameTaken = all.some((other) => other.id !== segment?.id && other.name === trimmedName);
  const dirty = segment === null || trimmedName !== segment.name || ruleText !== savedRuleText;
  const saving = create.isPending || update.isPending;
  const unsaved = touched && dirty;
  useEffect(() => {
    if (!unsaved) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (trimmedName === '' || nameTaken) {
      nameRef.current?.focus();
      return;
    }
    if (ruleText === null) {
      document
        .querySelector<HTMLElement>('.condition-problem')
        ?.closest('fieldset')
        ?.querySelector<HTMLElement>('select, input')
        ?.focus();
      return;
    }
    setSaveError(null);
    const rule = compiled.rule;
    try {
      if (segment === null) {
        const created = await create.mutateAsync({ name: trimmedName, rule });
        setTouched(false);
        lastSaved = {
          id: created.id,
          members: created.memberCount,
          entered: created.recompute?.entered ?? created.memberCount,
          exited: created.recompute?.exited ?? 0,
        };
        navigate(`/segments/${created.id}`, { replace: true });
      } else {
        const updated = await update.mutateAsync({
          ...(trimmedName === segment.name ? {} : { name: trimmedName }),
          ...(ruleText === savedRuleText ? {} : { rule }),
        });
        setSavedRuleText(ruleText);
        setTouched(false);
        setSaved({
          id: updated.id,
          members: updated.memberCount,
          entered: updated.recompute?.entered ?? 0,
          exited: updated.recompute?.exited ?? 0,
        });
      }
    } catch (error) {
      setSaveError({ error, rule: ruleText });
    }
  };

  const title = segment === null ? t('segments.new.title') : segment.name;
  const saveConflict =
    saveError?.error instanceof ApiError && saveError.error.status === 409 ? saveError.error : null;
  const otherSaveError =
    saveError && !(saveError.error instanceof ApiError && [400, 409].includes(saveError.error.status))
      ? saveError.error
      : null;
  const ruleRefused =
    saveError?.error instanceof ApiError && saveError.error.status === 400 && saveError.rule === ruleText;

  return (
    <div className="segments-page">
      <Link href="/segments" className="back-link">
        {t('segments.back')}
      </Link>
      <div className="page-head">
        <h1 className="page-title">{title}</h1>
        {segment && (
          <p className="freshness">
            {t('segments.memberCount', { count: formatCount(segment.memberCount, locale) })}
            {segment.status === 'pending' && <> · {t('segments.status.pending')}</>}
          </p>
        )}
      </div>
      {segment && <SegmentTabs id={segment.id} current="rule" />}
      <form className="segment-form" onSubmit={save} noValidate>
        <div className="segment-name-row">
          <div className="field segment-name-field">
            <label className="field-label" htmlFor={`${id}-name`}>
              {t('segments.name')}
            </label>
            <input
              ref={nameRef}
              id={`${id}-name`}
              className="input"
              name="name"
              value={name}
              maxLength={200}
              required
              autoComplete="off"
              placeholder={t('segments.name.placeholder')}
              aria-invalid={nameTaken || (saveError !== null && trimmedName === '') || undefined}
              aria-describedby={nameTaken ? `${id}-name-problem` : undefined}
              onChange={(event) => {
                setName(event.target.value);
                setSaved(null);
                setTouched(true);
              }}
            />
            {nameTaken && (
              <p id={`${id}-name-problem`} className="condition-problem" data-tone="error">
                {t('segments.name.taken')}
              </p>
            )}
          </div>
          <div className="segment-save">
            <button type="submit" className="button" disabled={saving || !dirty || trimmedName === ''}>
              {saving ? t('segments.saving') : segment === null ? t('segments.create') : t('segments.save')}
            </button>
          </div>
        </div>
        <div aria-live="polite" className="save-status">
          {saved && (
            <p className="notice" data-saved={saved.members}>
              {t('segments.saved', {
                count: formatCount(saved.members, locale),
                entered: formatCount(saved.entered, locale),
                exited: formatCount(saved.exited, locale),
              })}
            </p>
          )}
          {saveConflict && (
            <p className="error-box" role="alert">
              {nameTaken
                ? t('segments.name.taken')
                : t('segments.conflict', { message: saveConflict.message })}
            </p>
          )}
          {ruleRefused && (
            <p className="error-box" role="alert">
              {t('segments.ruleRefused')}
            </p>
          )}
        </div>
        {otherSaveError !== null && <ErrorMessage error={otherSaveError} />}
        <div className="segment-layout">
          <div className="rule-editor">
            <h2 className="section-title">{t('segments.rule')}</h2>
            <RuleGroup group={root} depth={1} position="" context={context} />
          </div>
          <PreviewPanel
            incomplete={ruleText === null}
            waiting={ruleText !== settledRule || preview.isFetching}
            data={preview.data}
            error={settledRule === ruleText && preview.isError ? preview.error : null}
            onRetry={() => void preview.refetch()}
          />
        </div>
      </form>
      {segment && <DeleteSegment segment={segment} all={all} />}
    </div>
  );
}

function PreviewPanel({
  incomplete,
  waiting,
  data,
  error,
  onRetry,
}: {
  readonly incomplete: boolean;
  readonly waiting: boolean;
  readonly data: SegmentPreview | undefined;
  readonly error: unknown;
  readonly onRetry: () => void;
}) {
  const { t, locale } = useI18n();
  const id = useId();
  let status: string | null = null;
  if (incomplete) status = t('segments.preview.incomplete');
  else if (error instanceof ApiError && error.status === 400) status = t('segments.preview.refused');
  else if (error instanceof ApiError && error.status === 503) status = t('segments.preview.slow');
  else if (waiting) status = t('segments.preview.counting');
  const current = !incomplete && !error && !waiting;
  return (
    <>
      {/* At phone width the panel is below a long rule: this bar keeps the count in sight (the
          panel announces it, so the bar is not read twice). */}
      <p className="preview-bar" aria-hidden="true" data-current={current ? 'true' : 'false'}>
        {data && !incomplete && !error ? (
          <>
            <strong>{formatCount(data.total, locale)}</strong> {t('segments.preview.customers')}
          </>
        ) : (
          status
        )}
      </p>
      <aside className="preview-panel" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="section-title">
          {t('segments.preview.title')}
        </h2>
        <div aria-live="polite">
          {data && (
            <p className="preview-count" data-total={data.total} data-current={current ? 'true' : 'false'}>
              <span className="preview-number">{formatCount(data.total, locale)}</span>{' '}
              <span>{t('segments.preview.customers')}</span>
            </p>
          )}
          {status !== null && <p className="preview-status">{status}</p>}
        </div>
        {error !== null && !(error instanceof ApiError && [400, 503].includes(error.status)) && (
          <ErrorMessage error={error} onRetry={onRetry} />
        )}
        {data && data.sample.length > 0 && (
          <>
            <h3 className="preview-sample-title">{t('segments.preview.sample')}</h3>
            <ul className="preview-sample" aria-busy={!current}>
              {data.sample.map((customer) => (
                <li key={customer.customerId}>
                  <Link href={`/customers/${customer.customerId}`}>
                    {customer.name ?? customer.email ?? customer.externalId ?? `#${customer.customerId}`}
                  </Link>
                  {customer.country && <span className="muted"> · {customer.country}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
        {data && data.total === 0 && current && <p className="muted">{t('segments.preview.none')}</p>}
      </aside>
    </>
  );
}

function DeleteSegment({ segment, all }: { readonly segment: Segment; readonly all: readonly Segment[] }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const remove = useDeleteSegment(segment.id);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const users = all.filter(
    (other) => other.id !== segment.id && referencedSegments(other.rule).has(segment.id),
  );
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  const confirm = async () => {
    try {
      await remove.mutateAsync();
      navigate('/segments', { replace: true });
    } catch {
      // shown below
    }
  };
  return (
    <section className="danger-zone" aria-labelledby="segment-delete-title">
      <h2 id="segment-delete-title" className="section-title">
        {t('segments.delete.title')}
      </h2>
      {users.length > 0 ? (
        <p className="danger-text">
          {t('segments.delete.used', { names: users.map((user) => `“${user.name}”`).join(', ') })}
        </p>
      ) : asking ? (
        <div className="delete-confirm">
          <p className="danger-text">{t('segments.delete.confirm', { name: segment.name })}</p>
          <button
            ref={confirmRef}
            type="button"
            className="button button-danger"
            disabled={remove.isPending}
            onClick={() => void confirm()}
          >
            {t('segments.delete.yes')}
          </button>
          <button type="button" className="button button-quiet" onClick={() => setAsking(false)}>
            {t('segments.delete.no')}
          </button>
        </div>
      ) : (
        <button type="button" className="button button-quiet" onClick={() => setAsking(true)}>
          {t('segments.delete.start')}
        </button>
      )}
      {remove.isError && (
        <p className="error-box" role="alert">
          {remove.error instanceof ApiError && remove.error.status === 409
            ? t('segments.conflict', { message: remove.error.message })
            : t('error.unexpected')}
        </p>
      )}
    </section>
  );
}
