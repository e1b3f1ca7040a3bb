/** eStreamer codec: framing, requests, records. Plain Node, no `vscode`. */
export * from './types';
export { ProtocolError } from './errors';
export {
  MessageType,
  MESSAGE_HEADER_LENGTH,
  MESSAGE_VERSION,
  TIMESTAMP_OLDEST,
  TIMESTAMP_NOW,
  messageTypeName,
  MessageDecoder,
  encodeMessage,
  encodeNull,
  encodeEventStreamRequest,
  decodeEventStreamRequest,
  encodeError,
  decodeError,
  decodeBundle,
  encodeBundle,
} from './messages';
export type { Message, MessageDecoderOptions, Bundle } from './messages';
export {
  RequestFlag,
  flagNames,
  flagsFor,
  ESTREAMER_SERVICE_ID,
  EventCode,
  EVENT_VERSIONS,
  eventsFor,
  encodeStreamingRequest,
  decodeStreamingRequest,
  encodeStreamingInformation,
  decodeStreamingInformation,
} from './requests';
export type { EventFamilyName, StreamingEvent, StreamingService, ServiceLengthConvention } from './requests';
export { recordTypeName, familyOf, isMetadataRecord } from './recordTypes';
export { toHex, hexToBytes } from './bytes';
export { decodeRecord, decodeRecordInterpreted, encodeRecord, recordLayout, DISCOVERY_HEADER_KEY } from './records';
export type { RecordInput } from './records';
export { RECORD_LAYOUTS, SERIES1_BLOCKS, SERIES2_BLOCKS, DISCOVERY_HEADER, CONNECTION_BLOCKS, INTRUSION_BLOCKS, FILE_BLOCKS, MALWARE_BLOCKS } from './layouts';
export type { RecordLayout } from './layouts';
export { Kind } from './layout';
export type { BlockLayout, FieldLayout } from './layout';
export { Rng, randomFields, randomRecordInput } from './generate';
export { encodeHostRequest, decodeHostRequest, HOST_REQUEST_MULTIPLE_HOSTS } from './host';
export type { HostRequest } from './host';
