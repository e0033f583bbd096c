import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Viz } from '@viz-js/viz';

/**
 * Graphviz (compiled to WebAssembly) lays out the SVG diagrams: 0.02 s to load and 0.1 s to lay out a
 * 10-host site, a third of a small build. It runs on a thread of its own, started once the model shows
 * a site that will be drawn (docs.ts prepare), while this thread renders the hosts; builds that draw
 * no diagram (large sites) never load it. Where the compiled worker module is absent (the TypeScript sources run directly), it
 * runs on this thread, with the same output.
 */

export const LAYOUT_THREAD = 'netgen-svg-layout';
const WORKER_FILE = fileURLToPath(new URL('./svg-layout-worker.js', import.meta.url));

export type LayoutRequest = { id: number; dot: string };
export type LayoutReply = { id: number; svg: string } | { id: number; error: string };

/** A layout asked for and not yet answered. */
interface Waiter {
  resolve: (svg: string) => void;
  reject: (e: Error) => void;
}

let thread: { worker: Worker; waiting: Map<number, Waiter> } | undefined;
let nextId = 0;
let local: Promise<Viz> | undefined;

/** Starts the thread (it loads Graphviz at once), so that the first layout does not wait for it. */
export function startLayoutThread(): void {
  if (existsSync(WORKER_FILE)) thread ??= startThread();
}

/** Lays out `dot` as SVG with Graphviz's dot engine. */
export function layoutSvg(dot: string): Promise<string> {
  if (!existsSync(WORKER_FILE)) return layoutHere(dot);
  const t = (thread ??= startThread());
  const id = nextId++;
  // Referenced while an answer is awaited (else the process could end waiting), idle it keeps nothing alive.
  if (t.waiting.size === 0) t.worker.ref();
  return new Promise<string>((resolve, reject) => {
    t.waiting.set(id, { resolve, reject });
    t.worker.postMessage({ id, dot } satisfies LayoutRequest);
  });
}

/** Graphviz on this thread, loaded once. */
export const loadGraphviz = (): Promise<Viz> => (local ??= import('@viz-js/viz').then((m) => m.instance()));

/** The layout on this thread (also what the thread itself runs). */
export async function layoutHere(dot: string): Promise<string> {
  return (await loadGraphviz()).renderString(dot, { format: 'svg', engine: 'dot' });
}

function startThread(): NonNullable<typeof thread> {
  const worker = new Worker(WORKER_FILE, { workerData: LAYOUT_THREAD });
  const t = { worker, waiting: new Map<number, Waiter>() };
  const settle = (id: number, done: (w: Waiter) => void) => {
    const w = t.waiting.get(id);
    if (!w) return;
    t.waiting.delete(id);
    if (t.waiting.size === 0) worker.unref();
    done(w);
  };
  worker.on('message', (reply: LayoutReply) => settle(reply.id, (w) => ('svg' in reply ? w.resolve(reply.svg) : w.reject(new Error(reply.error)))));
  const fail = (e: Error) => {
    if (thread === t) thread = undefined;
    for (const id of [...t.waiting.keys()]) settle(id, (w) => w.reject(e));
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the Graphviz layout thread stopped')));
  // After the listeners: adding a 'message' listener references the thread again.
  worker.unref();
  return t;
}
