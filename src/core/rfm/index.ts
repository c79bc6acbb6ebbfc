export {
  RFM_SEGMENT_NAMES,
  RFM_SEGMENT_TABLE,
  type RfmOptions,
  type RfmResult,
  type RfmSegmentName,
  type RfmSegmentSummary,
  rfm,
  rfmSegment,
} from './rfm.js';
