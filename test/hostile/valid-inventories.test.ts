import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '../helpers/paths.js';
import { requireRoot, requireTool, run } from '../helpers/tools.js';
import { privateCli } from '../faults/app.js';
import { judgeScripts, readManifest } from './judges.js';
import { snapshotTree, treeDigest } from './tree.js';

/**
 * Random but valid inventories (hosts, tenants whose CIDRs overlap across tenants, fixed and
 * allocated VNIs, dual stack, extra namespaces): the build succeeds, scripts pass bash -n and
 * shellcheck, networkd-check accepts the units (sampled), a second build is byte-identical, and
 * shuffling every mapping's keys (and bridge member lists) changes neither the output (save the
 * docs' source line citations) nor the lock.
 */
const RUNS = 20;
const NETWORKD_EVERY = 5;

const CIDRS = [['10.1.0.0/24', 'fd00:1::/64'], ['10.2.0.0/24'], ['10.1.0.0/24'], ['fd00:2::/64'], ['10.3.0.0/23', 'fd00:3::/64']];

interface Gen {
  tenants: Array<{ name: string; vni?: number; cidrs: string[]; mtu?: number; gateway?: boolean }>;
  hosts: Array<{ v6: boolean; mtu9000: boolean; tenants: boolean[]; extraNs: boolean; bridge: boolean }>;
}

const genArb: fc.Arbitrary<Gen> = fc
  .record({
    tenantCount: fc.integer({ min: 1, max: 4 }),
    hostCount: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(fc.record({ cidr: fc.integer({ min: 0, max: CIDRS.length - 1 }), fixedVni: fc.boolean(), mtu: fc.boolean(), gateway: fc.boolean() }), { minLength: 4, maxLength: 4 }),
    hostSeed: fc.array(fc.record({ v6: fc.boolean(), mtu9000: fc.boolean(), tenants: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), extraNs: fc.boolean(), bridge: fc.boolean() }), { minLength: 4, maxLength: 4 }),
    vniBase: fc.integer({ min: 1, max: 16_000_000 }),
  })
  .map(({ tenantCount, hostCount, seed, hostSeed, vniBase }) => ({
    tenants: seed.slice(0, tenantCount).map((t, i) => ({ name: `tn${i}`, vni: t.fixedVni ? vniBase + i : undefined, cidrs: CIDRS[t.cidr], mtu: t.mtu ? 1400 : undefined, gateway: t.gateway })),
    hosts: hostSeed.slice(0, hostCount),
  }));

function inventoryOf(g: Gen): Record<string, unknown> {
  const tenants: Record<string, unknown> = {};
  for (const t of g.tenants) {
    const gw = t.gateway && t.cidrs[0].startsWith('10.') ? { gateway: t.cidrs[0].replace(/0\/\d+$/, '1') } : {};
    tenants[t.name] = { ...(t.vni ? { vni: t.vni } : {}), cidrs: t.cidrs, ...(t.mtu ? { mtu: t.mtu } : {}), ...gw, description: `tenant ${t.name}` };
  }
  const hosts: Record<string, unknown> = {};
  g.hosts.forEach((h, i) => {
    const eth0 = { addresses: [`192.0.2.${10 + i}/24`, ...(h.v6 ? [`2001:db8::${10 + i}/64`] : [])], ...(h.mtu9000 ? { mtu: 9000 } : {}) };
    const carried = g.tenants.filter((_, j) => h.tenants[j]);
    hosts[`node${i}`] = {
      nics: { eth0, ...(h.bridge ? { eth1: {}, eth2: {} } : {}) },
      ...(h.bridge ? { bridges: { br0: { members: ['eth1', 'eth2'], address: `172.16.${i}.1/24` } } } : {}),
      ...(carried.length ? { tenants: Object.fromEntries(carried.map((t) => [t.name, {}])) } : {}),
      ...(h.extraNs ? { namespaces: { svc: { description: 'extra', veths: { 'svc-in': { peer: 'svc-out', address: '10.99.0.2/30', peer_addresses: ['10.99.0.1/30'], gateway: '10.99.0.1' } } } } } : {}),
    };
  });
  return { description: 'generated', tenants, sites: { lab: { hosts } } };
}

/** Every mapping's keys in a random order (and bridge members reversed): order carries no meaning there. */
function shuffled(v: unknown, rand: () => number, key = ''): unknown {
  if (Array.isArray(v)) return key === 'members' ? [...v].reverse() : v.map((x) => shuffled(x, rand));
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => [k, shuffled(x, rand, k)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
    return Object.fromEntries(entries);
  }
  return v;
}

/**
 * The tree with source citations masked: the docs cite `gen.yaml:LINE` for each object, and lines
 * move when keys are reordered; the manifest holds the docs' hashes. Everything else must be equal.
 */
function orderFreeDigest(out: string): string {
  const snap = snapshotTree(out);
  const lines: string[] = [];
  for (const [rel, v] of [...snap].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (rel === 'manifest.json') continue;
    if (rel.startsWith('docs/') && v.startsWith('file')) lines.push(`${rel} ${readFileSync(path.join(out, rel), 'utf8').replace(/\.yaml:\d+/g, '.yaml:N')}`);
    else lines.push(`${rel} ${v}`);
  }
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

describe('random valid inventories', () => {
  let tmp: string;
  let cli: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), `ngt-prop-valid-${process.pid}-`));
    cli = privateCli(tmp);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const build = (inv: Record<string, unknown>, tag: string) => {
    const dir = path.join(tmp, tag);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const file = path.join(dir, 'gen.yaml'); // one file name: it appears in every header
    writeFileSync(file, stringify(inv));
    const out = path.join(dir, 'out');
    const r = run('node', [cli, 'build', file, '-o', out, '--quiet', '--no-color']);
    if (r.status !== 0) throw new Error(`build ${tag} failed:\n${r.stderr}\n${stringify(inv)}`);
    return { out, lock: readFileSync(path.join(dir, 'gen.lock.yaml'), 'utf8') };
  };

  it(`${RUNS} generated inventories build, pass the judges, and are deterministic and order-free`, () => {
    requireTool('shellcheck', 'shellcheck');
    requireRoot();
    let i = 0;
    let networkdRuns = 0;
    fc.assert(
      fc.property(genArb, fc.integer(), (g, shuffleSeed) => {
        const n = i++;
        const inv = inventoryOf(g);
        const a = build(inv, 'a');
        const files = readManifest(a.out);
        const problems = judgeScripts(a.out, files);
        if (n % NETWORKD_EVERY === 0) {
          networkdRuns++;
          for (const dir of new Set(files.filter((f) => f.kind === 'networkd' && f.path.includes('/etc/systemd/network/')).map((f) => path.dirname(f.path)))) {
            const r = run(path.join(SHARED, 'networkd/networkd-check'), [path.join(a.out, dir), '3']);
            if (!/networkd-check: 0 unit warning\(s\)/.test(r.stdout + r.stderr)) problems.push(`networkd-check ${dir}:\n${r.stdout}${r.stderr}`);
          }
        }
        if (problems.length) throw new Error(problems.join('\n'));
        const b = build(inv, 'b');
        expect(treeDigest(b.out), 'second build differs').toBe(treeDigest(a.out));
        let s = shuffleSeed >>> 0;
        const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
        const c = build(shuffled(inv, rand) as Record<string, unknown>, 'c');
        expect(c.lock, 'lock depends on key order').toBe(a.lock);
        expect(orderFreeDigest(c.out), 'output depends on key order').toBe(orderFreeDigest(a.out));
      }),
      { numRuns: RUNS, seed: 7117, endOnFailure: true },
    );
    console.log(`valid inventories: ${i} runs (3 builds each), networkd-check on ${networkdRuns}`);
  }, 1_800_000);
});
