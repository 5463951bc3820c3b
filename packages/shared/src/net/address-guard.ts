import ipaddr from 'ipaddr.js';
import type { Settings } from '../settings.js';
import { parseCidr, type Cidr } from './cidr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

// Special ranges ipaddr.js reports as plain unicast.
const EXTRA_REFUSED: readonly [Address, number, string][] = [
  // IPv4-compatible IPv6 (::a.b.c.d, deprecated): would reach the embedded IPv4 address.
  [ipaddr.parse('::'), 96, 'ipv4Compatible'],
];

/**
 * Decides which IP addresses webhooks may be sent to: public unicast only,
 * unless an address falls inside an allow-listed CIDR (local development and
 * tests). IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry;
 * every other special range (6to4, NAT64, Teredo, IPv4-translated, reserved,
 * documentation, benchmarking…) is refused outright, whatever it embeds.
 */
export class AddressGuard {
  readonly #allowed: readonly Cidr[];
  /** True when only https URLs may be called. */
  readonly httpsOnly: boolean;

  constructor(
    allowedCidrs: readonly string[] = [],
    options: { readonly httpsOnly?: boolean } = {},
  ) {
    this.httpsOnly = options.httpsOnly ?? false;
    this.#allowed = allowedCidrs.map((text) => {
      const cidr = parseCidr(text);
      if (cidr === undefined) throw new TypeError(`not an IP address or CIDR: ${text}`);
      return cidr;
    });
  }

  /** The guard the settings describe (`WEBHOOK_ALLOWED_CIDRS`, `WEBHOOK_HTTPS_ONLY`). */
  static fromSettings(settings: Pick<Settings, 'allowedCidrs' | 'httpsOnly'>): AddressGuard {
    return new AddressGuard(settings.allowedCidrs, { httpsOnly: settings.httpsOnly });
  }

  /** True when the allow-list covers loopback (127.0.0.1 or ::1), as for local development. */
  allowsLoopback(): boolean {
    return this.refusal('127.0.0.1') === undefined || this.refusal('::1') === undefined;
  }

  /** Why `ip` is refused (its range name, e.g. `loopback`, `private`), or undefined if allowed. */
  refusal(ip: string): string | undefined {
    if (!ipaddr.isValid(ip)) return 'not an IP address';
    const address = ipaddr.process(ip);
    for (const [network, bits] of this.#allowed) {
      if (address.kind() === network.kind() && address.match(network, bits)) return undefined;
    }
    const range = address.range();
    if (range !== 'unicast') return range;
    for (const [network, bits, name] of EXTRA_REFUSED) {
      if (address.kind() === network.kind() && address.match(network, bits)) return name;
    }
    return undefined;
  }
}
