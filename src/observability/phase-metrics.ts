import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

/**
 * yoga's Prometheus plugin for what it measures well: how long each GraphQL phase
 * (parse, validate, context, execute, subscribe) and each HTTP request takes.
 * Labels a client chooses (operation name, URL) are off here: operation names are
 * counted, bounded, by graphql_operations_total and its latency histogram.
 */
export function phaseMetricsPlugin(metrics: Metrics): Plugin {
  return usePrometheus({
    registry: metrics.registry,
    endpoint: false,
    labels: { operationName: false, url: false },
    metrics: {
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_context: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_phase_subscribe: true,
      graphql_yoga_http_duration: true,
      // Counted by graphql_operations_total / graphql_errors_total (with codes, bounded names).
      graphql_envelop_request: false,
      graphql_envelop_request_duration: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_error_result: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
    },
  });
}
