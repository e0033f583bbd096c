import { parentPort, workerData } from 'node:worker_threads';
import { SURVEY_THREAD, surveyTree } from './survey.js';

/** The thread of survey.ts's startSurvey: surveys one output tree and reports it. */
const job = workerData as { tag?: string; finalDir?: string } | null;
if (job?.tag === SURVEY_THREAD && job.finalDir && parentPort) parentPort.postMessage(surveyTree(job.finalDir, true));
