/**
 * A flow (`/flows/new`, `/flows/:id`): its steps drawn as a vertical graph (flow-graph.tsx) under
 * its trigger, its holdout, horizon, re-entry and exit conditions. A draft is edited in place —
 * a form per step type, a branch's rule and the exit rule in the segment builder — and saved; problems are shown at
 * the step they are about (the page's own checks, and a 400's paths). Activate and deactivate;
 * the report is a tab away.
 */
import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { ApiError, useSession, useWorkspace } from '../../api';
import type { PageProps } from '../../app';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { Link, navigate } from '../../router';
import { useSurveys } from '../feedback/queries';
import { useRuleWords } from '../segments/names';
import { useSegmentFields, useSegments } from '../segments/queries';
import { type BuilderContext, RuleGroup } from '../segments/rule-builder';
import type { FieldCatalogue, NodeDraft, Problem } from '../segments/rule-model';
import { newCondition, newGroup, toRule, updateNode } from '../segments/rule-model';
import { describeRule } from '../segments/rule-words';
import { AddStep, type GraphContext, ProblemList, STATUS_NAMES, StepList, TriggerCard } from './flow-graph';
import {
  countSteps,
  type Flow,
  type FlowDraft,
  type FlowProblem,
  flowProblemsByKey,
  fromFlow,
  MAX_STEPS,
  moveStep,
  newFlowDraft,
  newStep,
  type StepDraft,
  toDefinition,
  updateStep,
} from './flow-model';
import { FlowTabs } from './flow-tabs';
import { useCreateFlow, useFlow, useFlowSwitch, useUpdateFlow } from './queries';
import './flows.css';

export default function FlowPage({ params }: PageProps) {
  const id = params.id ?? null;
  const fields = useSegmentFields();
  const segments = useSegments();
  const surveys = useSurveys();
  const flow = useFlow(id);
  const { t } = useI18n();
  const failed = fields.error ?? segments.error ?? surveys.error ?? flow.error;
  if (failed) {
    if (failed instanceof ApiError && failed.status === 404) {
      return (
        <div className="flows-page">
          <p className="error-box" role="alert">
            {t('flows.notFound')}
          </p>
          <Link href="/flows">{t('flows.back')}</Link>
        </div>
      );
    }
    return <ErrorMessage error={failed} />;
  }
  if (!fields.data || !segments.data || !surveys.data || (id !== null && !flow.data)) return <Loading />;
  return (
    <FlowEditor
      key={id ?? 'new'}
      catalogue={fields.data}
      flow={flow.data ?? null}
      segments={segments.data.items.map((segment) => ({ id: segment.id, name: segment.name }))}
      surveys={surveys.data.items.map((survey) => ({ id: survey.id, name: survey.name }))}
    />
  );
}

function FlowEditor({
  catalogue,
  flow,
  segments,
  surveys,
}: {
  readonly catalogue: FieldCatalogue;
  readonly flow: Flow | null;
  readonly segments: readonly { id: string; name: string }[];
  readonly surveys: readonly { id: string; name: string }[];
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const session = useSession();
  const workspace = useWorkspace();
  const words = useRuleWords();
  const currency = workspace.data?.settings.currency ?? 'USD';
  const mayWrite = session.data ? can(session.data.role, 'writeFlows') : false;
  const editable = mayWrite && (flow === null || flow.status === 'draft');
  const [draft, setDraft] = useState<FlowDraft>(() => (flow ? fromFlow(flow, catalogue) : newFlowDraft()));
  const compiled = useMemo(() => toDefinition(draft, catalogue), [draft, catalogue]);
  const create = useCreateFlow();
  const update = useUpdateFlow(flow?.id ?? '');
  const switcher = useFlowSwitch(flow?.id ?? '');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [tried, setTried] = useState(false);
  const [saved, setSaved] = useState(false);
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    if (!touched) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [touched]);

  const change = useCallback((next: (current: FlowDraft) => FlowDraft) => {
    setDraft(next);
    setSaved(false);
    setTouched(true);
  }, []);

  // The page's own problems show once a save was tried (a new step starts empty); the server's always.
  const serverProblems = useMemo(
    () =>
      saveError instanceof ApiError && saveError.status === 400
        ? flowProblemsByKey(saveError.issues, compiled.paths)
        : new Map<string, FlowProblem[]>(),
    [saveError, compiled.paths],
  );
  const problems = useMemo(() => {
    const merged = new Map<string, readonly FlowProblem[]>(tried ? compiled.problems : []);
    for (const [key, list] of serverProblems) merged.set(key, [...(merged.get(key) ?? []), ...list]);
    return merged;
  }, [tried, compiled.problems, serverProblems]);
  const ruleProblems = useMemo(() => {
    const merged = new Map<string, readonly Problem[]>(tried ? compiled.ruleProblems : []);
    for (const [key, list] of serverProblems) {
      if (!key.startsWith('n')) continue; // a rule node's id (segments/rule-model.ts newId)
      const part = (field: string): Problem['part'] =>
        field === 'field' || field === 'op' || field === 'value' || field === 'window' || field === 'event'
          ? field
          : '';
      merged.set(key, [
        ...(merged.get(key) ?? []),
        ...list.map((problem) => ({
          part: part(problem.field),
          code: 'server' as const,
          message: problem.message ?? '',
        })),
      ]);
    }
    return merged;
  }, [tried, compiled.ruleProblems, serverProblems]);

  const context: GraphContext = {
    editable,
    catalogue,
    segments,
    surveys,
    currency,
    problems,
    ruleProblems,
    mayAdd: countSteps(draft.steps) < MAX_STEPS,
    mayPreview: session.data ? can(session.data.role, 'email') : false,
    testFlowId: flow !== null && mayWrite ? flow.id : null,
    unsaved: touched,
    changeStep: (key, next) =>
      change((current) => ({ ...current, steps: updateStep(current.steps, key, next) })),
    moveStep: (key, offset) =>
      change((current) => ({ ...current, steps: moveStep(current.steps, key, offset) })),
    addStep: (list, type) =>
      change((current) => {
        const step = newStep(type);
        if (list.branch === null) return { ...current, steps: [...current.steps, step] };
        return {
          ...current,
          steps: updateStep(current.steps, list.branch, (branch) =>
            branch.type === 'branch' && list.lane !== null
              ? { ...branch, [list.lane]: [...branch[list.lane], step] as StepDraft[] }
              : branch,
          ),
        };
      }),
    ruleWords: (rule) =>
      describeRule(toRule(rule, catalogue).rule, {
        catalogue,
        locale,
        currency,
        t,
        field: words.field,
        value: words.value,
        segmentName: (segmentId) =>
          segments.find((segment) => segment.id === segmentId)?.name ?? `#${segmentId}`,
      }),
  };

  // The exit rule in the segments' rule builder, as a branch's rule is.
  const exitBuilder: BuilderContext = {
    catalogue,
    segments,
    currency,
    problems: ruleProblems,
    mayAdd: true,
    focusId: null,
    change: (nodeId: string, changeNode: (node: NodeDraft) => NodeDraft | null) =>
      change((current) =>
        current.exitRule === null
          ? current
          : { ...current, exitRule: updateNode(current.exitRule, nodeId, changeNode) },
      ),
    added: () => undefined,
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    setSaveError(null);
    if (compiled.problems.size > 0) return;
    try {
      if (flow === null) {
        const { exitWhen, ...rest } = compiled.body;
        const created = await create.mutateAsync({ ...rest, ...(exitWhen === null ? {} : { exitWhen }) });
        setTouched(false);
        navigate(`/flows/${created.id}`, { replace: true });
      } else {
        await update.mutateAsync({ ...compiled.body, exitWhen: compiled.body.exitWhen });
        setTouched(false);
        setSaved(true);
      }
    } catch (error) {
      setSaveError(error);
    }
  };

  const switchFlow = async (on: boolean) => {
    setSaveError(null);
    try {
      await switcher.mutateAsync(on);
    } catch (error) {
      setSaveError(error);
    }
  };

  const saving = create.isPending || update.isPending;
  const settingsProblems = problems.get('settings') ?? [];
  const setSetting = (changes: Partial<FlowDraft>) => change((current) => ({ ...current, ...changes }));
  const otherError =
    saveError !== null && !(saveError instanceof ApiError && saveError.status === 400) ? saveError : null;
  const refused = saveError instanceof ApiError && saveError.status === 400;

  return (
    <div className="flows-page">
      <Link href="/flows" className="back-link">
        {t('flows.back')}
      </Link>
      <div className="page-head">
        <h1 className="page-title">{flow ? flow.name : t('flows.new.title')}</h1>
        {flow && (
          <p className="freshness">
            <span className="status-pill" data-status={flow.status}>
              {t(STATUS_NAMES[flow.status])}
            </span>{' '}
            {flow.status === 'active' && flow.activatedAt
              ? t('flows.activatedAt', { at: formatDateTime(flow.activatedAt, locale) })
              : flow.status === 'inactive' && flow.deactivatedAt
                ? t('flows.deactivatedAt', { at: formatDateTime(flow.deactivatedAt, locale) })
                : null}
          </p>
        )}
      </div>
      {flow && <FlowTabs id={flow.id} current="steps" />}
      {flow && mayWrite && (
        <div className="flow-switch">
          {flow.status === 'active' ? (
            <>
              <p>{t('flows.switch.activeText')}</p>
              <button
                type="button"
                className="button button-quiet"
                disabled={switcher.isPending}
                onClick={() => void switchFlow(false)}
              >
                {t('flows.switch.deactivate')}
              </button>
            </>
          ) : (
            <>
              <p>{flow.status === 'draft' ? t('flows.switch.draftText') : t('flows.switch.inactiveText')}</p>
              <button
                type="button"
                className="button"
                disabled={switcher.isPending || touched}
                onClick={() => void switchFlow(true)}
              >
                {t('flows.switch.activate')}
              </button>
              {touched && <p className="flow-help">{t('flows.switch.saveFirst')}</p>}
            </>
          )}
        </div>
      )}
      <form className="flow-form-page" onSubmit={save} noValidate>
        {editable && (
          <div className="field flow-name">
            <label className="field-label" htmlFor={`${id}-name`}>
              {t('flows.name')}
            </label>
            <input
              id={`${id}-name`}
              className="input"
              value={draft.name}
              maxLength={200}
              autoComplete="off"
              placeholder={t('flows.name.placeholder')}
              onChange={(event) => setSetting({ name: event.target.value })}
            />
            <ProblemList problems={problems.get('name') ?? []} />
          </div>
        )}
        <h2 className="section-title">{t('flows.steps')}</h2>
        <ol className="flow-graph flow-root">
          <TriggerCard
            trigger={draft.trigger}
            segments={segments}
            surveys={surveys}
            editable={editable}
            problems={problems.get('trigger') ?? []}
            onChange={(trigger) => setSetting({ trigger })}
          />
          <StepList steps={draft.steps} context={context} depth={1} prefix="" />
          {editable && <AddStep list={{ branch: null, lane: null }} context={context} depth={1} />}
          <li className="flow-node flow-end" aria-label={t('flows.end')}>
            <span aria-hidden="true">■</span> {t('flows.end')}
          </li>
        </ol>
        <section className="flow-settings" aria-labelledby={`${id}-settings`}>
          <h2 id={`${id}-settings`} className="section-title">
            {t('flows.settings')}
          </h2>
          {editable ? (
            <div className="flow-form">
              <Setting
                label={t('flows.holdout')}
                help={t('flows.holdout.help')}
                value={draft.holdoutPercent}
                onChange={(holdoutPercent) => setSetting({ holdoutPercent })}
                suffix="%"
              />
              <Setting
                label={t('flows.horizon')}
                help={t('flows.horizon.help')}
                value={draft.horizonDays}
                onChange={(horizonDays) => setSetting({ horizonDays })}
              />
              <div className="field">
                <label className="field-label" htmlFor={`${id}-reentry`}>
                  {t('flows.reentry')}
                </label>
                <select
                  id={`${id}-reentry`}
                  className="select"
                  value={draft.reentry.type}
                  onChange={(event) =>
                    setSetting({
                      reentry: { ...draft.reentry, type: event.target.value === 'every' ? 'every' : 'once' },
                    })
                  }
                >
                  <option value="once">{t('flows.reentry.once')}</option>
                  <option value="every">{t('flows.reentry.every')}</option>
                </select>
              </div>
              {draft.reentry.type === 'every' && (
                <Setting
                  label={t('flows.reentry.days')}
                  value={draft.reentry.days}
                  onChange={(days) => setSetting({ reentry: { ...draft.reentry, days } })}
                />
              )}
              <label className="check flow-check">
                <input
                  type="checkbox"
                  checked={draft.exitOnOrder}
                  onChange={(event) => setSetting({ exitOnOrder: event.target.checked })}
                />
                <span>{t('flows.exit.order')}</span>
              </label>
              <div className="field">
                <label className="field-label" htmlFor={`${id}-exit-event`}>
                  {t('flows.exit.event')}
                </label>
                <input
                  id={`${id}-exit-event`}
                  className="input"
                  value={draft.exitEvent}
                  maxLength={200}
                  autoComplete="off"
                  placeholder="Order Completed"
                  onChange={(event) => setSetting({ exitEvent: event.target.value })}
                />
              </div>
              <label className="check flow-check">
                <input
                  type="checkbox"
                  checked={draft.exitRule !== null}
                  aria-describedby={`${id}-exit-rule-help`}
                  onChange={(event) =>
                    setSetting({ exitRule: event.target.checked ? newGroup('all', [newCondition()]) : null })
                  }
                />
                <span>{t('flows.exit.rule')}</span>
              </label>
              <p id={`${id}-exit-rule-help`} className="flow-help">
                {t('flows.exit.rule.help')}
              </p>
              {draft.exitRule !== null && (
                <div className="flow-branch-rule flow-exit-rule">
                  <RuleGroup group={draft.exitRule} depth={1} position="" context={exitBuilder} />
                  <ProblemList problems={problems.get('exitRule') ?? []} />
                </div>
              )}
            </div>
          ) : (
            <dl className="flow-facts">
              <dt>{t('flows.holdout')}</dt>
              <dd>{draft.holdoutPercent} %</dd>
              <dt>{t('flows.horizon')}</dt>
              <dd>{t('flows.days', { count: draft.horizonDays })}</dd>
              <dt>{t('flows.reentry')}</dt>
              <dd>
                {draft.reentry.type === 'once'
                  ? t('flows.reentry.once')
                  : t('flows.reentry.everyDays', { days: draft.reentry.days })}
              </dd>
              <dt>{t('flows.exit')}</dt>
              <dd>
                {[
                  draft.exitOnOrder ? t('flows.exit.order') : null,
                  draft.exitEvent ? t('flows.exit.onEvent', { event: draft.exitEvent }) : null,
                  draft.exitRule ? t('flows.exit.onRule', { rule: context.ruleWords(draft.exitRule) }) : null,
                ]
                  .filter(Boolean)
                  .join(' · ') || '—'}
              </dd>
            </dl>
          )}
          <ProblemList problems={settingsProblems} />
        </section>
        {editable && (
          <div className="flow-save" aria-live="polite">
            <button type="submit" className="button" disabled={saving}>
              {saving ? t('flows.saving') : flow === null ? t('flows.create') : t('flows.save')}
            </button>
            {tried && compiled.problems.size > 0 && <p className="flow-help">{t('flows.incomplete')}</p>}
            {refused && (
              <p className="error-box" role="alert">
                {t('flows.refused')}
              </p>
            )}
            {saved && <p className="notice">{t('flows.saved')}</p>}
          </div>
        )}
        {otherError !== null && (
          <p className="error-box" role="alert">
            {otherError instanceof ApiError && otherError.status === 409
              ? t('flows.conflict', { message: otherError.message })
              : t('error.unexpected')}
          </p>
        )}
      </form>
    </div>
  );
}

function Setting({
  label,
  help,
  value,
  onChange,
  suffix,
}: {
  readonly label: string;
  readonly help?: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly suffix?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <span className="number-input">
        <input
          id={id}
          className="input input-number"
          type="number"
          inputMode="decimal"
          value={value}
          aria-describedby={help ? `${id}-help` : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
        {suffix && <span aria-hidden="true">{suffix}</span>}
      </span>
      {help && (
        <p id={`${id}-help`} className="flow-help">
          {help}
        </p>
      )}
    </div>
  );
}
