import type { Destination } from '../domain/integration-settings';
import type { QboDocumentType } from '../domain/invoice';

/** Where QuickBooks lives for each destination, and the OAuth app that talks to it. */
export interface QuickBooksEndpoints {
  /** `…/v3/company/` (trailing slash), per destination. */
  apiBaseUrl: Record<Destination, string>;
  /** The QuickBooks web app, for links to documents. */
  appBaseUrl: Record<Destination, string>;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export const INTUIT = {
  apiBaseUrl: {
    QuickBooks: 'https://quickbooks.api.intuit.com/v3/company/',
    QuickBooksSandbox: 'https://sandbox-quickbooks.api.intuit.com/v3/company/',
  },
  appBaseUrl: {
    QuickBooks: 'https://app.qbo.intuit.com',
    QuickBooksSandbox: 'https://app.sandbox.qbo.intuit.com',
  },
  authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
  tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revokeUrl: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
} as const;

/** Link to a document in the QuickBooks app. */
export function documentUrl(
  endpoints: Pick<QuickBooksEndpoints, 'appBaseUrl'>,
  destination: Destination,
  type: QboDocumentType,
  id: string,
): string {
  const page = type === 'Invoice' ? 'invoice' : 'creditmemo';
  return `${endpoints.appBaseUrl[destination]}/app/${page}?txnId=${encodeURIComponent(id)}`;
}
