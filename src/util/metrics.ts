import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/**
 * The process-wide Prometheus registry served at /metrics. Modules declare
 * their metrics next to the code that updates them, through these helpers,
 * so that a metric is registered once however often a module is imported.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'kubeatlas_' });

export function counter<T extends string>(cfg: Omit<CounterConfiguration<T>, 'registers'>): Counter<T> {
  const existing = metricsRegistry.getSingleMetric(cfg.name);
  if (existing) return existing as Counter<T>;
  return new Counter<T>({ ...cfg, registers: [metricsRegistry] });
}

export function gauge<T extends string>(cfg: Omit<GaugeConfiguration<T>, 'registers'>): Gauge<T> {
  const existing = metricsRegistry.getSingleMetric(cfg.name);
  if (existing) return existing as Gauge<T>;
  return new Gauge<T>({ ...cfg, registers: [metricsRegistry] });
}

export function histogram<T extends string>(cfg: Omit<HistogramConfiguration<T>, 'registers'>): Histogram<T> {
  const existing = metricsRegistry.getSingleMetric(cfg.name);
  if (existing) return existing as Histogram<T>;
  return new Histogram<T>({ ...cfg, registers: [metricsRegistry] });
}
