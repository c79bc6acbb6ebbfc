/** Numerics the models are built on: the optimiser, special functions, quadrature, seeded random numbers. */

export { type Histogram, type HistogramBin, type HistogramOptions, histogram } from './histogram.js';
export { checkIdentified, IDENTIFIED_PARAMETER_RANGE } from './identified.js';
export { type MinimizeOptions, type Minimum, minimize, type Objective } from './optimize.js';
export { integrate } from './quadrature.js';
export { seededHash, seededRandom, shuffled } from './random.js';
export { digamma, logBeta, logGamma, logSumExp, trigamma } from './special.js';
