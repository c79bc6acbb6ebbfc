/**
 * Flows: automated journeys a trigger starts for a customer — an event tracked, a segment entered
 * or left, a date relative to the customer, a scheduled campaign — through wait, branch, e-mail,
 * attribute and exit steps, advanced by the durable job queue; every flow has a deterministic
 * holdout, and its report measures the uplift over it (docs/metrics.md §9). The API.
 */

export {
  afterSegmentRecompute,
  afterSurveyAnswerLogged,
  FLOW_IDLE_TICK_MS,
  FLOW_LOG_PRUNE_EVERY_MS,
  FLOW_LOG_PRUNE_JOB,
  FLOW_TICK_JOB,
  type FlowLogPruneSweeps,
  flowLogPruneJobHandler,
  flowTickJobHandler,
  requestDueFlowLogPruning,
  requestFlowLogPruning,
  requestFlowTick,
  requestFlowTickAfterSegmentChange,
  requestFlowTickAfterSurveyAnswer,
  requestFlowTickThrottled,
  startFlowLogPruneSweeps,
} from './flow.jobs.js';
export type { Flow, FlowRun } from './flow.repository.js';
export { type FlowRoutesOptions, flowRoutes } from './flow.routes.js';
export {
  activateFlow,
  createFlow,
  deactivateFlow,
  type FlowReport,
  getFlow,
  getFlowReport,
  listFlowRuns,
  listWorkspaceFlows,
  type StepTestEmail,
  sendStepTestEmail,
  type TemplateCheck,
  updateFlow,
} from './flow.service.js';
export {
  compileProgram,
  DEFAULT_HOLDOUT_PERCENT,
  DEFAULT_HORIZON_DAYS,
  type FlowDefinition,
  type FlowStep,
  parseFlowDefinition,
} from './flow-definition.js';
export type {
  FlowEffects,
  FlowEmail,
  FlowEmailCounts,
  FlowEmailOutcome,
  FlowEmailResult,
} from './flow-effects.js';
export { enterCustomers, runFlowTick, type TickOutcome } from './flow-engine.js';
export {
  FLOW_LOG_MAX_AGE_MS,
  FLOW_LOG_PRUNE_BATCH,
  FLOW_LOG_PRUNE_BATCHES,
  FLOW_LOG_RETENTION_MS,
  type FlowLogPruneOutcome,
  pruneFlowLogs,
} from './flow-log-pruning.js';
export { productionFlowEffects, productionTemplateCheck } from './flow-production.js';
export {
  flowTriggerNames,
  forgetFlowTriggerNames,
  isCachedTriggerName,
  recordFlowTriggers,
  TRIGGER_NAMES_TTL_MS,
} from './flow-triggers.js';
