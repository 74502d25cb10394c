import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

/**
 * This app instance's Prometheus metrics: one registry per instance, never prom-client's
 * global one, so several apps in one process (tests, benches) each count their own.
 *
 * Other modules add their own instruments through `counter`, `gauge` and `histogram`,
 * which register in this registry, e.g. in createApp:
 *
 *   const received = metrics.counter({ name: 'avinode_notifications_total', help: '…', labelNames: ['outcome'] });
 *
 * Names are unique per registry (prom-client throws on a second registration).
 * Label values must come from a small, fixed set; anything a client sends
 * (operation names) goes through `boundedLabel` first.
 */
export type Metrics = {
  registry: Registry;
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>;
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
  /** The Prometheus text exposition of everything registered. */
  scrape(): Promise<{ contentType: string; body: string }>;
};

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // CPU, memory, event-loop lag, GC: only when someone will read them (they start observers).
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    counter: (config) => new Counter({ ...config, registers: [registry] }),
    gauge: (config) => new Gauge({ ...config, registers: [registry] }),
    histogram: (config) => new Histogram({ ...config, registers: [registry] }),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/** The label for values beyond the first `limit` distinct ones. */
export const OTHER_LABEL = '__other__';

/**
 * Keeps a label's values to the first `limit` distinct ones seen (the rest read as
 * `__other__`), so a client inventing operation names cannot grow the registry without end.
 */
export function boundedLabel(limit: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= limit) return OTHER_LABEL;
    seen.add(value);
    return value;
  };
}
