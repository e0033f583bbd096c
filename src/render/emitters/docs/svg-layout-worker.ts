import { parentPort, workerData } from 'node:worker_threads';
import { LAYOUT_THREAD, layoutHere, loadGraphviz, type LayoutReply, type LayoutRequest } from './svg-layout.js';

/** The thread of svg-layout.ts: lays out each DOT text it is sent, in order, and answers with the SVG. */
const port = workerData === LAYOUT_THREAD ? parentPort : null;
// Loaded before the first request comes (a failure is answered to each request).
if (port) loadGraphviz().catch(() => undefined);
port?.on('message', ({ id, dot }: LayoutRequest) => {
  layoutHere(dot).then(
    (svg) => port.postMessage({ id, svg } satisfies LayoutReply),
    (e: unknown) => port.postMessage({ id, error: (e as Error).message } satisfies LayoutReply),
  );
});
