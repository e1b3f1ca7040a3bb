/** eStreamer client: credentials, TLS, session, bookmark, reconnects. Plain Node, no `vscode`. */
export { loadPkcs12, CredentialsError } from './credentials';
export type { ClientCredentials, CredentialsErrorCode } from './credentials';
export { EStreamerClient } from './client';
export type { ClientOptions, ClientState, ClientCounters, RecordsEvent, ClientLogEntry, StartPosition } from './client';
export { ClientError } from './errors';
export type { ClientErrorKind } from './errors';
export { connectTls } from './transport';
export type { ITransport, TransportClose, TlsTransportOptions } from './transport';
export { Backoff } from './backoff';
export type { BackoffOptions } from './backoff';
export { ResumePoint, BookmarkStore, recordKey, fmcStateDir } from './bookmark';
