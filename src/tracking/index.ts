/** Behaviour tracking, compatible with Segment's HTTP Tracking API (identify, track, page, screen, group, alias, batch, import). */
export { MAX_BATCH_BYTES, MAX_CALL_BYTES, trackingRoutes, writeKeyFromHeader } from './tracking.routes.js';
export { parseInstant } from './tracking.schemas.js';
export {
  ALIAS_EVENT_NAME,
  GROUP_EVENT_NAME,
  IDENTIFY_EVENT_NAME,
  type IngestResult,
  occurredAt,
  PAGE_EVENT_NAME,
  SCREEN_EVENT_NAME,
  type TrackingMessage,
  TrackingService,
  type TrackingServiceOptions,
} from './tracking.service.js';
export { mapTraits } from './traits.js';
