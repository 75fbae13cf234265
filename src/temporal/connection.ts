import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

/** `dataConverter`: the payload codec (src/temporal/payload-codec.ts), the same as the workers'. */
export async function connectTemporalClient(
  address: string,
  namespace: string,
  options: { dataConverter?: DataConverter } = {},
): Promise<TemporalClientHandle> {
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, namespace, dataConverter: options.dataConverter }),
    connection,
    close: () => connection.close(),
  };
}

export function connectWorker(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}
