/**
 * A worker process of the demo: it selects the backend named on its command line, then runs the
 * jobs the main process sends, one at a time, and sends back progress and results. Messages use
 * the structured-clone serialisation, so NaN and Infinity survive the trip.
 */
import { useBackendByName } from './backends.js';
import { runJob, type JobSpec } from './jobs.js';

export type ToWorker = { readonly type: 'job'; readonly id: string; readonly job: JobSpec };
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: string; readonly fraction: number }
  | { readonly type: 'result'; readonly id: string; readonly result: unknown; readonly cpuSeconds: number }
  | { readonly type: 'error'; readonly id: string; readonly message: string };

const send = (m: FromWorker) => process.send!(m);

try {
  await useBackendByName(process.argv[2] ?? 'cpu');
} catch (e) {
  // the pool fails every job with a pointer here; the message is what the user needs
  console.error(`demo worker: ${(e as Error).message}`);
  process.exit(1);
}
process.on('message', (m: ToWorker) => {
  if (m.type !== 'job') return;
  let last = 0;
  const c0 = process.cpuUsage();
  runJob(m.job, (fraction) => {
    if (fraction - last >= 0.05 || fraction === 1) {
      last = fraction;
      send({ type: 'progress', id: m.id, fraction });
    }
  }).then(
    (result) => {
      const c = process.cpuUsage(c0);
      send({ type: 'result', id: m.id, result, cpuSeconds: (c.user + c.system) / 1e6 });
    },
    (e: unknown) =>
      send({ type: 'error', id: m.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
send({ type: 'ready' });
