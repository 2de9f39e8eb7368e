import type { KubeObject } from '../../kube/types.js';

/** Computes the one-word status of an object of one kind; undefined when the kind has none. Must not throw on odd shapes. */
export type StatusSummarizer = (obj: KubeObject) => string | undefined;
