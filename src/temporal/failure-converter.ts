import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`dataConverter.failureConverterPath`) in the client, the worker and the workflow bundle:
 * a failure's message and stack trace travel in an encoded payload, which the payload codec encrypts, so a
 * QuickBooks error that quotes customer data is not stored in Temporal in plaintext.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
