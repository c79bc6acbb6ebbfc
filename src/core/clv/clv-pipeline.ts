/**
 * The whole CLV analysis — what `retain clv` prints — from customer summaries to a typed,
 * JSON-ready result: the transaction model (one, or the best of three on a holdout), Gamma-Gamma
 * on the spend, and each customer's P(alive), expected purchases, expected order value and CLV.
 */
import type { OrderTable } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { type CoreIssue, fail, ok, type Result } from '../result.js';
import { LocalDayMapper } from '../time/periods.js';
import { DAYS_PER_MONTH } from '../time/units.js';
import { BgNbd } from './bg-nbd.js';
import { DEFAULT_FIT_SAMPLE_CUSTOMERS, type FitSample, fitSampleRows, sampleSummary } from './fit-sample.js';
import { GammaGamma } from './gamma-gamma.js';
import {
  evaluateHoldout,
  type FrequencyBucket,
  type HoldoutEvaluation,
  selectModel,
  type TransactionModelName,
} from './holdout.js';
import { customerLifetimeValue } from './lifetime-value.js';
import { MbgNbd } from './mbg-nbd.js';
import { ParetoNbd } from './pareto-nbd.js';
import { type CustomerSummaryColumns, summarizeColumns } from './summarize.js';
import type { SummaryColumns } from './summary-columns.js';
import type { TransactionModel } from './transaction-model.js';

/** A transaction model, or `auto`: the one with the lowest holdout error. */
export type ClvModelChoice = TransactionModelName | 'auto';

/** Per-customer summaries, and whether their `monetary` column holds real spend. */
export type ClvSummaries = CustomerSummaryColumns & { readonly monetaryKnown: boolean };

/** One customer of the analysis; money in currency units. */
export interface ClvCustomer {
  readonly id: string;
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
  readonly monetary: number | null;
  readonly pAlive: number;
  readonly expectedPurchases: number;
  readonly expectedAverageValue: number | null;
  readonly clv: number | null;
}

/** The CLV analysis (docs/models.md); every field but `holdoutByFrequency` is `retain clv --json`. */
export interface ClvAnalysis {
  readonly model: TransactionModelName;
  readonly params: Readonly<Record<string, number>>;
  readonly logLikelihood: number;
  readonly timeUnit: 'day' | 'week';
  readonly predictT: number;
  /**
   * γ in currency units (the fit runs in cents); the repeat customers it was fitted on and the
   * correlation of their frequency and mean spend (the model assumes none; metrics.md §5).
   */
  readonly gammaGamma: {
    readonly p: number;
    readonly q: number;
    readonly gamma: number;
    readonly repeatCustomers: number;
    readonly frequencyMonetaryCorrelation: number | null;
  } | null;
  readonly warnings: string[];
  readonly holdout: {
    readonly length: number;
    readonly customers: number;
    readonly actual: number;
    readonly predicted: number;
    readonly mae: number;
    readonly rmse: number;
  } | null;
  /** With model `auto`: every candidate's holdout MAE, or why it could not be fitted. */
  readonly selection?: {
    readonly model: TransactionModelName;
    readonly mae: number | null;
    readonly error?: string;
  }[];
  readonly customers: ClvCustomer[];
  /** The customers the models were fitted on (all of them up to `maxFitCustomers`). */
  readonly fitSample: FitSample;
  /** Actual and predicted holdout purchases by calibration frequency (FHL 2005 Figure 4); null without a holdout. */
  readonly holdoutByFrequency: readonly FrequencyBucket[] | null;
}

export interface ClvAnalysisOptions {
  /** Default `bgnbd`. `auto` needs a holdout. */
  readonly model?: ClvModelChoice;
  /** The unit of the summaries' recency and T. */
  readonly timeUnit: 'day' | 'week';
  /** Holdout length in `timeUnit`s, when the summaries carry `holdoutFrequency`. */
  readonly holdoutLength?: number | null;
  /** Horizon of `expectedPurchases`, in `timeUnit`s: default the holdout length, else 12 months. */
  readonly predictT?: number;
  /** CLV horizon H (default 12), monthly discount rate d (default 0.01), margin (default 1) — metrics.md §5. */
  readonly horizonMonths?: number;
  readonly monthlyDiscountRate?: number;
  readonly margin?: number;
  /** L2 penalty of the transaction-model fits (default 0). */
  readonly penalizer?: number;
  /**
   * The models are fitted (and, with `auto`, compared) on at most this many customers, a
   * deterministic sample (`fitSampleRows`); every customer is predicted. Default
   * `DEFAULT_FIT_SAMPLE_CUSTOMERS` (50,000).
   */
  readonly maxFitCustomers?: number;
}

/** A fit that failed: which one (`bgnbd`, `every candidate model`, `Gamma-Gamma`…) and why. */
export interface ClvFitFailure {
  readonly fit: string;
  readonly issue: CoreIssue;
}

function fitModel(name: TransactionModelName, summaries: SummaryColumns, options: { penalizer?: number }) {
  switch (name) {
    case 'bgnbd':
      return BgNbd.fit(summaries, options);
    case 'mbgnbd':
      return MbgNbd.fit(summaries, options);
    case 'paretonbd':
      return ParetoNbd.fit(summaries, options);
  }
}

/**
 * The summaries `analyzeClv` takes, from orders: `summarizeColumns` with the calibration ending on
 * the local day of `calibrationEnd` (inclusive) and, with `observationEnd`, the holdout through
 * its day, whose length in `timeUnit`s is the number of whole local days between the two / 7 for
 * weeks. O(n). Throws a RangeError when `observationEnd` is not on a later day.
 *
 * @example clvSummaries(orders, { calibrationEnd: Date.UTC(1997, 8, 30), observationEnd: Date.UTC(1998, 5, 30), timeUnit: 'week' })
 * // holdoutLength 273 / 7 = 39 weeks
 */
export function clvSummaries(
  orders: OrderTable,
  options: {
    readonly calibrationEnd: number;
    readonly observationEnd?: number;
    readonly timeUnit: 'day' | 'week';
    readonly timeZone?: string;
  },
): { readonly summaries: ClvSummaries; readonly holdoutLength: number | null } {
  const timeZone = options.timeZone ?? 'UTC';
  const { calibrationEnd, observationEnd, timeUnit } = options;
  if (observationEnd !== undefined && !(observationEnd > calibrationEnd))
    throw new InvalidInputError('observationEnd must be after calibrationEnd');
  const summaries: ClvSummaries = {
    ...summarizeColumns(orders, {
      calibrationEnd,
      timeUnit,
      timeZone,
      ...(observationEnd === undefined ? {} : { observationEnd }),
    }),
    monetaryKnown: true,
  };
  if (observationEnd === undefined) return { summaries, holdoutLength: null };
  const days = new LocalDayMapper(timeZone);
  const holdoutDays = days.dayNumber(observationEnd) - days.dayNumber(calibrationEnd);
  return { summaries, holdoutLength: holdoutDays / (timeUnit === 'week' ? 7 : 1) };
}

/**
 * Customer lifetime value from per-customer summaries (metrics.md §5, docs/models.md): fits the
 * transaction model — `model`, or with `auto` each of BG/NBD, MBG/NBD and Pareto/NBD, keeping the
 * lowest holdout MAE (`selectModel`) —, scores it on the holdout when there is one, fits
 * Gamma-Gamma on the repeat spend when the summaries have spend, and gives every customer their
 * P(alive), expected purchases over `predictT`, expected order value and CLV. A data set without
 * repeat spend gets no CLV, with a warning.
 *
 * Expected failures (`ClvFitFailure`): a fit that does not converge or is degenerate. Throws a
 * RangeError for `auto` without a holdout.
 *
 * The fits (and `auto`'s comparison) use at most `maxFitCustomers` customers, the deterministic
 * sample of `fitSampleRows` (all of them below the cap); `fitSample` says how many.
 *
 * Complexity: the fits (milliseconds on compressed summaries, on at most `maxFitCustomers`
 * customers) plus O(c) predictions.
 *
 * @example analyzeClv(summaries, { timeUnit: 'week', holdoutLength: 39, model: 'auto' }) // ok: { model: 'paretonbd', … } on CDNOW
 */
export function analyzeClv(
  summaries: ClvSummaries,
  options: ClvAnalysisOptions,
): Result<ClvAnalysis, ClvFitFailure> {
  const modelChoice = options.model ?? 'bgnbd';
  const { timeUnit } = options;
  const holdoutLength = options.holdoutLength ?? null;
  const daysPerUnit = timeUnit === 'week' ? 7 : 1;
  if (modelChoice === 'auto' && holdoutLength === null)
    throw new InvalidInputError('model auto picks the model by its holdout error: it needs a holdout');
  if (holdoutLength !== null && !summaries.holdoutFrequency)
    throw new InvalidInputError('a holdout length needs summaries with holdoutFrequency');
  const predictT = options.predictT ?? holdoutLength ?? (12 * DAYS_PER_MONTH) / daysPerUnit;
  const fitOptions =
    options.penalizer !== undefined && options.penalizer > 0 ? { penalizer: options.penalizer } : {};
  const maxFitCustomers = options.maxFitCustomers ?? DEFAULT_FIT_SAMPLE_CUSTOMERS;
  if (!(Number.isSafeInteger(maxFitCustomers) && maxFitCustomers >= 1))
    throw new InvalidInputError(`maxFitCustomers must be a whole number ≥ 1, got ${maxFitCustomers}`);
  // The fits read the sample; predictions, the holdout evaluation and warnings cover everyone.
  const fitted = sampleSummary(summaries, fitSampleRows(summaries.ids, maxFitCustomers));

  // The transaction model.
  let model: TransactionModel;
  let modelName: TransactionModelName;
  let holdout: HoldoutEvaluation | null = null;
  let selection: ClvAnalysis['selection'];
  if (modelChoice === 'auto') {
    const fitters = {
      bgnbd: (data: SummaryColumns) => BgNbd.fit(data, fitOptions),
      mbgnbd: (data: SummaryColumns) => MbgNbd.fit(data, fitOptions),
      paretonbd: (data: SummaryColumns) => ParetoNbd.fit(data, fitOptions),
    };
    const holdoutColumns = { ...fitted, holdoutFrequency: fitted.holdoutFrequency! };
    const selected = selectModel(holdoutColumns, holdoutLength!, ['bgnbd', 'mbgnbd', 'paretonbd'], {
      fitters: fitters as never,
    });
    if (!selected.ok) return fail({ fit: 'every candidate model', issue: selected.error });
    model = selected.value.best.model;
    modelName = selected.value.best.name;
    holdout =
      fitted === summaries
        ? selected.value.best.evaluation
        : evaluateHoldout(
            model,
            { ...summaries, holdoutFrequency: summaries.holdoutFrequency! },
            holdoutLength!,
          );
    selection = selected.value.candidates.map((candidate) =>
      candidate.ok
        ? { model: candidate.name, mae: candidate.evaluation.mae }
        : { model: candidate.name, mae: null, error: candidate.error.message },
    );
  } else {
    modelName = modelChoice;
    const fit = fitModel(modelChoice, fitted, fitOptions);
    if (!fit.ok) return fail({ fit: modelChoice, issue: fit.error });
    model = fit.value;
    if (holdoutLength !== null) {
      holdout = evaluateHoldout(
        model,
        { ...summaries, holdoutFrequency: summaries.holdoutFrequency! },
        holdoutLength,
      );
    }
  }

  // The spend model, when the data has spend.
  let gammaGamma: GammaGamma | null = null;
  const warnings: string[] = [];
  const spenders = repeatSpenders(summaries);
  const fittedSpenders = fitted === summaries ? spenders : repeatSpenders(fitted);
  if (summaries.monetaryKnown && fittedSpenders.length > 0) {
    const spendFit = GammaGamma.fit(fittedSpenders);
    if (!spendFit.ok) return fail({ fit: 'Gamma-Gamma', issue: spendFit.error });
    gammaGamma = spendFit.value;
    if (spenders.freeRepeaters > 0) {
      warnings.push(
        `${spenders.freeRepeaters} repeat ${spenders.freeRepeaters === 1 ? 'customer whose repeat purchases were' : 'customers whose repeat purchases were all'} free ${spenders.freeRepeaters === 1 ? 'was' : 'were'} left out of the Gamma-Gamma fit (a mean spend of 0 says nothing about spend); ${spenders.freeRepeaters === 1 ? 'its' : 'their'} expected value comes from the fitted population.`,
      );
    }
    warnings.push(...gammaGamma.warnings.map((warning) => warning.message));
  } else {
    warnings.push(
      summaries.monetaryKnown
        ? 'No repeat customer with a positive spend: no Gamma-Gamma model, no CLV.'
        : 'The summary has no monetary_value column: no Gamma-Gamma model, no CLV.',
    );
  }

  const clv = gammaGamma
    ? customerLifetimeValue(model, gammaGamma, summaries, {
        horizonMonths: options.horizonMonths ?? 12,
        monthlyDiscountRate: options.monthlyDiscountRate ?? 0.01,
        margin: options.margin ?? 1,
        timeUnit,
      })
    : null;
  const customers: ClvCustomer[] = [];
  for (let index = 0; index < summaries.length; index++) {
    const frequency = summaries.frequency[index]!;
    const recency = summaries.recency[index]!;
    const T = summaries.T[index]!;
    const monetaryCents = summaries.monetary[index]!;
    customers.push({
      id: summaries.ids[index]!,
      frequency,
      recency,
      T,
      monetary: summaries.monetaryKnown ? monetaryCents / 100 : null,
      pAlive: model.probabilityAlive(frequency, recency, T),
      expectedPurchases: model.conditionalExpectedPurchases(predictT, frequency, recency, T),
      expectedAverageValue: gammaGamma
        ? gammaGamma.conditionalExpectedAverageValue(frequency, monetaryCents) / 100
        : null,
      clv: clv ? clv[index]! / 100 : null,
    });
  }

  return ok({
    model: modelName,
    params: { ...model.params },
    logLikelihood: model.logLikelihood,
    timeUnit,
    predictT,
    // γ is a scale in the money unit: the fit ran in cents, so γ / 100 is in currency units.
    gammaGamma: gammaGamma
      ? {
          p: gammaGamma.params.p,
          q: gammaGamma.params.q,
          gamma: gammaGamma.params.gamma / 100,
          repeatCustomers: gammaGamma.repeatCustomers,
          frequencyMonetaryCorrelation: gammaGamma.frequencyMonetaryCorrelation,
        }
      : null,
    warnings,
    holdout:
      holdout === null
        ? null
        : {
            length: holdoutLength!,
            customers: holdout.customers,
            actual: holdout.actual,
            predicted: holdout.predicted,
            mae: holdout.mae,
            rmse: holdout.rmse,
          },
    ...(selection ? { selection } : {}),
    customers,
    fitSample: { customers: fitted.length, of: summaries.length },
    holdoutByFrequency: holdout === null ? null : holdout.byFrequency,
  });
}

/**
 * The repeat customers with a positive mean repeat spend — those the Gamma-Gamma likelihood is
 * defined for (Fader, Hardie & Lee 2005, "RFM and CLV", §2: spend per transaction is Gamma, so
 * positive) — and how many repeat customers were left out for spending nothing on repeat orders.
 * O(n).
 */
function repeatSpenders(summaries: CustomerSummaryColumns) {
  let length = 0;
  let freeRepeaters = 0;
  for (let index = 0; index < summaries.length; index++) {
    if (!(summaries.frequency[index]! > 0)) continue;
    if (summaries.monetary[index]! > 0) length++;
    else freeRepeaters++;
  }
  const frequency = new Float64Array(length);
  const monetary = new Float64Array(length);
  for (let index = 0, next = 0; index < summaries.length; index++) {
    if (!(summaries.frequency[index]! > 0 && summaries.monetary[index]! > 0)) continue;
    frequency[next] = summaries.frequency[index]!;
    monetary[next] = summaries.monetary[index]!;
    next++;
  }
  // Gamma-Gamma reads only frequency and monetary; recency and T are not used.
  return { length, frequency, recency: frequency, T: frequency, monetary, freeRepeaters };
}
