/**
 * Feedback: CSAT, NPS and custom-form surveys, sent to a customer or a segment (and from flow
 * steps: `sendSurvey`), answered through signed links on a public page, the answers with their
 * history, the CSAT / NPS report, the at-risk signal of negative answers, and the log of answers
 * flows' `survey_answered` triggers read (`listAnswerEvents`).
 */
export {
  feedbackJobHandlers,
  requestSegmentSend,
  runSegmentSend,
  type SegmentSendOutcome,
  type SegmentSendPayload,
  SURVEY_SEGMENT_SEND_JOB,
} from './feedback.jobs.js';
export {
  type AnswerEventReader,
  type CustomerSurveySend,
  eraseResponsesOfCustomer,
  latestAnswerEventId,
  listAnswerEvents,
  pruneAnswerEvents,
  type Survey,
  type SurveyAnswerEvent,
  type SurveyResponse,
  type SurveySend,
  surveySendsOfCustomer,
} from './feedback.repository.js';
export { type FeedbackRoutesOptions, feedbackRoutes } from './feedback.routes.js';
export {
  type AfterAnswerLogged,
  createSurvey,
  defaultPublicBaseUrl,
  getSurvey,
  linksOf,
  listResponses,
  listSurveys,
  NEGATIVE_FEEDBACK_WINDOW_DAYS,
  type NegativeFeedbackSignal,
  negativeFeedbackSignal,
  type RecordedAnswer,
  recordAnswer,
  recordStorefrontAnswer,
  resolveSurveyLink,
  type SendSurveyInput,
  type SentSurvey,
  type StorefrontSurvey,
  type SurveyLinks,
  type SurveyMailer,
  sendSurvey,
  storefrontSurvey,
  surveyReport,
} from './feedback.service.js';
export { storefrontSurveyRoutes } from './storefront-survey.routes.js';
export { surveyEmailMailer } from './survey-email.js';
export { rateLimitedSurveyPage, type SurveyPageOptions, surveyPageRoutes } from './survey-page.routes.js';
