#!/bin/sh
":" //; exec env -u NODE_EXTRA_CA_CERTS MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}" node "$0" "$@"
// The line above is for sh, a no-op string for Node. With NODE_EXTRA_CA_CERTS set (CI images and
// corporate machines set it), Node loads its root certificates and the extra ones at start-up, before any code
// runs: 0.034 s of a 0.054 s start here. netgen makes no TLS connection, so it starts without it.
// glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MB), and blocks below
// it then come from arenas that keep their memory after free: the old tree's arrays, grown a quarter at a
// time on the survey's thread, left 75 MB resident through a one-host change at 10,000 hosts (peak 1,031 to
// 1,048 MB, against 952 to 958 MB with the threshold fixed at its default, 128 KiB). Other C libraries ignore it.
import v8 from 'node:v8';
import { quickBuild } from '../dist/cli/quick-build.js';

// A build whose output is up to date is answered before the CLI and the compiler load (a third of its time).
const quick = await quickBuild(process.argv.slice(2));
if (quick !== undefined) process.exitCode = quick;
else {
  // V8 lets the old generation grow to two to four times what its last full collection kept: at 10,000
  // hosts the heap reached 1.7 GB to hold 0.8 GB. Growing by 40 % keeps peak memory nearer what is live;
  // the extra marking runs concurrently on another core (10,000 hosts, three alternating runs each on
  // tmpfs: the same wall time, peak RSS 2.1 to 1.5 GB; 20 % cost wall time). Only the collector's pacing
  // changes, so setting it after start is safe.
  v8.setFlagsFromString('--heap-growing-percent=40');

  // `netgen show HOST | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }

  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
}
