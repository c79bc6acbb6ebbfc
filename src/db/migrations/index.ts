import type { Migration, MigrationProvider } from 'kysely';
import { INITIAL_TABLES, initialMigration } from './001-initial.js';
import { importsMigration } from './002-imports.js';
import { integerKeysMigration } from './003-integer-keys.js';
import { IDENTITY_TABLES, identitiesMigration } from './004-identities.js';
import { SESSION_GRANT_TABLES, sessionGrantsMigration } from './005-session-grants.js';
import { CUSTOMER_SCORE_TABLES, customerScoresMigration } from './006-customer-scores.js';
import { SEGMENT_TABLES, segmentsMigration } from './007-segments.js';
import { ANALYTICS_VERSION_TABLES, analyticsVersionsMigration } from './008-analytics-versions.js';
import { orderDaysIndexMigration } from './009-order-days-index.js';
import { EMAIL_TABLES, emailMigration } from './010-email.js';
import { FLOW_TABLES, flowsMigration } from './011-flows.js';
import { LOYALTY_TABLES, loyaltyMigration } from './012-loyalty.js';
import { HELP_TABLES, helpCentreMigration } from './013-help-centre.js';
import { FEEDBACK_TABLES, feedbackMigration } from './014-feedback.js';
import { flowTriggerEventsMigration } from './016-flow-trigger-events.js';
import { LOYALTY_TIER_TABLES, loyaltyTiersMigration } from './017-loyalty-tiers.js';
import { SURVEY_ANSWER_EVENT_TABLES, surveyAnswerEventsMigration } from './019-survey-answer-events.js';
import { segmentEventWorkspaceIdMigration } from './020-segment-event-workspace-id.js';

/**
 * Every migration, by name, in code (not read from disk), so that the compiled `dist/` runs them
 * without the source tree. Names sort in the order they must run; never rename or edit a shipped
 * migration: add the next one.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '001_initial': initialMigration,
  '002_imports': importsMigration,
  '003_integer_keys': integerKeysMigration,
  '004_identities': identitiesMigration,
  '005_session_grants': sessionGrantsMigration,
  '006_customer_scores': customerScoresMigration,
  '007_segments': segmentsMigration,
  '008_analytics_versions': analyticsVersionsMigration,
  '009_order_days_index': orderDaysIndexMigration,
  '010_email': emailMigration,
  '011_flows': flowsMigration,
  '012_loyalty': loyaltyMigration,
  '013_help_centre': helpCentreMigration,
  '014_feedback': feedbackMigration,
  '016_flow_trigger_events': flowTriggerEventsMigration,
  '017_loyalty_tiers': loyaltyTiersMigration,
  '019_survey_answer_events': surveyAnswerEventsMigration,
  '020_segment_event_workspace_id': segmentEventWorkspaceIdMigration,
};

/** A Kysely `MigrationProvider` over `migrations`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};

/**
 * Every table, parents before children (foreign-key order): what a copy between stores
 * (`retain migrate-data`) follows. A migration that adds a table appends it here.
 */
export const TABLES_IN_DEPENDENCY_ORDER: readonly string[] = [
  ...INITIAL_TABLES,
  'import_run',
  ...IDENTITY_TABLES,
  ...SESSION_GRANT_TABLES,
  ...CUSTOMER_SCORE_TABLES,
  ...SEGMENT_TABLES,
  ...ANALYTICS_VERSION_TABLES,
  ...EMAIL_TABLES,
  ...FLOW_TABLES,
  ...LOYALTY_TABLES,
  ...HELP_TABLES,
  ...FEEDBACK_TABLES,
  ...LOYALTY_TIER_TABLES,
  ...SURVEY_ANSWER_EVENT_TABLES,
];
