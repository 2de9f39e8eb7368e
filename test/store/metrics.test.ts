import { describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../src/util/metrics.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { POD, pod } from './helpers.js';

describe('store metrics', () => {
  it('exports objects per cluster/kind and events per cluster/kind/type at scrape time', async () => {
    const store = new ResourceStore();
    const sink = store.sinkFor('metrics-test', POD);
    sink.apply('ADDED', pod({ name: 'a', rv: 1 }));
    sink.apply('ADDED', pod({ name: 'b', rv: 1 }));
    sink.apply('MODIFIED', pod({ name: 'a', rv: 2 }));
    sink.apply('DELETED', pod({ name: 'b', rv: 2 }));
    const text = await metricsRegistry.metrics();
    expect(text).toContain('kubeatlas_store_objects{cluster="metrics-test",kind="Pod"} 1');
    expect(text).toContain('kubeatlas_store_events_total{cluster="metrics-test",kind="Pod",type="ADDED"} 2');
    expect(text).toContain('kubeatlas_store_events_total{cluster="metrics-test",kind="Pod",type="MODIFIED"} 1');
    expect(text).toContain('kubeatlas_store_events_total{cluster="metrics-test",kind="Pod",type="DELETED"} 1');
    store.removeCluster('metrics-test');
    expect(await metricsRegistry.metrics()).not.toContain('cluster="metrics-test"');
  });
});
