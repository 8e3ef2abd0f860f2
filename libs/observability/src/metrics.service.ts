import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface PoolStatsSource {
  (): { total: number; idle: number; waiting: number };
}

/**
 * Prometheus metrics of this process. One registry per app instance (not prom-client's global),
 * so two instances in one test process do not collide. Modules add their own metrics through
 * `counter` / `histogram` (get-or-create by name).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly cacheReads: Counter<'result'>;
  private poolStats?: PoolStatsSource;
  /** Histogram children by "method route status": prom-client hashes a label object per observe otherwise. */
  private readonly httpSeries = new Map<string, { observe(value: number): void }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'avn_' });
    this.httpDuration = new Histogram({
      name: 'avn_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.cacheReads = new Counter({
      name: 'avn_cache_reads_total',
      help: 'Cache reads by result (hit, miss, error)',
      labelNames: ['result'],
      registers: [this.registry],
    });
    const stats = () => this.poolStats?.() ?? { total: 0, idle: 0, waiting: 0 };
    new Gauge({
      name: 'avn_db_pool_connections',
      help: 'Open database connections',
      registers: [this.registry],
      collect() {
        this.set(stats().total);
      },
    });
    new Gauge({
      name: 'avn_db_pool_idle',
      help: 'Idle database connections',
      registers: [this.registry],
      collect() {
        this.set(stats().idle);
      },
    });
    new Gauge({
      name: 'avn_db_pool_waiting',
      help: 'Queries waiting for a connection',
      registers: [this.registry],
      collect() {
        this.set(stats().waiting);
      },
    });
  }

  setPoolStatsSource(source: PoolStatsSource): void {
    this.poolStats = source;
  }

  /** One HTTP request's latency; called for every response, so the labelled series is looked up by one string. */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const id = `${method} ${route} ${status}`;
    let series = this.httpSeries.get(id);
    if (!series) {
      series = this.httpDuration.labels({ method, route, status: String(status) });
      this.httpSeries.set(id, series);
    }
    series.observe(seconds);
  }

  recordCacheRead = (result: 'hit' | 'miss' | 'error', count = 1): void => {
    this.cacheReads.inc({ result }, count);
  };

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return (this.registry.getSingleMetric(name) as Counter<L>) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
    return (this.registry.getSingleMetric(name) as Gauge<L>) ?? new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]): Histogram<L> {
    return (
      (this.registry.getSingleMetric(name) as Histogram<L>) ??
      new Histogram({ name, help, labelNames, buckets, registers: [this.registry] })
    );
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
