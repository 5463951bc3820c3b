import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { AddressGuard } from '@letta-webhooks/shared';

/** Error code of a connection refused because the host resolved only to non-public addresses. */
export const REFUSED_ADDRESS_CODE = 'ERR_WEBHOOK_REFUSED_ADDRESS';

/**
 * A socket `lookup` that resolves the host and keeps only addresses the guard
 * allows. The check happens where the socket connects, so a DNS answer that
 * changes between a check and the connect (rebinding) cannot slip through.
 */
export function guardedLookup(guard: AddressGuard): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(
      hostname,
      { all: true, family: options.family ?? 0, hints: options.hints ?? 0 },
      (error, addresses) => {
        if (error) {
          callback(error, '', 0);
          return;
        }
        const list = addresses;
        const allowed = list.filter((entry) => guard.refusal(entry.address) === undefined);
        const first = allowed[0];
        if (first === undefined) {
          const reasons = list.map(
            (entry) => `${entry.address} (${guard.refusal(entry.address) ?? 'allowed'})`,
          );
          const refused = Object.assign(
            new Error(`${hostname} resolves only to non-public addresses: ${reasons.join(', ')}`),
            { code: REFUSED_ADDRESS_CODE },
          );
          callback(refused, '', 0);
          return;
        }
        if (options.all)
          (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
        else callback(null, first.address, first.family);
      },
    );
  };
}
