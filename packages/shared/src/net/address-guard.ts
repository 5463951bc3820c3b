import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/**
 * Decides which IP addresses webhooks may be sent to: public unicast only,
 * unless an address falls inside an allow-listed CIDR (local development and
 * tests). IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export class AddressGuard {
  readonly #allowed: readonly Cidr[];

  constructor(allowedCidrs: readonly string[] = []) {
    this.#allowed = allowedCidrs.map((cidr) =>
      cidr.includes('/')
        ? ipaddr.parseCIDR(cidr)
        : ([ipaddr.parse(cidr), cidr.includes(':') ? 128 : 32] as Cidr),
    );
  }

  /** Why `ip` is refused (its range name, e.g. `loopback`, `private`), or undefined if allowed. */
  refusal(ip: string): string | undefined {
    if (!ipaddr.isValid(ip)) return 'not an IP address';
    const address = ipaddr.process(ip);
    for (const [network, bits] of this.#allowed) {
      if (address.kind() === network.kind() && address.match(network, bits)) return undefined;
    }
    const range = address.range();
    return range === 'unicast' ? undefined : range;
  }
}
