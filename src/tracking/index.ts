/** Behaviour tracking, compatible with Segment's HTTP Tracking API (identify, track, batch). */
export { MAX_BATCH_BYTES, MAX_CALL_BYTES, trackingRoutes, writeKeyFromHeader } from './tracking.routes.js';
export {
  IDENTIFY_EVENT_NAME,
  occurredAt,
  PAGE_EVENT_NAME,
  SCREEN_EVENT_NAME,
  type TrackingMessage,
  TrackingService,
  type TrackingServiceOptions,
} from './tracking.service.js';
export { mapTraits } from './traits.js';
