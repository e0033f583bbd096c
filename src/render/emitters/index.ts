import type { Emitter } from '../../plan/artifact.js';
import { ansibleEmitter } from './ansible.js';
import { applyEmitter } from './apply.js';
import { docsEmitter } from './docs.js';
import { frrEmitter } from './frr.js';
import { netnsEmitter } from './netns.js';
import { networkdEmitter } from './networkd.js';
import { vyosEmitter } from './vyos.js';
import { cephEmitter } from './ceph.js';
import { dnsmasqEmitter } from './dnsmasq.js';
import { nftablesEmitter } from './nftables/index.js';

/** Every target netgen renders. Adding a target: one emitter module and one templates/<target>/ folder. */
export const emitters: Emitter[] = [networkdEmitter, netnsEmitter, applyEmitter, ansibleEmitter, docsEmitter, frrEmitter, nftablesEmitter, vyosEmitter, cephEmitter, dnsmasqEmitter];
