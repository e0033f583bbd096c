import type { HostModel } from '../model/types.js';
import { UsageError } from '../diagnostics/diagnostic.js';

/**
 * The hosts `--site`/`--host` pick, usable as compile's onlyHosts before the model exists: a Set
 * whose `has` matches host ids (site/host) against the patterns and records what matched.
 * `--host` takes a host name or site/host; `--site` alone picks every host of the site.
 */
export class HostSelection extends Set<string> {
  readonly matched = new Set<string>();

  constructor(
    private readonly sites: string[],
    private readonly hosts: string[],
  ) {
    super();
  }

  get active(): boolean {
    return this.sites.length > 0 || this.hosts.length > 0;
  }

  override has(id: string): boolean {
    const [site, host] = id.split('/');
    const siteOk = this.sites.length === 0 || this.sites.includes(site);
    const hostOk = this.hosts.length === 0 || this.hosts.includes(host) || this.hosts.includes(id);
    if (siteOk && hostOk) this.matched.add(id);
    return siteOk && hostOk;
  }

  /** Fails with the known hosts when the selection matched none. */
  assertMatched(hosts: HostModel[]): void {
    if (this.matched.size > 0) return;
    const known = hosts.slice(0, 20).map((h) => h.id).join(', ');
    throw new UsageError(`no host matches ${[...this.sites.map((s) => `--site ${s}`), ...this.hosts.map((h) => `--host ${h}`)].join(' ')}; hosts: ${known}${hosts.length > 20 ? ', ...' : ''}`);
  }
}
