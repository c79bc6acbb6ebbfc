/**
 * Segments: saved rule trees over customers' profiles, purchases, engagement, predictions and
 * subscriptions, compiled to SQL; their live membership, recomputed by a job when data changes and
 * on a schedule, with the `segment.entered` / `segment.exited` events flows trigger on; the API.
 */

export {
  type AfterRecompute,
  RECOMPUTE_EVERY_MS,
  requestRecomputeAfterChange,
  requestSegmentRecompute,
  requestSegmentRecomputeThrottled,
  SEGMENT_RECOMPUTE_JOB,
  type SegmentRecomputePayload,
  segmentJobHandlers,
  segmentJobHandlersWith,
  TRACKING_RECOMPUTE_DELAY_MS,
} from './segment.jobs.js';
export {
  type CustomerSegmentMembership,
  currentMemberIds,
  hasSegmentEvents,
  listSegmentEvents,
  pruneSegmentEvents,
  type Segment,
  type SegmentEvent,
  type SegmentEventReader,
  segmentsOfCustomer,
} from './segment.repository.js';
export { segmentRoutes } from './segment.routes.js';
export {
  createSegment,
  deleteSegment,
  getSegment,
  listSegmentMembers,
  previewSegment,
  updateSegment,
} from './segment.service.js';
export { type FieldDefinition, listFields, OPERATORS, type Operator } from './segment-fields.js';
export { customersMatchingRule, MAX_MATCH_CUSTOMERS } from './segment-match.js';
export { type RecomputeOutcome, recomputeSegment, recomputeWorkspaceSegments } from './segment-recompute.js';
export { formatRulePath, type ParsedRule, parseSegmentRule } from './segment-rule.js';
