/** The words of the API's codes on the Customers pages: RFM segments and risk bands. */
import type { MessageKey } from '../../i18n/i18n';
import type { RiskBand, Segment } from './list-state';

export const SEGMENT_NAMES: Readonly<Record<Segment, MessageKey>> = {
  champions: 'customers.segment.champions',
  loyal_customers: 'customers.segment.loyal_customers',
  potential_loyalists: 'customers.segment.potential_loyalists',
  new_customers: 'customers.segment.new_customers',
  promising: 'customers.segment.promising',
  need_attention: 'customers.segment.need_attention',
  about_to_sleep: 'customers.segment.about_to_sleep',
  at_risk: 'customers.segment.at_risk',
  cant_lose_them: 'customers.segment.cant_lose_them',
  hibernating: 'customers.segment.hibernating',
};

export const BAND_NAMES: Readonly<Record<RiskBand, MessageKey>> = {
  low: 'customers.risk.low',
  medium: 'customers.risk.medium',
  high: 'customers.risk.high',
};

/** The message key of a segment code, or null for a code this dashboard does not know. */
export function segmentName(segment: string): MessageKey | null {
  return (SEGMENT_NAMES as Record<string, MessageKey>)[segment] ?? null;
}
