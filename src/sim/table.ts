import type { KubeObject } from '../kube/types.js';
import { assetJson } from './assets.js';
import type { SimKind } from './types.js';
import { isCustomResourceKind } from './simKinds.js';

/**
 * Server-side printing (meta.k8s.io/v1 Table), with the columns and cell
 * formats of the v1.28 printers for the kinds kubectl users look at most,
 * and the default Name/Created At table for everything else.
 */

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number;
type Obj = Record<string, unknown>;

const CAPTURED = assetJson<Record<string, ColumnDefinition[]>>('table-columns.json');
const NAME_DESC = CAPTURED.Pod[0].description;
const AGE_DESC = CAPTURED.Pod[4].description;

const col = (name: string, description: string, priority = 0, type = 'string', format = ''): ColumnDefinition => ({ name, type, format, description, priority });
const NAME_COL = col('Name', NAME_DESC, 0, 'string', 'name');
const AGE_COL = col('Age', AGE_DESC);

/** Go's duration.HumanDuration, as every printer formats ages. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: unknown, now: number): string {
  if (typeof ts !== 'string' || !ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Obj[]) : []);
const o = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function formatLabelSelector(sel: unknown): string {
  const s = o(sel);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o(s.matchLabels))) parts.push(`${k}=${str(v)}`);
  for (const e of arr(s.matchExpressions)) {
    const op = str(e.operator);
    const vals = Array.isArray(e.values) ? (e.values as string[]).join(',') : '';
    if (op === 'In') parts.push(`${str(e.key)} in (${vals})`);
    else if (op === 'NotIn') parts.push(`${str(e.key)} notin (${vals})`);
    else if (op === 'Exists') parts.push(str(e.key));
    else if (op === 'DoesNotExist') parts.push(`!${str(e.key)}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): Cell[];
}

function podCells(pod: KubeObject, now: number): Cell[] {
  const spec = o(pod.spec);
  const status = o(pod.status);
  const containers = arr(spec.containers);
  let restarts = 0;
  let ready = 0;
  let reason = str(status.reason) || str(status.phase);
  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  initStatuses.forEach((c, i) => {
    restarts += Number(c.restartCount ?? 0);
    const st = o(c.state);
    if (st.terminated && Number(o(st.terminated).exitCode) === 0) return;
    if (st.terminated) {
      const t = o(st.terminated);
      reason = t.reason ? `Init:${str(t.reason)}` : t.signal ? `Init:Signal:${str(t.signal)}` : `Init:ExitCode:${str(t.exitCode)}`;
      initializing = true;
    } else if (st.waiting && o(st.waiting).reason && o(st.waiting).reason !== 'PodInitializing') {
      reason = `Init:${str(o(st.waiting).reason)}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`;
      initializing = true;
    }
  });
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += Number(c.restartCount ?? 0);
      const st = o(c.state);
      if (st.waiting && o(st.waiting).reason) reason = str(o(st.waiting).reason);
      else if (st.terminated && o(st.terminated).reason) reason = str(o(st.terminated).reason);
      else if (st.terminated) reason = o(st.terminated).signal ? `Signal:${str(o(st.terminated).signal)}` : `ExitCode:${str(o(st.terminated).exitCode)}`;
      else if (c.ready && st.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = status.conditions && arr(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  const gates = arr(spec.readinessGates);
  let gatesCell = '<none>';
  if (gates.length) {
    const conds = arr(status.conditions);
    const trueGates = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
    gatesCell = `${trueGates}/${gates.length}`;
  }
  return [
    pod.metadata.name ?? '',
    `${ready}/${containers.length}`,
    reason,
    String(restarts),
    since(pod.metadata.creationTimestamp, now),
    str(status.podIP) || '<none>',
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    gatesCell,
  ];
}

function deploymentCells(d: KubeObject, now: number): Cell[] {
  const spec = o(d.spec);
  const status = o(d.status);
  const containers = arr(o(o(spec.template).spec).containers);
  return [
    d.metadata.name ?? '',
    `${Number(status.readyReplicas ?? 0)}/${Number(spec.replicas ?? 0)}`,
    Number(status.updatedReplicas ?? 0),
    Number(status.availableReplicas ?? 0),
    since(d.metadata.creationTimestamp, now),
    containers.map((c) => str(c.name)).join(','),
    containers.map((c) => str(c.image)).join(','),
    formatLabelSelector(spec.selector),
  ];
}

function nodeCells(n: KubeObject, now: number): Cell[] {
  const spec = o(n.spec);
  const status = o(n.status);
  const conds = arr(status.conditions);
  const readyCond = conds.find((c) => c.type === 'Ready');
  const states: string[] = [readyCond ? (readyCond.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (spec.unschedulable) states.push('SchedulingDisabled');
  const roles: string[] = [];
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.push(v);
  }
  const addrs = arr(status.addresses);
  const info = o(status.nodeInfo);
  return [
    n.metadata.name ?? '',
    states.join(','),
    roles.length ? roles.sort().join(',') : '<none>',
    since(n.metadata.creationTimestamp, now),
    str(info.kubeletVersion),
    str(addrs.find((a) => a.type === 'InternalIP')?.address) || '<none>',
    str(addrs.find((a) => a.type === 'ExternalIP')?.address) || '<none>',
    str(info.osImage) || '<unknown>',
    str(info.kernelVersion) || '<unknown>',
    str(info.containerRuntimeVersion) || '<unknown>',
  ];
}

function eventCells(e: KubeObject, now: number): Cell[] {
  const ev = e as Obj;
  const first = str(ev.firstTimestamp) || str(ev.eventTime);
  const series = o(ev.series);
  const last = str(series.lastObservedTime) || str(ev.lastTimestamp) || str(ev.eventTime) || first;
  const inv = o(ev.involvedObject);
  const src = o(ev.source);
  let source = str(src.component) || str(ev.reportingComponent);
  if (src.host) source += `, ${str(src.host)}`;
  const count = Number(series.count ?? ev.count ?? 1);
  return [
    since(last, now),
    str(ev.type),
    str(ev.reason),
    `${str(inv.kind).toLowerCase()}/${str(inv.name)}`,
    str(inv.fieldPath),
    source,
    str(ev.message).trim(),
    since(first, now),
    count,
    e.metadata.name ?? '',
  ];
}

const PRINTERS: Record<string, Printer> = {
  Pod: { columns: CAPTURED.Pod, cells: podCells },
  'apps/Deployment': { columns: CAPTURED['apps/Deployment'], cells: deploymentCells },
  Node: { columns: CAPTURED.Node, cells: nodeCells },
  Event: { columns: CAPTURED.Event, cells: eventCells },
  Namespace: {
    columns: [NAME_COL, col('Status', 'The status of the namespace'), AGE_COL],
    cells: (ns, now) => [ns.metadata.name ?? '', str(o(ns.status).phase), since(ns.metadata.creationTimestamp, now)],
  },
  Service: {
    columns: [
      NAME_COL,
      col('Type', 'The type of the service.'),
      col('Cluster-IP', 'The IP address of the service.'),
      col('External-IP', 'The external IP address of the service.'),
      col('Port(s)', 'The ports this service exposes.'),
      AGE_COL,
      col('Selector', 'Label selector for pods. Pods that are selected by this service are its endpoints.', 1),
    ],
    cells: (svc, now) => {
      const spec = o(svc.spec);
      const type = str(spec.type) || 'ClusterIP';
      const lbIngress = arr(o(o(svc.status).loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname));
      const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
      let ext = '<none>';
      if (type === 'ExternalName') ext = str(spec.externalName);
      else if (type === 'LoadBalancer') ext = [...lbIngress, ...external].join(',') || '<pending>';
      else if (external.length) ext = external.join(',');
      const ports = arr(spec.ports).map((p) => (p.nodePort ? `${str(p.port)}:${str(p.nodePort)}/${str(p.protocol) || 'TCP'}` : `${str(p.port)}/${str(p.protocol) || 'TCP'}`));
      const sel = Object.entries(o(spec.selector)).map(([k, v]) => `${k}=${str(v)}`);
      return [svc.metadata.name ?? '', type, str(spec.clusterIP) || '<none>', ext, ports.length ? ports.join(',') : '<none>', since(svc.metadata.creationTimestamp, now), sel.length ? sel.join(',') : '<none>'];
    },
  },
};

const podTemplateCells = (spec: Obj): [string, string] => {
  const cs = arr(o(o(spec.template).spec).containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
};
const CONTAINERS_COL = col('Containers', 'Names of each container in the template.', 1);
const IMAGES_COL = col('Images', 'Images referenced by each container in the template.', 1);
const SELECTOR_COL = col('Selector', 'Label selector for pods.', 1);

Object.assign(PRINTERS, {
  'apps/ReplicaSet': {
    columns: [NAME_COL, col('Desired', 'Number of desired pods.'), col('Current', 'Number of actual replicas.'), col('Ready', 'Number of ready replicas.'), AGE_COL, CONTAINERS_COL, IMAGES_COL, SELECTOR_COL],
    cells: (rs: KubeObject, now: number) => {
      const spec = o(rs.spec);
      const st = o(rs.status);
      return [rs.metadata.name ?? '', Number(spec.replicas ?? 0), Number(st.replicas ?? 0), Number(st.readyReplicas ?? 0), since(rs.metadata.creationTimestamp, now), ...podTemplateCells(spec), formatLabelSelector(spec.selector)];
    },
  },
  'apps/StatefulSet': {
    columns: [NAME_COL, col('Ready', 'Number of the pod with ready state'), AGE_COL, CONTAINERS_COL, IMAGES_COL],
    cells: (ss: KubeObject, now: number) => {
      const spec = o(ss.spec);
      return [ss.metadata.name ?? '', `${Number(o(ss.status).readyReplicas ?? 0)}/${Number(spec.replicas ?? 0)}`, since(ss.metadata.creationTimestamp, now), ...podTemplateCells(spec)];
    },
  },
  'apps/DaemonSet': {
    columns: [
      NAME_COL,
      col('Desired', 'The desired number of nodes that should be running the daemon pod.'),
      col('Current', 'The number of nodes running at least one daemon pod.'),
      col('Ready', 'The number of nodes that should be running the daemon pod and have one or more running and ready.'),
      col('Up-to-date', 'The total number of nodes that are running updated daemon pod.'),
      col('Available', 'The number of nodes that should be running the daemon pod and have one or more running and available.'),
      col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      SELECTOR_COL,
    ],
    cells: (ds: KubeObject, now: number) => {
      const spec = o(ds.spec);
      const st = o(ds.status);
      const ns = Object.entries(o(o(o(spec.template).spec).nodeSelector)).map(([k, v]) => `${k}=${str(v)}`);
      return [
        ds.metadata.name ?? '',
        Number(st.desiredNumberScheduled ?? 0),
        Number(st.currentNumberScheduled ?? 0),
        Number(st.numberReady ?? 0),
        Number(st.updatedNumberScheduled ?? 0),
        Number(st.numberAvailable ?? 0),
        ns.length ? ns.join(',') : '<none>',
        since(ds.metadata.creationTimestamp, now),
        ...podTemplateCells(spec),
        formatLabelSelector(spec.selector),
      ];
    },
  },
  'batch/Job': {
    columns: [NAME_COL, col('Completions', 'The desired number of successfully finished pods the job should be run with.'), col('Duration', 'Time required to complete the job.'), AGE_COL, CONTAINERS_COL, IMAGES_COL, SELECTOR_COL],
    cells: (job: KubeObject, now: number) => {
      const spec = o(job.spec);
      const st = o(job.status);
      const start = Date.parse(str(st.startTime));
      const end = st.completionTime ? Date.parse(str(st.completionTime)) : now;
      return [job.metadata.name ?? '', `${Number(st.succeeded ?? 0)}/${Number(spec.completions ?? 1)}`, Number.isNaN(start) ? '' : humanDuration(end - start), since(job.metadata.creationTimestamp, now), ...podTemplateCells(spec), formatLabelSelector(spec.selector)];
    },
  },
  'batch/CronJob': {
    columns: [NAME_COL, col('Schedule', 'The schedule in Cron format.'), col('Suspend', 'Whether the cron job is suspended.'), col('Active', 'Active jobs.'), col('Last Schedule', 'Last time the job was scheduled.'), AGE_COL],
    cells: (cj: KubeObject, now: number) => {
      const spec = o(cj.spec);
      const st = o(cj.status);
      return [cj.metadata.name ?? '', str(spec.schedule), spec.suspend ? 'True' : 'False', arr(st.active).length, st.lastScheduleTime ? since(st.lastScheduleTime, now) : '<none>', since(cj.metadata.creationTimestamp, now)];
    },
  },
  ConfigMap: {
    columns: [NAME_COL, col('Data', 'Data contains the configuration data.'), AGE_COL],
    cells: (cm: KubeObject, now: number) => [cm.metadata.name ?? '', Object.keys(o((cm as Obj).data)).length + Object.keys(o((cm as Obj).binaryData)).length, since(cm.metadata.creationTimestamp, now)],
  },
  Secret: {
    columns: [NAME_COL, col('Type', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'Data contains the secret data.'), AGE_COL],
    cells: (sec: KubeObject, now: number) => [sec.metadata.name ?? '', str((sec as Obj).type), Object.keys(o((sec as Obj).data)).length, since(sec.metadata.creationTimestamp, now)],
  },
  ServiceAccount: {
    columns: [NAME_COL, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE_COL],
    cells: (sa: KubeObject, now: number) => [sa.metadata.name ?? '', arr((sa as Obj).secrets).length, since(sa.metadata.creationTimestamp, now)],
  },
  PersistentVolumeClaim: {
    columns: [NAME_COL, col('Status', 'The phase of the claim.'), col('Volume', 'The volume bound to the claim.'), col('Capacity', 'The capacity of the volume.'), col('Access Modes', 'The access modes of the volume.'), col('StorageClass', 'The storage class of the claim.'), AGE_COL],
    cells: (pvc: KubeObject, now: number) => {
      const spec = o(pvc.spec);
      const st = o(pvc.status);
      const modes = (Array.isArray(st.accessModes) ? (st.accessModes as string[]) : []).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m);
      return [pvc.metadata.name ?? '', str(st.phase), str(spec.volumeName), str(o(st.capacity).storage), modes.join(','), str(spec.storageClassName), since(pvc.metadata.creationTimestamp, now)];
    },
  },
  'networking.k8s.io/Ingress': {
    columns: [NAME_COL, col('Class', 'The ingress class.'), col('Hosts', 'Hosts that incoming requests are matched against.'), col('Address', 'Address is a list containing ingress points for the load-balancer.'), col('Ports', 'Ports of TLS configurations that open.'), AGE_COL],
    cells: (ing: KubeObject, now: number) => {
      const spec = o(ing.spec);
      const hosts = arr(spec.rules).map((r) => str(r.host)).filter(Boolean);
      const addrs = arr(o(o(ing.status).loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname));
      return [ing.metadata.name ?? '', str(spec.ingressClassName) || '<none>', hosts.length ? hosts.join(',') : '*', addrs.join(','), arr(spec.tls).length ? '80, 443' : '80', since(ing.metadata.creationTimestamp, now)];
    },
  },
});

function printerFor(kind: SimKind): Printer {
  const key = kind.group ? `${kind.group}/${kind.kind}` : kind.kind;
  const p = PRINTERS[key];
  if (p) return p;
  if (isCustomResourceKind(kind)) return { columns: [NAME_COL, col('Age', AGE_DESC, 0, 'date')], cells: (x) => [x.metadata.name ?? '', str(x.metadata.creationTimestamp)] };
  return {
    columns: [NAME_COL, col('Created At', AGE_DESC, 0, 'date')],
    cells: (x) => [x.metadata.name ?? '', str(x.metadata.creationTimestamp)],
  };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** Row object as includeObject asks: null, PartialObjectMetadata, or the full object. */
function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return null;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Serializes a Table for `objects`. `withColumns` false writes `columnDefinitions: null` (watch events after the first). */
export function tableJson(kind: SimKind, objects: KubeObject[], meta: TableMeta, include: IncludeObject, withColumns = true): string {
  const p = printerFor(kind);
  const now = Date.now();
  const rows = objects.map((obj) => ({ cells: p.cells(obj, now), object: rowObject(obj, include) }));
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  return JSON.stringify({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: withColumns ? p.columns : null, rows });
}
