/**
 * The Netskope host a mistyped tenant URL most likely meant (`acme.goskpe.com` ->
 * `acme.goskope.com`). A near miss must never be answered with "allow any host", which would send
 * the token to whoever owns the typo's domain; it gets this suggestion instead.
 */
import { editDistance } from '../text/edit-distance.ts';

/** Most edits between a host's domain and a Netskope domain that still count as a typo. */
const MAX_EDITS = 2;

/**
 * The corrected host, or undefined when `host` is not close to a tenant host of one of `domains`
 * (Netskope's). `host` is lower-case and is not itself a valid tenant host.
 */
export function suggestNetskopeHost(host: string, domains: readonly string[]): string | undefined {
  const labels = host.replace(/\.$/, '').split('.');
  for (const domain of domains) {
    // The tenant's own domain with something after it: example.goskope.com.evil.io.
    const inside = host.indexOf(`.${domain}.`);
    if (inside > 0) return `${host.slice(0, inside)}.${domain}`;
    // A missing dot: examplegoskope.com.
    if (host.endsWith(domain) && host.length > domain.length && !host.endsWith(`.${domain}`))
      return `${host.slice(0, -domain.length).replace(/\.$/, '')}.${domain}`;
    // The bare domain: goskope.com.
    if (host === domain) return `<tenant>.${domain}`;
  }
  // A typo in the domain itself, tried over the last two and three labels: goskpe.com, goskope.co.
  for (const take of [2, 3]) {
    if (labels.length < take) continue;
    const tail = labels.slice(-take).join('.');
    const tenant = labels.slice(0, -take).join('.') || '<tenant>';
    for (const domain of domains) {
      if (editDistance(tail, domain) <= MAX_EDITS) return `${tenant}.${domain}`;
    }
  }
  return undefined;
}
