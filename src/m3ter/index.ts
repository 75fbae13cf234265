/** The m3ter API client: `new M3terClient({ orgId, apiKey, apiSecret })`. */
export { M3terClient, DEFAULT_M3TER_BASE_URL, refreshMarginMs, type M3terClientConfig } from './client';
export { M3terApiError, isM3terApiError, type M3terErrorKind } from './errors';
export * from './types';
