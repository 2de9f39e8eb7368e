import type { Scenario } from './types.js';
import { initialSync } from './initialSync.js';
import { scale } from './scale.js';
import { eventLatency } from './eventLatency.js';
import { query } from './query.js';
import { relations } from './relations.js';
import { warmRestart } from './warmRestart.js';
import { addCluster } from './addCluster.js';

/**
 * Every scenario, in the order they run: the single-cluster ones that need
 * a quiet machine first, then those sharing the fleet environment (started
 * once, stopped before the next group), then the warm restart, which brings
 * its own processes.
 */
export const SCENARIO_ORDER: readonly Scenario[] = [initialSync, scale, eventLatency, query, relations, addCluster, warmRestart];
