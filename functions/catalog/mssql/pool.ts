import * as Tarn from 'tarn';
import type { Connection } from 'tedious';
import type { MssqlDialectConfig } from 'kysely';

/** How long an unused pooled connection is kept. */
export const idleConnectionMs = 5 * 60_000;

type PoolOptions = ConstructorParameters<MssqlDialectConfig['tarn']['Pool']>[0];

/**
 * The connection pool for Kysely's MssqlDialect, and the connection factory it must be given.
 *
 * A connection costs a token, TLS and a login to make, so a lightly used master keeps its connections for
 * minutes (tarn's default closes them after 30 s), and checks one before reuse without a round trip: Kysely's own
 * check (`validateConnections`) sends `select 1` on every acquire. Instead a connection whose socket has closed
 * (tedious's `closed`: the server or the gateway dropped it) is not handed out again, and tarn makes a new one.
 * Kysely's `create` calls the connection factory before its first `await`, which is how each pooled resource is
 * matched with its tedious connection.
 */
export function mssqlPool(makeConnection: () => Connection, max: number) {
  const connectionOf = new WeakMap<object, Connection>();
  let made: Connection | undefined;
  const connectionFactory = (): Connection => (made = makeConnection());

  class SocketCheckedPool<R extends object> extends Tarn.Pool<R> {
    constructor(options: PoolOptions) {
      const create = options.create as unknown as () => Promise<R>;
      super({
        ...(options as unknown as ConstructorParameters<typeof Tarn.Pool<R>>[0]),
        create: async () => {
          made = undefined;
          const creating = create();
          const connection = made;
          const resource = await creating;
          if (connection) connectionOf.set(resource, connection);
          return resource;
        },
        validate: (resource) => connectionOf.get(resource)?.closed !== true,
      });
    }
  }

  const tarn: MssqlDialectConfig['tarn'] = {
    ...Tarn,
    Pool: SocketCheckedPool as unknown as MssqlDialectConfig['tarn']['Pool'],
    // propagateCreateError: a failed connect reaches retryTransient as tedious's error, with its code. Without
    // it tarn retries the connect every 200 ms for 30 s, then throws a TimeoutError that no longer says why.
    options: { min: 0, max, propagateCreateError: true, idleTimeoutMillis: idleConnectionMs },
  };
  return { tarn, connectionFactory };
}
