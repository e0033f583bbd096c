import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { registerBuild } from './build.js';
import { registerInfo } from './info.js';
import { registerDiff } from './diff.js';
import { registerShow } from './show.js';
import { registerInit } from './init.js';
import { registerWatch } from './watch.js';
import { registerLab } from './lab.js';

/** Every subcommand, one module each; a new command adds its module here. */
export const commandModules: Array<(program: Command, ctx: CommandContext) => void> = [registerBuild, registerInfo, registerDiff, registerShow, registerInit, registerWatch, registerLab];
