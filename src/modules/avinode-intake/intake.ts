import type { Plugin } from 'graphql-yoga';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { PubSub } from '../../pubsub.js';
import { createAvinodeClient } from './avinode-client.js';
import type { AvinodeConfig } from './intake.config.js';
import { registerIntakeMetrics } from './intake-metrics.js';
import { avinodeReceiverPlugin } from './receiver.js';
import { IntakeWorker, type WorkerStatus } from './worker.js';

export type AvinodeIntake = {
  /** The POST /webhooks/avinode route, as a yoga plugin. */
  plugin: Plugin;
  start(): void;
  stop(): Promise<void>;
  /** For /readyz: what the intake is doing on this instance. */
  status(): { receiver: 'on' | 'off'; worker: 'off' | 'running' | 'paused'; pausedReason?: string };
};

/** The receiver and this instance's worker, wired to the app's database, pub/sub and logger. */
export function createAvinodeIntake(deps: {
  config: AvinodeConfig;
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  metrics: Metrics;
}): AvinodeIntake {
  const { config, prisma, pubsub, logger } = deps;
  registerIntakeMetrics(deps.metrics);
  const worker = config.api
    ? new IntakeWorker(
        {
          prisma,
          pubsub,
          logger,
          client: createAvinodeClient(config.api),
          retry: config.retry,
          pollIntervalMs: config.pollIntervalMs,
          concurrency: config.concurrency,
        },
        config.api.timeoutMs,
      )
    : undefined;
  const plugin = avinodeReceiverPlugin({ prisma, logger, config, onStored: () => worker?.wake() });
  return {
    plugin,
    start() {
      if (config.webhook && !worker)
        logger.warn('avinode notifications are stored but not processed: set AVINODE_API_URL and AVINODE_API_TOKEN');
      worker?.start();
    },
    stop: async () => worker?.stop(),
    status() {
      const state: WorkerStatus | undefined = worker?.status();
      return {
        receiver: config.webhook ? 'on' : 'off',
        worker: !state ? 'off' : state.paused ? 'paused' : 'running',
        ...(state?.reason ? { pausedReason: state.reason } : {}),
      };
    },
  };
}
