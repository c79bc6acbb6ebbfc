/**
 * `core/feedback`: satisfaction figures (CSAT, NPS; metrics.md §8), survey definitions with the
 * validation of an answer, and the feedback report over survey sends.
 */
export {
  type FeedbackFigures,
  type FeedbackReport,
  type FeedbackReportOptions,
  type FeedbackReportRow,
  type FeedbackSeriesPoint,
  feedbackFigures,
  feedbackReport,
} from './feedback-report.js';
export {
  type AnswerIssue,
  isRatedKind,
  type QuestionType,
  ratingRange,
  SURVEY_LIMITS,
  type SurveyAnswer,
  type SurveyAnswerInput,
  type SurveyDefinition,
  type SurveyQuestion,
  validateSurveyAnswer,
} from './survey-answer.js';
export {
  CSAT_SATISFIED_FROM,
  type CsatFigure,
  type CsatScale,
  csatScore,
  isNegativeAnswer,
  isSatisfied,
  type NpsCategory,
  type NpsFigure,
  netPromoterScore,
  npsCategory,
  RATING_RANGES,
  type RatedAnswer,
  type SurveyKind,
} from './survey-metrics.js';
