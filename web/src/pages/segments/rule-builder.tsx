/**
 * The visual rule editor: groups (all / any / none / not all of their children, nested up to the
 * API's depth) and condition rows — a field picker grouped by family, the operators that field
 * takes, and a value input fitting its type (value-input.tsx). Each row shows its own problems:
 * what is missing, what is out of range, and what the server refused at that path.
 */
import { useEffect, useId, useRef } from 'react';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { FAMILIES, MATCH_NAMES, useRuleWords } from './names';
import {
  type ConditionDraft,
  type FieldCatalogue,
  fieldOf,
  GROUP_MATCHES,
  type GroupDraft,
  type GroupMatch,
  MAX_DEPTH,
  type NodeDraft,
  newCondition,
  newGroup,
  type Operator,
  type Problem,
  withField,
} from './rule-model';
import { type SegmentChoice, ValueInput, WindowInput } from './value-input';

export interface BuilderContext {
  readonly catalogue: FieldCatalogue;
  /** Segments a condition may test membership of (this one left out). */
  readonly segments: readonly SegmentChoice[];
  readonly currency: string;
  readonly problems: ReadonlyMap<string, readonly Problem[]>;
  /** Whether another condition may be added (the API's bound). */
  readonly mayAdd: boolean;
  /** The node to focus once drawn (the one just added). */
  readonly focusId: string | null;
  change(id: string, change: (node: NodeDraft) => NodeDraft | null): void;
  added(id: string): void;
}

const PROBLEM_TEXT: Readonly<Record<Exclude<Problem['code'], 'server'>, MessageKey>> = {
  chooseField: 'segments.problem.chooseField',
  attributeKey: 'segments.problem.attributeKey',
  required: 'segments.problem.required',
  number: 'segments.problem.number',
  whole: 'segments.problem.whole',
  min: 'segments.problem.min',
  max: 'segments.problem.max',
  order: 'segments.problem.order',
  pattern: 'segments.problem.pattern',
  chooseOne: 'segments.problem.chooseOne',
  duration: 'segments.problem.duration',
  windowRange: 'segments.problem.windowRange',
};

/** Problems that only say something is still to be filled in (shown quietly, not as errors). */
const INCOMPLETE: ReadonlySet<Problem['code']> = new Set(['chooseField', 'required', 'chooseOne']);

export function problemText(
  problem: Problem,
  t: (key: MessageKey, values?: Record<string, string | number>) => string,
) {
  if (problem.code === 'server') return t('segments.problem.server', { message: problem.message ?? '' });
  return t(PROBLEM_TEXT[problem.code], problem.values);
}

export function RuleGroup({
  group,
  depth,
  position,
  context,
  onRemove,
}: {
  readonly group: GroupDraft;
  readonly depth: number;
  /** "1.2": where the group is, for names read out by screen readers. */
  readonly position: string;
  readonly context: BuilderContext;
  readonly onRemove?: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const problems = context.problems.get(group.id) ?? [];
  const add = (node: NodeDraft) => {
    context.change(group.id, (current) =>
      current.kind === 'group' ? { ...current, children: [...current.children, node] } : current,
    );
    context.added(node.id);
  };
  const label = depth === 1 ? t('segments.group.root') : t('segments.group.nested', { position });
  // "Customers who match [all] of these conditions": the sentence around the picker, in the
  // language's own order.
  const [sentenceBefore = '', sentenceAfter = ''] = t(
    depth === 1 ? 'segments.group.rootSentence' : 'segments.group.nestedSentence',
  ).split('{match}');
  return (
    <section className="rule-group" data-depth={depth} aria-labelledby={`${id}-label`} data-node={group.id}>
      <div className="rule-group-head">
        <h3 id={`${id}-label`} className="visually-hidden">
          {label}
        </h3>
        <label className="rule-match" htmlFor={`${id}-match`}>
          {sentenceBefore !== '' && <span>{sentenceBefore}</span>}
          <select
            id={`${id}-match`}
            className="select select-compact"
            value={group.match}
            aria-label={t('segments.group.matchLabel', { group: label })}
            onChange={(event) =>
              context.change(group.id, (node) =>
                node.kind === 'group' ? { ...node, match: event.target.value as GroupMatch } : node,
              )
            }
          >
            {GROUP_MATCHES.map((match) => (
              <option key={match} value={match}>
                {t(MATCH_NAMES[match])}
              </option>
            ))}
          </select>
          {sentenceAfter !== '' && <span>{sentenceAfter}</span>}
        </label>
        {onRemove && (
          <button type="button" className="button button-quiet button-small" onClick={onRemove}>
            {t('segments.group.remove')}
            <span className="visually-hidden"> ({label})</span>
          </button>
        )}
      </div>
      {group.children.length === 0 && (
        <p className="rule-empty">
          {group.match === 'all' || group.match === 'none'
            ? t('segments.group.emptyEveryone')
            : t('segments.group.emptyNobody')}
        </p>
      )}
      <ol className="rule-children">
        {group.children.map((child, index) => {
          const childPosition = position === '' ? String(index + 1) : `${position}.${index + 1}`;
          const remove = () => context.change(child.id, () => null);
          return (
            <li key={child.id} className="rule-child">
              {index > 0 && (
                <span className="rule-joiner" aria-hidden="true">
                  {group.match === 'any' || group.match === 'none'
                    ? t('segments.joiner.or')
                    : t('segments.joiner.and')}
                </span>
              )}
              {child.kind === 'group' ? (
                <RuleGroup
                  group={child}
                  depth={depth + 1}
                  position={childPosition}
                  context={context}
                  onRemove={remove}
                />
              ) : (
                <ConditionRow
                  condition={child}
                  position={childPosition}
                  context={context}
                  onRemove={remove}
                />
              )}
            </li>
          );
        })}
      </ol>
      {problems.length > 0 && (
        <ul className="condition-problems">
          {problems.map((problem) => (
            <li
              key={`${problem.part}|${problem.code}|${problem.message ?? ''}`}
              className="condition-problem"
              data-tone="error"
            >
              {problemText(problem, t)}
            </li>
          ))}
        </ul>
      )}
      <div className="rule-group-actions">
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={!context.mayAdd}
          onClick={() => add(newCondition())}
        >
          {t('segments.group.addCondition')}
          <span className="visually-hidden"> ({label})</span>
        </button>
        {depth < MAX_DEPTH && (
          <button
            type="button"
            className="button button-quiet button-small"
            disabled={!context.mayAdd}
            onClick={() => add(newGroup(group.match === 'all' ? 'any' : 'all', [newCondition()]))}
          >
            {t('segments.group.addGroup')}
            <span className="visually-hidden"> ({label})</span>
          </button>
        )}
      </div>
    </section>
  );
}

function ConditionRow({
  condition,
  position,
  context,
  onRemove,
}: {
  readonly condition: ConditionDraft;
  readonly position: string;
  readonly context: BuilderContext;
  readonly onRemove: () => void;
}) {
  const { t } = useI18n();
  const words = useRuleWords();
  const id = useId();
  const fieldRef = useRef<HTMLSelectElement>(null);
  const { catalogue } = context;
  const field = fieldOf(catalogue, condition.field);
  const problems = context.problems.get(condition.id) ?? [];
  const partProblems = (part: Problem['part']) => problems.filter((problem) => problem.part === part);
  const problemId = `${id}-problems`;
  const describedBy = problems.length > 0 ? problemId : undefined;
  const invalid = (part: Problem['part']) =>
    partProblems(part).some((problem) => !INCOMPLETE.has(problem.code)) ? true : undefined;
  const change = (next: (draft: ConditionDraft) => ConditionDraft) =>
    context.change(condition.id, (node) => (node.kind === 'condition' ? next(node) : node));
  const label = t('segments.condition.label', { position });

  useEffect(() => {
    if (context.focusId === condition.id) fieldRef.current?.focus();
  }, [context.focusId, condition.id]);

  if (condition.raw !== undefined) {
    return (
      <fieldset className="condition" data-node={condition.id}>
        <legend className="visually-hidden">{label}</legend>
        <p className="condition-raw">
          {t('segments.condition.unknown')} <code>{JSON.stringify(condition.raw)}</code>
        </p>
        <button type="button" className="button button-quiet button-small" onClick={onRemove}>
          {t('segments.condition.remove')}
          <span className="visually-hidden"> ({label})</span>
        </button>
      </fieldset>
    );
  }

  const byFamily = FAMILIES.map((family) => ({
    family,
    fields: catalogue.fields.filter((entry) => entry.family === family),
  }));
  const others = catalogue.fields.filter((entry) => !(FAMILIES as readonly string[]).includes(entry.family));

  return (
    <fieldset
      className="condition"
      data-node={condition.id}
      data-field={condition.field}
      aria-describedby={describedBy}
    >
      <legend className="visually-hidden">{label}</legend>
      <div className="condition-parts">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-field`}>
            {t('segments.condition.field')}
          </label>
          <select
            ref={fieldRef}
            id={`${id}-field`}
            className="select"
            value={condition.field}
            aria-invalid={invalid('field')}
            aria-describedby={describedBy}
            onChange={(event) => change((draft) => withField(catalogue, draft, event.target.value))}
          >
            <option value="" disabled>
              {t('segments.condition.chooseField')}
            </option>
            {[...byFamily, { family: 'other', fields: others }]
              .filter((group) => group.fields.length > 0)
              .map((group) => (
                <optgroup
                  key={group.family}
                  label={group.family === 'other' ? t('segments.family.other') : words.family(group.family)}
                >
                  {group.fields.map((entry) => (
                    <option key={entry.name} value={entry.name}>
                      {words.field(entry.name)}
                    </option>
                  ))}
                </optgroup>
              ))}
          </select>
        </div>
        {field?.kind === 'attribute' && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-key`}>
              {t('segments.condition.attributeKey')}
            </label>
            <input
              id={`${id}-key`}
              className="input input-medium"
              value={condition.attributeKey}
              maxLength={100}
              autoComplete="off"
              placeholder={t('segments.condition.attributeKey.placeholder')}
              aria-invalid={invalid('field')}
              aria-describedby={describedBy}
              onChange={(event) => change((draft) => ({ ...draft, attributeKey: event.target.value }))}
            />
          </div>
        )}
        {field?.kind === 'event_count' && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-event`}>
              {t('segments.condition.event')}
            </label>
            <input
              id={`${id}-event`}
              className="input input-medium"
              value={condition.event}
              maxLength={500}
              autoComplete="off"
              placeholder="Order Completed"
              aria-invalid={invalid('event')}
              aria-describedby={describedBy}
              onChange={(event) => change((draft) => ({ ...draft, event: event.target.value }))}
            />
          </div>
        )}
        {field && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-op`}>
              {t('segments.condition.operator')}
            </label>
            <select
              id={`${id}-op`}
              className="select"
              value={condition.op}
              aria-invalid={invalid('op')}
              aria-describedby={describedBy}
              onChange={(event) => change((draft) => ({ ...draft, op: event.target.value as Operator }))}
            >
              {field.operators.map((op) => (
                <option key={op} value={op}>
                  {words.operator(op)}
                </option>
              ))}
            </select>
          </div>
        )}
        {field && (
          <ValueInput
            condition={condition}
            field={field}
            segments={context.segments}
            currency={context.currency}
            invalid={invalid('value') === true}
            describedBy={describedBy}
            onChange={(value) => change((draft) => ({ ...draft, value }))}
          />
        )}
        {field?.window && (
          <WindowInput
            window={condition.window}
            invalid={invalid('window') === true}
            describedBy={describedBy}
            onChange={(window) => change((draft) => ({ ...draft, window }))}
          />
        )}
        <button
          type="button"
          className="button button-quiet button-small condition-remove"
          onClick={onRemove}
        >
          <span aria-hidden="true">×</span>
          <span className="visually-hidden">{t('segments.condition.removeLabel', { condition: label })}</span>
        </button>
      </div>
      {problems.length > 0 && (
        <ul id={problemId} className="condition-problems">
          {problems.map((problem) => (
            <li
              key={`${problem.part}|${problem.code}|${problem.message ?? ''}`}
              className="condition-problem"
              data-tone={INCOMPLETE.has(problem.code) ? 'incomplete' : 'error'}
              data-part={problem.part}
            >
              {problemText(problem, t)}
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
