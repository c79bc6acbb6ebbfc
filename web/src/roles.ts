/**
 * What each role may see, mirroring the API's role checks (docs/api.md): owners and admins pass
 * every check; the analytics need analyst or marketer; imports analyst. The dashboard hides what
 * the API would refuse, and the API still enforces it.
 */
import type { Role } from './api';

export type Capability =
  | 'analytics'
  | 'imports'
  | 'settings'
  | 'customers'
  | 'exportCustomers'
  | 'segments'
  | 'flows'
  | 'writeFlows'
  | 'email'
  | 'helpCentre'
  | 'feedback'
  | 'loyalty'
  | 'loyaltySettings'
  | 'loyaltyAdjust'
  | 'writePromotions'
  | 'sendSurveys';

const ALLOWED: Readonly<Record<Capability, readonly Role[]>> = {
  analytics: ['analyst', 'marketer'],
  imports: ['analyst'],
  settings: [],
  // Every role reads customers; agents do not export lists (customers/customer-export.ts).
  customers: ['analyst', 'marketer', 'agent'],
  exportCustomers: ['analyst', 'marketer'],
  // Segments are for campaigns and analysis; agents work one customer at a time (segment.routes.ts).
  segments: ['analyst', 'marketer'],
  // Analysts read flows and their reports; marketers (and owners, admins) change them (flow.routes.ts).
  flows: ['analyst', 'marketer'],
  writeFlows: ['marketer'],
  // The outbox and template previews: marketers (and owners, admins), as email.routes.ts.
  email: ['marketer'],
  // Marketers and agents write the help centre; analysts read it and its report (help.routes.ts).
  helpCentre: ['analyst', 'marketer', 'agent'],
  // Surveys, their answers and the report (feedback.routes.ts): agents are refused.
  feedback: ['analyst', 'marketer'],
  // Every role reads the programme, its report, promotions and points (loyalty.routes.ts).
  loyalty: ['analyst', 'marketer', 'agent'],
  // The programme's rules: owners and admins only.
  loyaltySettings: [],
  // Manual adjustments (and redemptions): marketers and agents (and owners, admins).
  loyaltyAdjust: ['marketer', 'agent'],
  // Promotions and their codes: marketers (and owners, admins) (coupon.routes.ts).
  writePromotions: ['marketer'],
  // Creating and sending surveys: marketers (and owners, admins), as feedback.routes.ts.
  sendSurveys: ['marketer'],
};

export function can(role: Role, capability: Capability): boolean {
  return role === 'owner' || role === 'admin' || ALLOWED[capability].includes(role);
}
