/**
 * Every visible string, by language: the shell's own texts (en.json, zh-CN.json beside this file)
 * and each page's (pages/<page>/messages/), merged into one table per language. Keeping a page's
 * strings in its folder keeps its texts next to its code; the key prefix names the page
 * (`cohorts.…`), so no two files define one key (i18n.test.ts checks it).
 */
import cohortsEn from '../pages/cohorts/messages/en.json' with { type: 'json' };
import cohortsZh from '../pages/cohorts/messages/zh-CN.json' with { type: 'json' };
import customersEn from '../pages/customers/messages/en.json' with { type: 'json' };
import customersZh from '../pages/customers/messages/zh-CN.json' with { type: 'json' };
import feedbackEn from '../pages/feedback/messages/en.json' with { type: 'json' };
import feedbackZh from '../pages/feedback/messages/zh-CN.json' with { type: 'json' };
import flowsEn from '../pages/flows/messages/en.json' with { type: 'json' };
import flowsZh from '../pages/flows/messages/zh-CN.json' with { type: 'json' };
import helpEn from '../pages/help/messages/en.json' with { type: 'json' };
import helpZh from '../pages/help/messages/zh-CN.json' with { type: 'json' };
import importEn from '../pages/import/messages/en.json' with { type: 'json' };
import importZh from '../pages/import/messages/zh-CN.json' with { type: 'json' };
import loyaltyEn from '../pages/loyalty/messages/en.json' with { type: 'json' };
import loyaltyZh from '../pages/loyalty/messages/zh-CN.json' with { type: 'json' };
import outboxEn from '../pages/outbox/messages/en.json' with { type: 'json' };
import outboxZh from '../pages/outbox/messages/zh-CN.json' with { type: 'json' };
import segmentsEn from '../pages/segments/messages/en.json' with { type: 'json' };
import segmentsZh from '../pages/segments/messages/zh-CN.json' with { type: 'json' };
import settingsEn from '../pages/settings/messages/en.json' with { type: 'json' };
import settingsZh from '../pages/settings/messages/zh-CN.json' with { type: 'json' };
import subscriptionsEn from '../pages/subscriptions/messages/en.json' with { type: 'json' };
import subscriptionsZh from '../pages/subscriptions/messages/zh-CN.json' with { type: 'json' };
import valueEn from '../pages/value/messages/en.json' with { type: 'json' };
import valueZh from '../pages/value/messages/zh-CN.json' with { type: 'json' };
import shellEn from './en.json' with { type: 'json' };
import shellZh from './zh-CN.json' with { type: 'json' };

/** The files per language, in one order; the test checks that no key appears in two of them. */
export const MESSAGE_FILES = {
  en: [
    shellEn,
    cohortsEn,
    customersEn,
    flowsEn,
    helpEn,
    importEn,
    outboxEn,
    feedbackEn,
    loyaltyEn,
    segmentsEn,
    settingsEn,
    subscriptionsEn,
    valueEn,
  ],
  'zh-CN': [
    shellZh,
    cohortsZh,
    customersZh,
    flowsZh,
    helpZh,
    feedbackZh,
    loyaltyZh,
    importZh,
    outboxZh,
    segmentsZh,
    settingsZh,
    subscriptionsZh,
    valueZh,
  ],
} as const;

export const en = {
  ...shellEn,
  ...cohortsEn,
  ...customersEn,
  ...flowsEn,
  ...helpEn,
  ...feedbackEn,
  ...loyaltyEn,
  ...importEn,
  ...outboxEn,
  ...segmentsEn,
  ...settingsEn,
  ...subscriptionsEn,
  ...valueEn,
};

export type MessageKey = keyof typeof en;

export const zhCN: Record<MessageKey, string> = {
  ...shellZh,
  ...cohortsZh,
  ...customersZh,
  ...flowsZh,
  ...helpZh,
  ...feedbackZh,
  ...loyaltyZh,
  ...importZh,
  ...outboxZh,
  ...segmentsZh,
  ...settingsZh,
  ...subscriptionsZh,
  ...valueZh,
};
