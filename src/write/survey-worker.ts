import { parentPort, workerData } from 'node:worker_threads';
import { COUNT_THREAD, SURVEY_THREAD, surveyTransferables, surveyTreeWithLookup } from './survey.js';
import { countFiles } from './tree-files.js';

/** The thread of survey.ts's startSurvey (surveys one output tree and reports it) and countFilesOnThread. */
const job = workerData as { tag?: string; finalDir?: string } | null;
if (job?.tag === SURVEY_THREAD && job.finalDir && parentPort) {
  const survey = surveyTreeWithLookup(job.finalDir);
  parentPort.postMessage(survey, surveyTransferables(survey));
}
if (job?.tag === COUNT_THREAD && job.finalDir && parentPort) parentPort.postMessage(countFiles(job.finalDir));
