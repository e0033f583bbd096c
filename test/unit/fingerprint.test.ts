import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, globalGroup, partGroup, type CompileOptions } from '../../src/pipeline/compile.js';
import { docsEmitter } from '../../src/render/emitters/docs.js';
import { planGlobal, planHost, sharedPlanInput } from '../../src/plan/plan.js';
import { emitters } from '../../src/render/emitters/index.js';
import { networkdEmitter } from '../../src/render/emitters/networkd.js';
import { hostFilesOf, plannedFromList } from '../../src/plan/reuse.js';
import type { ManifestEntry } from '../../src/write/writer.js';
import { EXAMPLES, inventoryPath } from '../helpers/paths.js';

/**
 * Throws at the first value JSON cannot express exactly (what a fingerprint would miss). The model may
 * hold bigints: the host fingerprint leaves them out, as every address carries its text beside them.
 */
function assertPlain(v: unknown, where: string, bigints = false): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || v === undefined) return;
  if (bigints && typeof v === 'bigint') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${where}: ${v}`);
    return;
  }
  if (typeof v !== 'object') throw new Error(`${where}: a ${typeof v}`);
  if (Array.isArray(v)) return v.forEach((x, i) => assertPlain(x, `${where}[${i}]`, bigints));
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null) throw new Error(`${where}: a ${(v as object).constructor?.name ?? 'non-plain object'}`);
  for (const [k, x] of Object.entries(v)) assertPlain(x, `${where}.${k}`, bigints);
  if (Object.getOwnPropertyNames(v).length !== Object.keys(v).length) throw new Error(`${where}: non-enumerable properties`);
}

interface Emitted {
  content: string;
  sha256?: string;
  mode: number;
}

async function compileInto(inventory: string, opts: CompileOptions = {}) {
  const files = new Map<string, Emitted>();
  const r = await compile(inventory, { ...opts, sink: (p, content, mode, sha256) => files.set(p, { content: typeof content === 'string' ? content : [...content].join(''), mode, sha256 }) });
  expect(r.bag.hasErrors).toBe(false);
  const manifest = (JSON.parse(files.get('manifest.json')!.content) as { files: ManifestEntry[] }).files;
  // A build into a sink lets its model go: the hosts and sites are read off the manifest.
  const hostIds = [...new Set(manifest.filter((e) => e.host !== undefined).map((e) => `${e.site}/${e.host}`))].sort();
  const sites = [...new Set(manifest.flatMap((e) => (e.site !== undefined ? [e.site] : [])))].sort();
  expect(r.model, 'the model is let go before the manifest is written').toBeUndefined();
  expect(r.hosts).toBe(hostIds.length);
  return { r, files, manifest, hostIds, sites };
}

describe('render fingerprints', () => {
  it.each(EXAMPLES)('every context planned for %s is plain JSON data', async (example) => {
    const r = await compile(inventoryPath(example), { validateOnly: true });
    const model = r.model!;
    const shared = sharedPlanInput(model, emitters);
    for (const h of model.hosts) for (const p of planHost(h, shared, emitters)) assertPlain(p.context, `${p.path} (${p.template})`);
    for (const p of planGlobal(model, emitters)) assertPlain(p.context, `${p.path} (${p.template})`);
  });

  it.each(EXAMPLES)('every host of %s, and what hosts share, is plain data (the host fingerprint is its JSON)', async (example) => {
    const r = await compile(inventoryPath(example), { validateOnly: true });
    for (const h of r.model!.hosts) assertPlain(h, h.id, true);
    const shared = sharedPlanInput(r.model!, emitters);
    assertPlain(shared.input, 'shared input');
    for (const [target, data] of shared.fromTargets) assertPlain(JSON.parse(JSON.stringify(data)), target);
    for (const [target, data] of shared.fromTargets) expect(JSON.parse(JSON.stringify(data)), target).toEqual({ ...(data as object) });
  });

  it('a host file list reads back as planned, and a tampered one is refused', async () => {
    const r = await compile(inventoryPath('stretched-sites'), { validateOnly: true });
    const shared = sharedPlanInput(r.model!, emitters);
    for (const host of r.model!.hosts) {
      const planned = planHost(host, shared, emitters);
      const list = hostFilesOf(host, planned)!;
      expect(plannedFromList(host, list)).toEqual(planned.map((p) => ({ path: p.path, kind: p.kind, site: p.site, host: p.host, mode: p.mode ?? 0o644 })));
    }
    const host = r.model!.hosts[0];
    for (const bad of ['../etc/passwd\tnetworkd\t420', 'a//b\tnetworkd\t420', 'a/./b\tnetworkd\t420', 'a/..\tnetworkd\t420', '/a\tnetworkd\t420', 'a/\tnetworkd\t420', '\tnetworkd\t420', 'a\tnot-a-kind\t420', 'a\tnetworkd\t99999', 'a\tnetworkd', 'a\tnetworkd\t4x']) expect(plannedFromList(host, bad), bad).toBeUndefined();
    expect(hostFilesOf(host, [{ path: 'elsewhere/x', kind: 'doc' }])).toBeUndefined();
  });

  describe('reuse', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ngt-fp-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const inv = path.join(tmp, 'stretched-sites.yaml');
    cpSync(inventoryPath('stretched-sites'), inv);
    cpSync(inventoryPath('stretched-sites').replace(/\.yaml$/, '.lock.yaml'), inv.replace(/\.yaml$/, '.lock.yaml'));

    it('keeps the files of unchanged hosts, renders the changed host, and ends with the manifest a full build makes', async () => {
      const first = await compileInto(inv, { fingerprint: true });
      const fingerprints = first.r.fingerprints!;
      const hosts = first.hostIds;
      // Inventory-wide files have records of their own, but for the docs' parts, whose files are rendered
      // when their part changed: only an SVG, laid out from its DOT, is kept by its own.
      const globals = first.manifest.filter((e) => e.path.endsWith('.svg') || e.path.startsWith('ansible/') || e.kind === 'ceph').map((e) => globalGroup(e.path));
      const docParts = [partGroup('docs', 'index'), ...first.sites.map((s) => partGroup('docs', `site/${s}`))];
      expect([...fingerprints.keys()].sort()).toEqual([...globals, ...docParts, ...hosts].sort());

      // One interface description of one host changes: that host's files differ, no other host's do.
      const text = readFileSync(inv, 'utf8');
      expect(text).toContain('description: provider trunk }');
      writeFileSync(inv, text.replace('description: provider trunk }', 'description: provider trunk two }'));
      const kept: string[] = [];
      const planned: string[] = [];
      const planNetworkd = networkdEmitter.planHost!;
      networkdEmitter.planHost = (host, shared) => {
        planned.push(host.id);
        return planNetworkd.call(networkdEmitter, host, shared);
      };
      const second = await compileInto(inv, {
        fingerprint: true,
        reuse: {
          previous: (group) => fingerprints.get(group),
          keep: (p) => {
            kept.push(p);
            const was = first.manifest.find((e) => e.path === p)!;
            return { sha256: was.sha256, size: was.size };
          },
          keepAll: (files) =>
            files.map(({ path: p }) => {
              kept.push(p);
              const was = first.manifest.find((e) => e.path === p)!;
              return { sha256: was.sha256, size: was.size };
            }),
        },
      }).finally(() => (networkdEmitter.planHost = planNetworkd));
      const full = await compileInto(inv);
      expect(second.manifest).toEqual(full.manifest);
      for (const [p, f] of second.files) expect(f.content, p).toBe(full.files.get(p)!.content);

      const changed = hosts.filter((h) => second.r.fingerprints!.get(h)!.fingerprint !== fingerprints.get(h)!.fingerprint);
      expect(changed).toHaveLength(1);
      // The unchanged hosts were not even planned: networkd plans every Linux host.
      expect(planned).toEqual(changed);
      const ofHost = (p: string, h: string) => p.startsWith(`${h}/`);
      // Every file of every unchanged host was kept, not rendered; the changed host was rendered whole.
      for (const e of full.manifest) {
        const owner = hosts.find((h) => ofHost(e.path, h));
        if (owner && owner !== changed[0]) expect(kept, e.path).toContain(e.path);
        if (owner === changed[0]) expect(second.files.has(e.path), e.path).toBe(true);
      }
      expect(kept.some((p) => ofHost(p, changed[0]))).toBe(false);
      // Interface descriptions are not drawn: no diagram changed, so none was laid out again.
      for (const s of first.sites) expect(kept).toContain(`docs/${s}.svg`);
    });

    it('lays out again only the diagram of the site that changed', async () => {
      writeFileSync(inv, readFileSync(inventoryPath('stretched-sites'), 'utf8'));
      const first = await compileInto(inv, { fingerprint: true });
      // A tap's description is its label in the knox diagram.
      writeFileSync(inv, readFileSync(inv, 'utf8').replace('{ description: VM mosler-1 }', '{ description: VM mosler-one }'));
      const keep = (p: string) => {
        const was = first.manifest.find((e) => e.path === p);
        return was && { sha256: was.sha256, size: was.size };
      };
      const keepAll = (files: Array<{ path: string }>) => {
        const kept = files.map((f) => keep(f.path));
        return kept.every((k) => k) ? (kept as Array<{ sha256: string; size: number }>) : undefined;
      };
      const records = first.r.fingerprints!;
      const second = await compileInto(inv, { fingerprint: true, reuse: { previous: (g) => records.get(g), keep, keepAll } });
      const full = await compileInto(inv);
      expect(second.manifest).toEqual(full.manifest);
      expect(second.files.get('docs/knox.svg')?.content).toBe(full.files.get('docs/knox.svg')!.content);
      expect(full.files.get('docs/knox.svg')!.content).toMatch(/VM mosler(-|&#45;)one/);
      expect(second.files.has('docs/epouta.svg')).toBe(false);
    });

    /** A reuse that keeps whatever the first build wrote, recording what it kept. */
    const keeping = (first: Awaited<ReturnType<typeof compileInto>>, kept: string[] = []) => {
      const keep = (p: string) => {
        const was = first.manifest.find((e) => e.path === p);
        if (was) kept.push(p);
        return was && { sha256: was.sha256, size: was.size };
      };
      const keepAll = (files: Array<{ path: string }>) => {
        const all = files.map((f) => keep(f.path));
        return all.every((k) => k) ? (all as Array<{ sha256: string; size: number }>) : undefined;
      };
      return { previous: (g: string) => first.r.fingerprints!.get(g), keep, keepAll };
    };

    /** Runs `build` while recording which docs parts planGlobal was asked for. */
    async function docsPartsPlanned<T>(build: () => Promise<T>): Promise<{ result: T; parts: string[] }> {
      const parts: string[] = [];
      const plan = docsEmitter.planGlobal!;
      docsEmitter.planGlobal = (model, only) => {
        parts.push(...(only ?? ['(all)']));
        return plan.call(docsEmitter, model, only);
      };
      try {
        return { result: await build(), parts: parts.sort() };
      } finally {
        docsEmitter.planGlobal = plan;
      }
    }

    it('plans the docs of the site that changed and the index, and keeps the other site\'s unplanned', async () => {
      writeFileSync(inv, readFileSync(inventoryPath('stretched-sites'), 'utf8'));
      const first = await compileInto(inv, { fingerprint: true });
      // compute1's tap is drawn in knox's diagram. (Not a security-group address: every host reads those.)
      writeFileSync(inv, readFileSync(inv, 'utf8').replace('{ description: VM mosler-1 }', '{ description: VM mosler-one }'));
      const kept: string[] = [];
      const { result: second, parts } = await docsPartsPlanned(() => compileInto(inv, { fingerprint: true, reuse: keeping(first, kept) }));
      // Three hosts: the overview draws every host, so the index reads them all.
      expect(parts).toEqual(['index', 'site/knox']);
      for (const f of ['docs/epouta.dot', 'docs/epouta.svg', 'docs/epouta.address-plan.md']) expect(kept).toContain(f);
      const full = await compileInto(inv);
      expect(second.manifest).toEqual(full.manifest);
      for (const [p, f] of second.files) expect(f.content, p).toBe(full.files.get(p)!.content);
      expect(second.files.get('docs/knox.svg')?.content).toMatch(/VM mosler(-|&#45;)one/);
      // A third build with nothing changed plans no docs at all, and keeps the per-file records the
      // SVGs are reused by.
      const { result: third, parts: none } = await docsPartsPlanned(() => compileInto(inv, { fingerprint: true, reuse: keeping(second) }));
      expect(none).toEqual([]);
      expect([...third.r.fingerprints!.keys()].sort()).toEqual([...second.r.fingerprints!.keys()].sort());
    });

    it('plans every docs part again when an edit moves inventory lines the plans cite', async () => {
      writeFileSync(inv, readFileSync(inventoryPath('stretched-sites'), 'utf8'));
      const first = await compileInto(inv, { fingerprint: true });
      // A comment line at the top: no host changes, every citation moves down one line.
      writeFileSync(inv, `# moved\n${readFileSync(inv, 'utf8')}`);
      const { result: second, parts } = await docsPartsPlanned(() => compileInto(inv, { fingerprint: true, reuse: keeping(first) }));
      expect(parts).toEqual(['index', 'site/epouta', 'site/knox']);
      const hostsChanged = first.hostIds.filter((h) => second.r.fingerprints!.get(h)!.fingerprint !== first.r.fingerprints!.get(h)!.fingerprint);
      expect(hostsChanged).toEqual([]);
      const full = await compileInto(inv);
      expect(second.manifest).toEqual(full.manifest);
      expect(second.files.get('docs/knox.address-plan.md')!.content).not.toBe(first.files.get('docs/knox.address-plan.md')!.content);
      for (const [p, f] of second.files) expect(f.content, p).toBe(full.files.get(p)!.content);
    });

    it('renders a file after all when the writer cannot keep it', async () => {
      const first = await compileInto(inv, { fingerprint: true });
      const victim = first.manifest.find((e) => e.host !== undefined)!.path;
      const keep = (p: string) => {
        if (p === victim) return undefined;
        const was = first.manifest.find((e) => e.path === p)!;
        return { sha256: was.sha256, size: was.size };
      };
      const keepAll = (files: Array<{ path: string }>) => {
        const kept = files.map((f) => keep(f.path));
        return kept.every((k) => k) ? (kept as Array<{ sha256: string; size: number }>) : undefined;
      };
      const second = await compileInto(inv, { reuse: { previous: (group) => first.r.fingerprints!.get(group), keep, keepAll } });
      expect(second.files.get(victim)?.content).toBe(first.files.get(victim)!.content);
      expect(second.manifest).toEqual(first.manifest);
    });

    it('renders again a host whose files name another host that changed (security-group members)', async () => {
      // network1 gets a VM port in group default; its bridge ruleset then lists every member of the
      // group, compute1's ports included.
      const base = readFileSync(inventoryPath('stretched-sites'), 'utf8');
      const withPort = base.replace(
        'brq-mosler: { members: [eth1.1203], ageing: 0 }',
        'brq-mosler: { members: [eth1.1203, tapvm9], ageing: 0 }\n        taps:\n          tapvm9: {}\n        firewall:\n          ports:\n            tapvm9: { bridge: brq-mosler, mac: "fa:16:3e:00:00:09", addresses: [10.101.0.200], groups: [default] }',
      );
      expect(withPort).not.toBe(base);
      writeFileSync(inv, withPort);
      const first = await compileInto(inv, { fingerprint: true });
      const ruleset = 'epouta/network1/etc/netgen/nftables/root.nft';
      expect(first.files.get(ruleset)?.content).toContain('10.101.128.101');

      // Only compute1's input changes: one of its VM addresses.
      writeFileSync(inv, withPort.replace('addresses: [10.101.128.101]', 'addresses: [10.101.128.111]'));
      const keep = (p: string) => {
        const was = first.manifest.find((e) => e.path === p);
        return was && { sha256: was.sha256, size: was.size };
      };
      const records = first.r.fingerprints!;
      const keepAll = (files: Array<{ path: string }>) => {
        const kept = files.map((f) => keep(f.path));
        return kept.every((k) => k) ? (kept as Array<{ sha256: string; size: number }>) : undefined;
      };
      const second = await compileInto(inv, { fingerprint: true, reuse: { previous: (g) => records.get(g), keep, keepAll } });
      const full = await compileInto(inv);
      expect(second.files.get(ruleset)?.content).toContain('10.101.128.111');
      expect(second.manifest).toEqual(full.manifest);
      for (const [p, f] of second.files) expect(f.content, p).toBe(full.files.get(p)!.content);
      const changed = [...records.keys()].filter((g) => g && second.r.fingerprints!.get(g)!.fingerprint !== records.get(g)!.fingerprint);
      expect(changed).toContain('epouta/network1');
      expect(changed).toContain('knox/compute1');
    });
  });
});
