/**
 * A flow drawn as a vertical graph: the trigger, then each step as a card joined by a line — a
 * wait, an e-mail, a survey, an attribute change, an exit — and a branch as its rule with two lanes, yes and
 * no, side by side (stacked at phone width). A draft's cards are its forms (per step type); an
 * active or stopped flow's cards say what each step does.
 */
import { type ReactNode, useId } from 'react';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { type BuilderContext, RuleGroup } from '../segments/rule-builder';
import type { FieldCatalogue, GroupDraft, NodeDraft, Problem } from '../segments/rule-model';
import { updateNode } from '../segments/rule-model';
import type { SegmentChoice } from '../segments/value-input';
import {
  type FlowProblem,
  MAX_BRANCH_DEPTH,
  STEP_TYPES,
  type StepDraft,
  type StepType,
  TRIGGER_TYPES,
  type TriggerDraft,
  type TriggerType,
  WAIT_UNITS,
  type WaitUnit,
} from './flow-model';
import { StepTestSend } from './step-test';
import { TemplatePreview } from './template-preview';

export const STEP_NAMES: Readonly<Record<StepType, MessageKey>> = {
  wait: 'flows.step.wait',
  send_email: 'flows.step.send_email',
  send_survey: 'flows.step.send_survey',
  branch: 'flows.step.branch',
  update_attribute: 'flows.step.update_attribute',
  exit: 'flows.step.exit',
};

export const STATUS_NAMES: Readonly<Record<'draft' | 'active' | 'inactive', MessageKey>> = {
  draft: 'flows.status.draft',
  active: 'flows.status.active',
  inactive: 'flows.status.inactive',
};

export const TRIGGER_NAMES: Readonly<Record<TriggerType, MessageKey>> = {
  event: 'flows.trigger.event',
  segment_entered: 'flows.trigger.segment_entered',
  segment_exited: 'flows.trigger.segment_exited',
  days_since_last_order: 'flows.trigger.days_since_last_order',
  signup_anniversary: 'flows.trigger.signup_anniversary',
  schedule: 'flows.trigger.schedule',
  survey_answered: 'flows.trigger.survey_answered',
};

/** One minute, hour or day (English says "1 day", not "1 days"). */
const UNIT_NAMES_ONE: Readonly<Record<WaitUnit, MessageKey>> = {
  minutes: 'flows.unit.minute',
  hours: 'flows.unit.hour',
  days: 'flows.unit.day',
};

const UNIT_NAMES: Readonly<Record<WaitUnit, MessageKey>> = {
  minutes: 'flows.unit.minutes',
  hours: 'flows.unit.hours',
  days: 'flows.unit.days',
};

const PROBLEM_NAMES: Readonly<Record<Exclude<FlowProblem['code'], 'server'>, MessageKey>> = {
  required: 'flows.problem.required',
  whole: 'flows.problem.whole',
  range: 'flows.problem.range',
  chooseSegment: 'flows.problem.chooseSegment',
  chooseSurvey: 'flows.problem.chooseSurvey',
  attributeKey: 'flows.problem.attributeKey',
  incompleteRule: 'flows.problem.incompleteRule',
  incompleteExitRule: 'flows.problem.incompleteExitRule',
};

export interface GraphContext {
  readonly editable: boolean;
  readonly catalogue: FieldCatalogue;
  readonly segments: readonly SegmentChoice[];
  /** The workspace's surveys, for the survey step. */
  readonly surveys: readonly { readonly id: string; readonly name: string }[];
  readonly currency: string;
  readonly problems: ReadonlyMap<string, readonly FlowProblem[]>;
  readonly ruleProblems: ReadonlyMap<string, readonly Problem[]>;
  readonly mayAdd: boolean;
  /** Whether the caller may render templates as a customer (the e-mail API's roles). */
  readonly mayPreview: boolean;
  /** The saved flow whose e-mail steps may be tested (null: none, or the caller may not write flows). */
  readonly testFlowId: string | null;
  /** Whether the page holds changes not saved yet (a test sends what is stored). */
  readonly unsaved: boolean;
  changeStep(key: string, change: (step: StepDraft) => StepDraft | null): void;
  moveStep(key: string, offset: -1 | 1): void;
  addStep(list: { readonly branch: string | null; readonly lane: 'yes' | 'no' | null }, type: StepType): void;
  /** Words of a branch's rule (view mode). */
  ruleWords(rule: GroupDraft): string;
}

export function ProblemList({
  problems,
  id,
}: {
  readonly problems: readonly FlowProblem[];
  readonly id?: string;
}) {
  const { t } = useI18n();
  if (problems.length === 0) return null;
  return (
    <ul className="flow-problems" id={id}>
      {problems.map((problem) => (
        <li
          key={`${problem.field}|${problem.code}|${problem.message ?? ''}`}
          className="flow-problem"
          data-field={problem.field}
          data-tone={
            problem.code === 'required' || problem.code === 'chooseSegment' || problem.code === 'chooseSurvey'
              ? 'incomplete'
              : 'error'
          }
        >
          {problem.code === 'server'
            ? t('flows.problem.server', { message: problem.message ?? '' })
            : t(PROBLEM_NAMES[problem.code], problem.values)}
        </li>
      ))}
    </ul>
  );
}

function TextField({
  label,
  value,
  onChange,
  disabled,
  placeholder,
  type = 'text',
  className = 'input',
  maxLength,
  invalid,
}: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly disabled?: boolean;
  readonly placeholder?: string;
  readonly type?: string;
  readonly className?: string;
  readonly maxLength?: number;
  readonly invalid?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={className}
        type={type}
        value={value}
        disabled={disabled}
        placeholder={placeholder}
        maxLength={maxLength}
        autoComplete="off"
        aria-invalid={invalid || undefined}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

function SelectField<Value extends string>({
  label,
  value,
  options,
  onChange,
}: {
  readonly label: string;
  readonly value: Value;
  readonly options: readonly { readonly value: Value; readonly label: string }[];
  readonly onChange: (value: Value) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="select"
        value={value}
        onChange={(event) => onChange(event.target.value as Value)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The trigger's form (draft) or its sentence. */
export function TriggerCard({
  trigger,
  segments,
  surveys,
  editable,
  problems,
  onChange,
}: {
  readonly trigger: TriggerDraft;
  readonly segments: readonly SegmentChoice[];
  readonly surveys: GraphContext['surveys'];
  readonly editable: boolean;
  readonly problems: readonly FlowProblem[];
  readonly onChange: (trigger: TriggerDraft) => void;
}) {
  const { t } = useI18n();
  const set = (change: Partial<TriggerDraft>) => onChange({ ...trigger, ...change });
  const segmentName = (id: string) => segments.find((segment) => segment.id === id)?.name ?? `#${id}`;
  const surveyName = (id: string) => surveys.find((survey) => survey.id === id)?.name ?? `#${id}`;
  const bySegment =
    trigger.type === 'segment_entered' || trigger.type === 'segment_exited' || trigger.type === 'schedule';
  return (
    <li className="flow-node flow-trigger" data-type="trigger">
      <div className="flow-card">
        <p className="flow-card-kind">{t('flows.trigger.title')}</p>
        {editable ? (
          <div className="flow-form">
            <SelectField
              label={t('flows.trigger.type')}
              value={trigger.type}
              options={TRIGGER_TYPES.map((type) => ({ value: type, label: t(TRIGGER_NAMES[type]) }))}
              onChange={(type) => set({ type })}
            />
            {trigger.type === 'event' && (
              <TextField
                label={t('flows.trigger.eventName')}
                value={trigger.event}
                maxLength={200}
                placeholder="Signed Up"
                onChange={(event) => set({ event })}
              />
            )}
            {bySegment && (
              <SelectField
                label={t('flows.trigger.segment')}
                value={trigger.segmentId}
                options={[
                  { value: '', label: t('flows.trigger.chooseSegment') },
                  ...segments.map((segment) => ({ value: segment.id, label: segment.name })),
                ]}
                onChange={(segmentId) => set({ segmentId })}
              />
            )}
            {trigger.type === 'days_since_last_order' && (
              <TextField
                label={t('flows.trigger.days')}
                type="number"
                className="input input-number"
                value={trigger.days}
                onChange={(days) => set({ days })}
              />
            )}
            {trigger.type === 'schedule' && (
              <TextField
                label={t('flows.trigger.at')}
                type="datetime-local"
                value={trigger.at}
                onChange={(at) => set({ at })}
              />
            )}
            {trigger.type === 'survey_answered' && (
              <>
                <SurveySelect
                  label={t('flows.trigger.survey')}
                  emptyLabel={t('flows.trigger.anySurvey')}
                  value={trigger.surveyId}
                  surveys={surveys}
                  onChange={(surveyId) => set({ surveyId })}
                />
                <SelectField
                  label={t('flows.trigger.answers')}
                  value={trigger.negativeOnly ? 'negative' : 'any'}
                  options={[
                    { value: 'negative', label: t('flows.trigger.answers.negative') },
                    { value: 'any', label: t('flows.trigger.answers.any') },
                  ]}
                  onChange={(answers) => set({ negativeOnly: answers === 'negative' })}
                />
                <p className="flow-help">{t('flows.trigger.answers.help')}</p>
              </>
            )}
          </div>
        ) : (
          <p className="flow-card-text">
            {trigger.type === 'event'
              ? t('flows.describe.event', { event: trigger.event })
              : trigger.type === 'survey_answered'
                ? t(
                    trigger.negativeOnly ? 'flows.describe.surveyNegative' : 'flows.describe.surveyAnswered',
                    {
                      survey:
                        trigger.surveyId === ''
                          ? t('flows.trigger.anySurveyName')
                          : surveyName(trigger.surveyId),
                    },
                  )
                : trigger.type === 'days_since_last_order'
                  ? t('flows.describe.daysSince', { days: trigger.days })
                  : bySegment
                    ? t(
                        trigger.type === 'segment_entered'
                          ? 'flows.describe.entered'
                          : trigger.type === 'segment_exited'
                            ? 'flows.describe.exited'
                            : 'flows.describe.schedule',
                        { segment: segmentName(trigger.segmentId), at: trigger.at.replace('T', ' ') },
                      )
                    : t(TRIGGER_NAMES[trigger.type])}
          </p>
        )}
        <ProblemList problems={problems} />
      </div>
    </li>
  );
}

function WaitForm({
  step,
  set,
}: {
  readonly step: StepDraft & { type: 'wait' };
  readonly set: (change: Partial<StepDraft>) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="flow-form">
      <SelectField
        label={t('flows.wait.mode')}
        value={step.mode}
        options={[
          { value: 'duration', label: t('flows.wait.duration') },
          { value: 'time', label: t('flows.wait.time') },
        ]}
        onChange={(mode) => set({ mode })}
      />
      {step.mode === 'duration' ? (
        <>
          <TextField
            label={t('flows.wait.amount')}
            type="number"
            className="input input-number"
            value={step.amount}
            onChange={(amount) => set({ amount })}
          />
          <SelectField
            label={t('flows.wait.unit')}
            value={step.unit}
            options={WAIT_UNITS.map((unit) => ({ value: unit, label: t(UNIT_NAMES[unit]) }))}
            onChange={(unit) => set({ unit })}
          />
        </>
      ) : (
        <TextField
          label={t('flows.wait.until')}
          type="time"
          value={step.time}
          onChange={(time) => set({ time })}
        />
      )}
    </div>
  );
}

function EmailForm({
  step,
  set,
  mayPreview,
}: {
  readonly step: StepDraft & { type: 'send_email' };
  readonly set: (change: Partial<StepDraft>) => void;
  readonly mayPreview: boolean;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="flow-form flow-form-email">
      <TextField
        label={t('flows.email.subject')}
        value={step.subject}
        maxLength={1000}
        className="input flow-subject"
        placeholder={t('flows.email.subject.placeholder')}
        onChange={(subject) => set({ subject })}
      />
      <SelectField
        label={t('flows.email.category')}
        value={step.category}
        options={[
          { value: 'marketing', label: t('flows.email.marketing') },
          { value: 'transactional', label: t('flows.email.transactional') },
        ]}
        onChange={(category) => set({ category })}
      />
      <div className="field flow-html">
        <label className="field-label" htmlFor={id}>
          {t('flows.email.html')}
        </label>
        <textarea
          id={id}
          className="input flow-textarea"
          rows={6}
          maxLength={200_000}
          spellCheck={false}
          value={step.html}
          placeholder="<p>Hello {{ customer.name }},</p>"
          aria-describedby={`${id}-help`}
          onChange={(event) => set({ html: event.target.value })}
        />
        <p id={`${id}-help`} className="flow-help">
          {t('flows.email.help')}
        </p>
      </div>
      {mayPreview && (
        <details className="flow-preview">
          <summary>{t('flows.preview.title')}</summary>
          <TemplatePreview subject={step.subject} html={step.html} category={step.category} />
        </details>
      )}
    </div>
  );
}

/**
 * A survey picker: the workspace's surveys after `emptyLabel` (the '' choice), and the one chosen
 * even when it is not among them (deleted, or another page of them), shown by its id.
 */
function SurveySelect({
  label,
  emptyLabel,
  value,
  surveys,
  onChange,
}: {
  readonly label: string;
  readonly emptyLabel: string;
  readonly value: string;
  readonly surveys: GraphContext['surveys'];
  readonly onChange: (surveyId: string) => void;
}) {
  const known = value === '' || surveys.some((survey) => survey.id === value);
  return (
    <SelectField
      label={label}
      value={value}
      options={[
        { value: '', label: emptyLabel },
        ...surveys.map((survey) => ({ value: survey.id, label: survey.name })),
        ...(known ? [] : [{ value, label: `#${value}` }]),
      ]}
      onChange={onChange}
    />
  );
}

function SurveyForm({
  step,
  set,
  surveys,
}: {
  readonly step: StepDraft & { type: 'send_survey' };
  readonly set: (change: Partial<StepDraft>) => void;
  readonly surveys: GraphContext['surveys'];
}) {
  const { t } = useI18n();
  return (
    <div className="flow-form">
      <SurveySelect
        label={t('flows.survey.survey')}
        emptyLabel={t('flows.survey.choose')}
        value={step.surveyId}
        surveys={surveys}
        onChange={(surveyId) => set({ surveyId })}
      />
      <SelectField
        label={t('flows.email.category')}
        value={step.category}
        options={[
          { value: 'marketing', label: t('flows.email.marketing') },
          { value: 'transactional', label: t('flows.email.transactional') },
        ]}
        onChange={(category) => set({ category })}
      />
      <p className="flow-help">{surveys.length === 0 ? t('flows.survey.none') : t('flows.survey.help')}</p>
    </div>
  );
}

function AttributeForm({
  step,
  set,
}: {
  readonly step: StepDraft & { type: 'update_attribute' };
  readonly set: (change: Partial<StepDraft>) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="flow-form">
      <TextField
        label={t('flows.attribute.key')}
        value={step.attribute}
        maxLength={100}
        placeholder="winback_sent"
        onChange={(attribute) => set({ attribute })}
      />
      <SelectField
        label={t('flows.attribute.type')}
        value={step.valueType}
        options={[
          { value: 'text', label: t('flows.attribute.text') },
          { value: 'number', label: t('flows.attribute.number') },
          { value: 'boolean', label: t('flows.attribute.boolean') },
          { value: 'null', label: t('flows.attribute.null') },
        ]}
        onChange={(valueType) => set({ valueType, value: valueType === 'boolean' ? 'true' : '' })}
      />
      {step.valueType === 'boolean' ? (
        <SelectField
          label={t('flows.attribute.value')}
          value={step.value === 'false' ? 'false' : 'true'}
          options={[
            { value: 'true', label: t('flows.yes') },
            { value: 'false', label: t('flows.no') },
          ]}
          onChange={(value) => set({ value })}
        />
      ) : step.valueType === 'null' ? null : (
        <TextField
          label={t('flows.attribute.value')}
          type={step.valueType === 'number' ? 'number' : 'text'}
          value={step.value}
          maxLength={1000}
          onChange={(value) => set({ value })}
        />
      )}
    </div>
  );
}

function stepSentence(
  step: StepDraft,
  t: (key: MessageKey, values?: Record<string, string | number>) => string,
  context: GraphContext,
): ReactNode {
  switch (step.type) {
    case 'wait':
      return step.mode === 'time'
        ? t('flows.describe.waitUntil', { time: step.time })
        : t('flows.describe.wait', {
            amount: step.amount,
            unit: t((Number(step.amount) === 1 ? UNIT_NAMES_ONE : UNIT_NAMES)[step.unit]),
          });
    case 'send_email':
      return (
        <>
          {t('flows.describe.send', { subject: step.subject })}
          <span className="flow-badge">
            {t(step.category === 'transactional' ? 'flows.email.transactional' : 'flows.email.marketing')}
          </span>
        </>
      );
    case 'send_survey':
      return (
        <>
          {t('flows.describe.survey', {
            survey:
              context.surveys.find((survey) => survey.id === step.surveyId)?.name ?? `#${step.surveyId}`,
          })}
          <span className="flow-badge">
            {t(step.category === 'transactional' ? 'flows.email.transactional' : 'flows.email.marketing')}
          </span>
        </>
      );
    case 'branch':
      return t('flows.describe.branch', { rule: context.ruleWords(step.rule) });
    case 'update_attribute':
      return t('flows.describe.attribute', {
        key: step.attribute,
        value: step.valueType === 'null' ? '—' : step.value,
      });
    case 'exit':
      return t('flows.describe.exit');
  }
}

function AddStep({
  list,
  context,
  depth,
}: {
  readonly list: { readonly branch: string | null; readonly lane: 'yes' | 'no' | null };
  readonly context: GraphContext;
  readonly depth: number;
}) {
  const { t } = useI18n();
  return (
    <li className="flow-add">
      {STEP_TYPES.filter((type) => type !== 'branch' || depth < MAX_BRANCH_DEPTH).map((type) => (
        <button
          key={type}
          type="button"
          className="button button-quiet button-small"
          disabled={!context.mayAdd}
          onClick={() => context.addStep(list, type)}
        >
          + {t(STEP_NAMES[type])}
          {list.lane !== null && (
            <span className="visually-hidden">
              {' '}
              ({t(list.lane === 'yes' ? 'flows.branch.yes' : 'flows.branch.no')})
            </span>
          )}
        </button>
      ))}
    </li>
  );
}

export function StepList({
  steps,
  context,
  depth,
  prefix,
}: {
  readonly steps: readonly StepDraft[];
  readonly context: GraphContext;
  readonly depth: number;
  /** "2.yes." — where the list is, for names read out. */
  readonly prefix: string;
}) {
  const { t } = useI18n();
  return (
    <>
      {steps.map((step, index) => {
        const label = t('flows.step.label', {
          position: `${prefix}${index + 1}`,
          type: t(STEP_NAMES[step.type]),
        });
        const set = (change: Partial<StepDraft>) =>
          context.changeStep(step.key, (current) => ({ ...current, ...change }) as StepDraft);
        return (
          <li key={step.key} className="flow-node" data-type={step.type} data-step={step.id ?? ''}>
            <section className="flow-card" aria-label={label}>
              <div className="flow-card-head">
                <p className="flow-card-kind">
                  {t(STEP_NAMES[step.type])}
                  {step.id !== null && <span className="flow-step-id">{step.id}</span>}
                </p>
                {context.editable && (
                  <div className="flow-card-actions">
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      disabled={index === 0}
                      aria-label={t('flows.step.up', { step: label })}
                      onClick={() => context.moveStep(step.key, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      disabled={index === steps.length - 1}
                      aria-label={t('flows.step.down', { step: label })}
                      onClick={() => context.moveStep(step.key, 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      aria-label={t('flows.step.remove', { step: label })}
                      onClick={() => context.changeStep(step.key, () => null)}
                    >
                      ×
                    </button>
                  </div>
                )}
              </div>
              {!context.editable || step.type === 'exit' ? (
                <p className="flow-card-text">{stepSentence(step, t, context)}</p>
              ) : step.type === 'wait' ? (
                <WaitForm step={step} set={set} />
              ) : step.type === 'send_email' ? (
                <EmailForm step={step} set={set} mayPreview={context.mayPreview} />
              ) : step.type === 'send_survey' ? (
                <SurveyForm step={step} set={set} surveys={context.surveys} />
              ) : step.type === 'update_attribute' ? (
                <AttributeForm step={step} set={set} />
              ) : null}
              {step.type === 'branch' && context.editable && (
                <BranchRule step={step} context={context} label={label} />
              )}
              <ProblemList problems={context.problems.get(step.key) ?? []} />
              {step.type === 'send_email' && context.testFlowId !== null && (
                <StepTestSend flowId={context.testFlowId} stepId={step.id} unsaved={context.unsaved} />
              )}
            </section>
            {step.type === 'branch' && (
              <div className="flow-branches">
                {(['yes', 'no'] as const).map((lane) => (
                  <div key={lane} className="flow-lane" data-lane={lane}>
                    <p className="flow-lane-title">
                      {t(lane === 'yes' ? 'flows.branch.yes' : 'flows.branch.no')}
                    </p>
                    <ol className="flow-graph">
                      <StepList
                        steps={step[lane]}
                        context={context}
                        depth={depth + 1}
                        prefix={`${prefix}${index + 1}.${t(lane === 'yes' ? 'flows.branch.yesShort' : 'flows.branch.noShort')}.`}
                      />
                      {step[lane].length === 0 && !context.editable && (
                        <li className="flow-node flow-empty">{t('flows.branch.nothing')}</li>
                      )}
                      {context.editable && (
                        <AddStep list={{ branch: step.key, lane }} context={context} depth={depth + 1} />
                      )}
                    </ol>
                  </div>
                ))}
              </div>
            )}
          </li>
        );
      })}
    </>
  );
}

function BranchRule({
  step,
  context,
  label,
}: {
  readonly step: StepDraft & { type: 'branch' };
  readonly context: GraphContext;
  readonly label: string;
}) {
  const { t } = useI18n();
  const builder: BuilderContext = {
    catalogue: context.catalogue,
    segments: context.segments,
    currency: context.currency,
    problems: context.ruleProblems,
    mayAdd: true,
    focusId: null,
    change: (nodeId: string, change: (node: NodeDraft) => NodeDraft | null) =>
      context.changeStep(step.key, (current) =>
        current.type === 'branch' ? { ...current, rule: updateNode(current.rule, nodeId, change) } : current,
      ),
    added: () => undefined,
  };
  return (
    <div className="flow-branch-rule">
      <p className="flow-help">{t('flows.branch.help', { step: label })}</p>
      <RuleGroup group={step.rule} depth={1} position="" context={builder} />
    </div>
  );
}

export { AddStep };
