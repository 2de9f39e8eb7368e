import type { KubeObject } from '../../kube/types.js';
import type { NodeRef } from './pods.js';
import { podIpOf } from './nodes.js';
import type { Rng } from './random.js';

/**
 * Where generated pods land: the nodes of a cluster with their pod IP
 * allocators, and the Service IP allocator of the generated workload.
 */

export interface LayoutNode extends NodeRef {
  index: number;
  ready: boolean;
  pods: number;
  nextIp: number;
}

/** The node index encoded in a node's pod CIDR ("10.244.7.0/24" → 7). */
export function nodeIndexOf(node: KubeObject): number {
  const cidr = (node.spec as { podCIDR?: string } | undefined)?.podCIDR ?? '';
  const m = /^10\.(\d+)\.(\d+)\.0\/24$/.exec(cidr);
  return m ? (Number(m[1]) - 244) * 256 + Number(m[2]) : -1;
}

export function layoutNodeOf(node: KubeObject): LayoutNode {
  const status = node.status as { addresses?: Array<{ type: string; address: string }>; conditions?: Array<{ type: string; status: string }> } | undefined;
  const ip = status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '10.128.0.2';
  const zone = node.metadata.labels?.['topology.kubernetes.io/zone'] ?? 'zone-a';
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return { name: node.metadata.name as string, ip, zone, index: nodeIndexOf(node), ready, pods: 0, nextIp: 0 };
}

export class ClusterLayout {
  readonly nodes: LayoutNode[] = [];
  private readyNodes: LayoutNode[] = [];
  private nextServiceIp = 0;

  constructor(private readonly rng: Rng) {}

  addNode(n: LayoutNode): void {
    this.nodes.push(n);
    if (n.ready) this.readyNodes.push(n);
  }

  /** A ready node with room (random, favouring emptier nodes). */
  pickNode(): LayoutNode {
    const pool = this.readyNodes.length ? this.readyNodes : this.nodes;
    let best = pool[this.rng.int(0, pool.length - 1)];
    const other = pool[this.rng.int(0, pool.length - 1)];
    if (other.pods < best.pods) best = other;
    return best;
  }

  /** Places one pod on `node` and returns its IP (host-network pods get the node IP). */
  place(node: LayoutNode, hostNetwork = false): string {
    node.pods++;
    if (hostNetwork) return node.ip;
    return podIpOf(node.index, node.nextIp++);
  }

  /** Next ClusterIP for generated Services: 10.100.0.0 upwards, inside the 10.96.0.0/12 service range. */
  serviceIp(): string {
    const n = this.nextServiceIp++;
    const host = n % 254;
    const subnet = Math.floor(n / 254);
    return `10.${100 + ((subnet >> 8) & 7)}.${subnet & 255}.${host + 1}`;
  }
}
