import type { AvinodeNotificationStatus } from '../../generated/prisma/enums.js';
import type { Metrics } from '../../observability/metrics.js';

/**
 * The intake's counters, in this process: every state a notification moves into, every
 * delivery the receiver refused (by HTTP status), and whether a worker is paused on
 * refused credentials. Plain numbers, so a metrics exporter can read them on scrape
 * without the intake knowing which one is in use.
 */
export type IntakeCounters = {
  /** Notifications that moved into each status (PENDING counts receipts and requeues). */
  transitions: Record<AvinodeNotificationStatus, number>;
  /** Deliveries the receiver answered with something other than 200, by status code. */
  refusedDeliveries: Record<string, number>;
  /** Workers in this process paused because the Avinode API refused the credentials. */
  pausedWorkers: number;
};

export const intakeCounters: IntakeCounters = {
  transitions: {
    PENDING: 0,
    PROCESSING: 0,
    APPLIED: 0,
    UNMATCHED: 0,
    IGNORED: 0,
    UNPARSEABLE: 0,
    REJECTED: 0,
    DEAD_LETTERED: 0,
  },
  refusedDeliveries: {},
  pausedWorkers: 0,
};

export function countTransition(status: AvinodeNotificationStatus, count = 1): void {
  intakeCounters.transitions[status] += count;
}

export function countRefusedDelivery(status: number): void {
  intakeCounters.refusedDeliveries[status] = (intakeCounters.refusedDeliveries[status] ?? 0) + 1;
}

/**
 * Exposes the counters in an app's Prometheus registry; read at scrape time, so they
 * are this process's totals (several apps in one process report the same numbers).
 */
export function registerIntakeMetrics(metrics: Metrics): void {
  metrics.counter({
    name: 'avinode_notification_transitions_total',
    help: 'Avinode notifications that moved into each intake status (PENDING counts receipts and retries).',
    labelNames: ['status'],
    collect() {
      this.reset();
      for (const [status, count] of Object.entries(intakeCounters.transitions)) this.inc({ status }, count);
    },
  });
  metrics.counter({
    name: 'avinode_webhook_refusals_total',
    help: 'Deliveries to POST /webhooks/avinode answered with something other than 200, by HTTP status.',
    labelNames: ['status'],
    collect() {
      this.reset();
      for (const [status, count] of Object.entries(intakeCounters.refusedDeliveries)) this.inc({ status }, count);
    },
  });
  metrics.gauge({
    name: 'avinode_intake_paused_workers',
    help: 'Intake workers paused because the Avinode API refused the credentials (401/403).',
    collect() {
      this.set(intakeCounters.pausedWorkers);
    },
  });
}
