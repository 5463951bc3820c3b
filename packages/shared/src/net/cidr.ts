import ipaddr from 'ipaddr.js';

/** A network: its address and prefix length, as ipaddr.js parses them. */
export type Cidr = readonly [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Parses `10.0.0.0/8`, `::1/128`, or a bare address (a network of one
 * address); undefined when `text` is neither. IPv4 must be four-part
 * decimal: ipaddr.js also reads `0x7f.1` and `2130706433`, which nobody
 * means in a setting.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  if (!ipaddr.IPv4.isValidFourPartDecimal(address) && !ipaddr.IPv6.isValid(address)) {
    return undefined;
  }
  if (slash >= 0) return ipaddr.isValidCIDR(text) ? ipaddr.parseCIDR(text) : undefined;
  const parsed = ipaddr.parse(address);
  return [parsed, parsed.kind() === 'ipv4' ? 32 : 128];
}
