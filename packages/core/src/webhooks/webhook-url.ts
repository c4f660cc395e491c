import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors/index.ts';

/**
 * The SSRF guard of webhook URLs (CONTRACT "Events"; OWASP API7:2023, SSRF Prevention Cheat Sheet):
 * only http(s), no credentials in the URL, and every address the host resolves to must be public
 * unicast. WEBHOOK_ALLOW_PRIVATE lifts the private, loopback and link-local rule (tests, closed
 * networks); cloud metadata endpoints and unusable addresses stay refused even then.
 */
const never = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  never.addSubnet(net, bits, 'ipv4');
never.addAddress('169.254.169.254', 'ipv4'); // AWS, GCP, Azure metadata
never.addAddress('169.254.170.2', 'ipv4'); // ECS task metadata
never.addAddress('100.100.100.200', 'ipv4'); // Alibaba metadata
never.addAddress('::', 'ipv6');
never.addSubnet('ff00::', 8, 'ipv6'); // multicast
never.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata (IPv6)

// BlockList compares IPv4-mapped IPv6 (::ffff:127.0.0.1) with the IPv4 rules itself.
const nonPublic = new BlockList();
for (const [net, bits] of [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
] as const)
  nonPublic.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 can reach any IPv4, private ones included
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const)
  nonPublic.addSubnet(net, bits, 'ipv6');

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Why an address may not receive webhooks, or `undefined` when it may. */
export function refusedAddress(address: string, allowPrivate: boolean): string | undefined {
  const type = family(address);
  if (never.check(address, type)) return 'a reserved or metadata address';
  if (!allowPrivate && nonPublic.check(address, type)) return 'a private, loopback or link-local address';
  return undefined;
}

const invalid = (message: string) => AppError.validation([{ path: 'body.url', message }]);

/** The URL's host without IPv6 brackets. WHATWG parsing already turned `0x7f.1` into `127.0.0.1`. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Scheme, credentials and shape; addresses are checked by `resolveWebhookUrl` or at connect time. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must use http or https');
  if (url.username || url.password) throw invalid('must not carry credentials');
  if (!url.hostname) throw invalid('must name a host');
  return url;
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

export const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** Every address of the URL's host, refused (400) if any one of them is not allowed. */
export async function resolveWebhookUrl(
  raw: string,
  options: { allowPrivate: boolean; lookup?: Lookup },
): Promise<URL> {
  const url = parseWebhookUrl(raw);
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await (options.lookup ?? systemLookup)(host)).map((entry) => entry.address);
    } catch {
      throw invalid('host cannot be resolved');
    }
  }
  for (const address of addresses) {
    const reason = refusedAddress(address, options.allowPrivate);
    if (reason) throw invalid(`must not point to ${reason}`);
  }
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the delivery socket: resolves, refuses the host if any address is not allowed, and
 * hands the socket exactly the addresses it checked, so the connection goes to a vetted IP with no
 * second resolution in between (DNS rebinding). IP literals never reach a lookup: check them first.
 */
export function guardedLookup(allowPrivate: boolean, lookup: Lookup = systemLookup) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    lookup(hostname).then(
      (addresses) => {
        const refused = addresses.find((entry) => refusedAddress(entry.address, allowPrivate));
        if (refused || addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(
            `webhook host ${hostname} resolves to a refused address`,
          );
          error.code = 'EWEBHOOKREFUSED';
          return callback(error, []);
        }
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}
