import type { BenchParams, ScenarioName } from '../lib/params.js';
import type { ResultRow } from '../lib/table.js';
import type { FleetEnv } from '../lib/fleetEnv.js';

/** Which CPUs each side runs on (taskset), or undefined when not pinned. */
export interface CpuPlan {
  /** kubeatlas and, in turn, each peer it is compared with. */
  subject: string | undefined;
  /** Simulated apiservers and load clients. */
  others: string | undefined;
  /** One sentence for the report. */
  description: string;
}

export interface BenchContext {
  readonly params: BenchParams;
  readonly cpus: CpuPlan;
  /** Progress line on stderr. */
  log(message: string): void;
  /** The shared C x M environment (simulators + kubeatlas + load client), started on first use. */
  fleet(): Promise<FleetEnv>;
}

export interface ScenarioOutcome {
  rows: ResultRow[];
  /** Every measured figure, for bench/results/*.json. */
  data: Record<string, unknown>;
}

export interface Scenario {
  name: ScenarioName;
  /** Number in issue 8. */
  n: number;
  title: string;
  /** Whether it runs in the shared fleet environment. */
  usesFleet: boolean;
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}

/** Thrown by a scenario that cannot run here (Redis missing...): the run goes on with a "skipped" row. */
export class SkipScenario extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipScenario';
  }
}
