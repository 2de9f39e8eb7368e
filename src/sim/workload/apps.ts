import type { OwnerReference } from '../../kube/types.js';
import { COMPONENTS, CRONJOBS, STATEFUL, VERSIONS, type ComponentProfile } from './catalog.js';
import { appConfigData, buildConfigMap, buildSecret, buildServiceAccount, fakeSecretData } from './config.js';
import { controllerRef, type GenContext, type Labels } from './context.js';
import { buildEvent, eventSuffix, type InvolvedObject } from './events.js';
import type { ClusterLayout, LayoutNode } from './layout.js';
import { buildEndpointSlice, buildIngress, buildNetworkPolicy, buildService, type SliceEndpoint } from './networking.js';
import { podTemplateHash } from './podTemplateHash.js';
import { buildPod, type PodState, type PodTemplate } from './pods.js';
import { buildHpa, buildPdb } from './scaling.js';
import { buildBoundVolume, DEFAULT_STORAGE_CLASS } from './storage.js';
import { appLabels, componentTemplate, jobTemplate, selectorLabels, statefulTemplate, type AppRefs, type TemplateComplexity } from './templates.js';
import { Rng } from './random.js';
import { DAY, HOUR, MINUTE } from './time.js';
import {
  buildCronJob,
  buildDeployment,
  buildJob,
  buildReplicaSet,
  buildStatefulSet,
  deploymentStatus,
  jobPodLabels,
  jobStatus,
  replicaSetAnnotations,
  replicaSetStatus,
  statefulSetStatus,
  type PodCounts,
} from './workloads.js';

/**
 * Generators of whole applications: a Deployment with its ReplicaSets, pods,
 * Service, EndpointSlice, config, autoscaling and policy objects; a
 * StatefulSet with volumes; a CronJob with its Jobs and pods. Every
 * reference between the emitted objects resolves.
 */

export interface NamespaceInfo {
  name: string;
  team: string;
  env: string;
  created: number;
  pullSecret: string;
  /** Names already used in the namespace. */
  used: Set<string>;
  /** Pod names already used in the namespace (generated suffixes can collide). */
  podNames?: Set<string>;
}

/** A pod the generator emitted, kept to aim events at. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  container: string;
  image: string;
}

/** Second words of application names ("payments-api-internal"). */
const QUALIFIERS = ['internal', 'public', 'v2', 'legacy', 'events', 'batch', 'edge', 'sync', 'reports', 'partner', 'mobile', 'search', 'billing', 'canary', 'eu', 'us', 'ledger', 'audit', 'export', 'import'] as const;

export class AppGenerator {
  /** A bounded sample of emitted pods. */
  readonly podSample: PodRef[] = [];
  private podsSeen = 0;

  constructor(
    private readonly ctx: GenContext,
    private readonly layout: ClusterLayout,
    /** Names and uids of events (a stream of their own: events never shift the names of other objects). */
    private readonly eventRng: Rng,
  ) {}

  private get rng() {
    return this.ctx.rng;
  }

  /** Emits an Event about `involved`. */
  event(namespace: string, involved: InvolvedObject, reason: string, message: string, type: 'Normal' | 'Warning', component: string, host: string | undefined, first: number, last = first, count = 1): void {
    const ev = buildEvent({ namespace, suffix: eventSuffix(first, this.eventRng.int(0, 999_999)), uid: this.eventRng.uuid(), involved, reason, message, type, component, host, first, last, count });
    this.ctx.emit('Event', ev);
  }

  private remember(p: PodRef): void {
    this.podsSeen++;
    if (this.podSample.length < 2000) this.podSample.push(p);
    else {
      const i = this.rng.int(0, this.podsSeen - 1);
      if (i < 2000) this.podSample[i] = p;
    }
  }

  /** `base`, or `base-<qualifier>` when taken (then numbered as a last resort). */
  private uniqueName(ns: NamespaceInfo, base: string): string {
    let name = base;
    if (ns.used.has(name)) {
      const start = this.rng.int(0, QUALIFIERS.length - 1);
      for (let i = 0; i < QUALIFIERS.length && ns.used.has(name); i++) name = `${base}-${QUALIFIERS[(start + i) % QUALIFIERS.length]}`;
      for (let i = 2; ns.used.has(name); i++) name = `${base}-${i}`;
    }
    ns.used.add(name);
    return name;
  }

  /** `<prefix><5 random chars>`, unique among the namespace's pods. */
  private podName(ns: NamespaceInfo, prefix: string): string {
    const names = (ns.podNames ??= new Set());
    let name = `${prefix}${this.rng.nameSuffix(5)}`;
    while (names.has(name)) name = `${prefix}${this.rng.nameSuffix(5)}`;
    names.add(name);
    return name;
  }

  private podState(): PodState {
    return this.rng.weighted<PodState>([
      ['running', 955],
      ['notReady', 8],
      ['crashLoop', 12],
      ['creating', 5],
      ['pending', 20],
    ]);
  }

  /** Emits one pod of a controller and its lifecycle events; returns its endpoint data (undefined when it has no IP). */
  private pod(o: {
    ns: NamespaceInfo;
    name: string;
    generateName: string;
    template: PodTemplate;
    owner: OwnerReference;
    extraLabels?: Labels;
    created: number;
    state: PodState;
    hostname?: string;
    subdomain?: string;
    finalizers?: string[];
    node?: LayoutNode;
  }): SliceEndpoint | undefined {
    const rng = this.rng;
    const unscheduled = o.state === 'pending';
    const node = unscheduled ? undefined : (o.node ?? this.layout.pickNode());
    const hostNetwork = !!o.template.spec.hostNetwork;
    const podIP = node && o.state !== 'creating' ? this.layout.place(node, hostNetwork) : undefined;
    if (node && !podIP) node.pods++;
    const restartCount = o.state === 'crashLoop' ? rng.int(4, 180) : o.state === 'running' && rng.chance(0.04) ? rng.int(1, 6) : 0;
    const uid = rng.uuid();
    const startedAt = o.state === 'creating' ? this.ctx.now - rng.int(5, 50) * 1000 : o.created + rng.int(2, 30) * 1000;
    const created = o.state === 'creating' ? startedAt - 2_000 : o.created;
    const pod = buildPod({
      namespace: o.ns.name,
      name: o.name,
      generateName: o.generateName,
      uid,
      created,
      template: o.template,
      owner: o.owner,
      extraLabels: o.extraLabels,
      finalizers: o.finalizers,
      node,
      podIP,
      state: o.state,
      restartCount,
      startedAt,
      hostname: o.hostname,
      subdomain: o.subdomain,
      tokenVolumeSuffix: rng.nameSuffix(5),
      rng,
      unschedulableMessage: unscheduled ? `0/${this.layout.nodes.length} nodes are available: ${this.layout.nodes.length} Insufficient cpu. preemption: 0/${this.layout.nodes.length} nodes are available: ${this.layout.nodes.length} No preemption victims found for incoming pod.` : undefined,
    });
    this.ctx.emit('Pod', pod);
    const main = (o.template.spec.containers as Array<{ name: string; image: string }>)[0];
    const involved: InvolvedObject = { kind: 'Pod', namespace: o.ns.name, name: o.name, uid, apiVersion: 'v1' };
    if (node) this.remember({ namespace: o.ns.name, name: o.name, uid, node: node.name, container: main.name, image: main.image });
    const recent = this.ctx.now - o.created < HOUR && rng.chance(0.5);
    switch (o.state) {
      case 'pending':
        this.event(o.ns.name, { ...involved, resourceVersion: '1' }, 'FailedScheduling', (pod.status as { conditions: Array<{ message: string }> }).conditions[0].message, 'Warning', 'default-scheduler', undefined, Math.max(o.created, this.ctx.now - 50 * MINUTE), this.ctx.now - rng.int(10, 300) * 1000, rng.int(2, 40));
        break;
      case 'crashLoop':
        this.event(o.ns.name, { ...involved, fieldPath: `spec.containers{${main.name}}` }, 'BackOff', 'Back-off restarting failed container', 'Warning', 'kubelet', node?.name, this.ctx.now - rng.int(20, 59) * MINUTE, this.ctx.now - rng.int(5, 120) * 1000, restartCount * 4 + rng.int(0, 3));
        break;
      case 'notReady':
        this.event(o.ns.name, { ...involved, fieldPath: `spec.containers{${main.name}}` }, 'Unhealthy', `Readiness probe failed: HTTP probe failed with statuscode: 503`, 'Warning', 'kubelet', node?.name, this.ctx.now - rng.int(10, 59) * MINUTE, this.ctx.now - rng.int(5, 60) * 1000, rng.int(5, 300));
        break;
      case 'creating':
        this.event(o.ns.name, involved, 'Scheduled', `Successfully assigned ${o.ns.name}/${o.name} to ${node?.name}`, 'Normal', 'default-scheduler', undefined, created);
        break;
      default:
        if (recent) {
          this.event(o.ns.name, involved, 'Scheduled', `Successfully assigned ${o.ns.name}/${o.name} to ${node?.name}`, 'Normal', 'default-scheduler', undefined, created);
          this.event(o.ns.name, { ...involved, fieldPath: `spec.containers{${main.name}}` }, 'Pulled', `Container image "${main.image}" already present on machine`, 'Normal', 'kubelet', node?.name, created + 1_000);
          this.event(o.ns.name, { ...involved, fieldPath: `spec.containers{${main.name}}` }, 'Started', `Started container ${main.name}`, 'Normal', 'kubelet', node?.name, created + 2_000);
        }
    }
    if (!node || !podIP) return undefined;
    const ready = o.state === 'running';
    return { ip: podIP, ready, podName: o.name, podUid: uid, nodeName: node.name, zone: node.zone };
  }

  private replicas(max: number): number {
    const r = this.rng.weighted<number>([
      [1, 5], [2, 8], [3, 9], [4, 7], [5, 6], [6, 6], [8, 7], [10, 7], [12, 8], [16, 9], [20, 9], [25, 9], [30, 8], [40, 8], [50, 6], [60, 5],
    ]);
    return Math.max(1, Math.min(r, max));
  }

  private refs(ns: NamespaceInfo, app: string, opts: { config: boolean; secret: boolean; sa: boolean; version: string }): AppRefs {
    return {
      namespace: ns.name,
      team: ns.team,
      env: ns.env,
      app,
      version: opts.version,
      configMap: opts.config ? `${app}-config` : undefined,
      secret: opts.secret ? `${app}-secrets` : undefined,
      serviceAccount: opts.sa ? app : 'default',
      pullSecret: ns.pullSecret,
      labelStyle: this.rng.weighted([['minimal', 35], ['short', 30], ['recommended', 35]] as const),
    };
  }

  /** Config objects an app's pods reference. */
  private appConfig(ns: NamespaceInfo, r: AppRefs, labels: Labels, created: number): void {
    const rng = this.rng;
    if (r.configMap) this.ctx.emit('ConfigMap', buildConfigMap({ namespace: ns.name, name: r.configMap, uid: rng.uuid(), created, labels: { 'app.kubernetes.io/name': r.app, team: r.team }, data: appConfigData(rng, r.app, r.team, r.env) }));
    if (r.secret) this.ctx.emit('Secret', buildSecret({ namespace: ns.name, name: r.secret, uid: rng.uuid(), created, labels: { 'app.kubernetes.io/name': r.app, team: r.team }, type: 'Opaque', data: fakeSecretData(rng) }));
    if (r.serviceAccount !== 'default') {
      this.ctx.emit('ServiceAccount', buildServiceAccount({ namespace: ns.name, name: r.serviceAccount, uid: rng.uuid(), created, labels: { 'app.kubernetes.io/name': r.app, team: r.team }, imagePullSecrets: [ns.pullSecret] }));
    }
    void labels;
  }

  private serviceWithSlice(ns: NamespaceInfo, name: string, labels: Labels, selector: Labels | undefined, ports: Array<{ name: string; port: number; targetPort: number | string; containerPort: number }>, endpoints: SliceEndpoint[], created: number, headless = false): void {
    const rng = this.rng;
    const svcUid = rng.uuid();
    const type = !headless && rng.chance(0.03) ? 'LoadBalancer' : 'ClusterIP';
    this.ctx.emit('Service', buildService({ namespace: ns.name, name, uid: svcUid, created, labels, selector, ports, clusterIP: headless ? 'None' : this.layout.serviceIp(), type }));
    const lastChange = endpoints.length ? this.ctx.now - rng.int(1, 48) * HOUR : created;
    this.ctx.emit(
      'discovery.k8s.io/EndpointSlice',
      buildEndpointSlice({
        namespace: ns.name,
        name: `${name}-${rng.nameSuffix(5)}`,
        uid: rng.uuid(),
        created: created + 1_000,
        service: { name, uid: svcUid, labels },
        endpoints,
        ports: ports.map((p) => ({ name: p.name, port: p.containerPort })),
        changed: Math.max(created + 1_000, lastChange),
        generation: endpoints.length ? rng.int(1, 12) : 1,
      }),
    );
  }

  /** A Deployment-based application. Returns the number of objects emitted is not tracked here (the caller counts emits). */
  deploymentApp(ns: NamespaceInfo, maxReplicas: number, component?: ComponentProfile): void {
    const rng = this.rng;
    const profile = component ?? rng.pick(COMPONENTS);
    const app = this.uniqueName(ns, `${ns.team}-${profile.name}`);
    const versionIdx = rng.int(2, VERSIONS.length - 1);
    const version = VERSIONS[versionIdx];
    const r = this.refs(ns, app, { config: rng.chance(0.75), secret: rng.chance(0.55), sa: rng.chance(0.45), version });
    const complexity = rng.weighted<TemplateComplexity>([['simple', 70], ['standard', 24], ['rich', 6]]);
    const scrape = rng.chance(0.4);
    const tplRng = rng.nextUint32();
    const template = componentTemplate(new Rng(tplRng, 7), profile, r, complexity, scrape);
    const replicas = this.replicas(maxReplicas);
    const oldCount = rng.chance(0.65) ? 1 : 2;
    const revision = oldCount + rng.int(1, 8);
    const created = Math.max(ns.created + HOUR, this.ctx.now - rng.int(3, 150) * DAY);
    const rolledOut = Math.min(this.ctx.now - MINUTE, Math.max(created + (oldCount + 1) * HOUR, this.ctx.now - (rng.chance(0.06) ? rng.int(2, 59) * MINUTE : rng.int(1, 30 * 24) * HOUR)));
    const labels = appLabels(r, profile.tier);
    const selector = selectorLabels(r);
    const depUid = rng.uuid();
    this.appConfig(ns, r, labels, created);

    const states: PodState[] = [];
    for (let i = 0; i < replicas; i++) states.push(this.podState());
    const ready = states.filter((s) => s === 'running').length;
    const live = states.length;
    const hash = podTemplateHash(template);
    const rsName = `${app}-${hash}`;
    const depOwner = controllerRef('apps/v1', 'Deployment', app, depUid);

    // Old ReplicaSets: older versions of the template (or a `kubectl rollout restart`), scaled to 0.
    const hashes = new Set([hash]);
    for (let k = oldCount; k >= 1; k--) {
      const oldVersion = VERSIONS[Math.max(0, versionIdx - k)] === version ? `${version}-rc${k}` : VERSIONS[Math.max(0, versionIdx - k)];
      const oldCreated = created + Math.floor(((rolledOut - created) * (oldCount - k)) / (oldCount + 1)) + (oldCount - k) * MINUTE;
      let oldTemplate = componentTemplate(new Rng(tplRng, 7), profile, { ...r, version: oldVersion }, complexity, scrape);
      let oldHash = podTemplateHash(oldTemplate);
      if (hashes.has(oldHash)) {
        const annotations = { ...(oldTemplate.metadata.annotations ?? {}), 'kubectl.kubernetes.io/restartedAt': new Date(oldCreated).toISOString().replace(/\.\d{3}Z$/, 'Z') };
        oldTemplate = { metadata: { ...oldTemplate.metadata, annotations }, spec: oldTemplate.spec };
        oldHash = podTemplateHash(oldTemplate);
      }
      hashes.add(oldHash);
      const oldTplWithHash: PodTemplate = { metadata: { ...oldTemplate.metadata, labels: { ...oldTemplate.metadata.labels, 'pod-template-hash': oldHash } }, spec: oldTemplate.spec };
      this.ctx.emit(
        'apps/ReplicaSet',
        buildReplicaSet({
          namespace: ns.name,
          name: `${app}-${oldHash}`,
          uid: rng.uuid(),
          created: oldCreated,
          generation: 1,
          owner: depOwner,
          labels: { ...oldTplWithHash.metadata.labels },
          annotations: replicaSetAnnotations(replicas, revision - k),
          replicas: 0,
          selector: { ...selector, 'pod-template-hash': oldHash },
          template: oldTplWithHash,
          status: replicaSetStatus(1, { replicas: 0, ready: 0 }),
        }),
      );
    }

    const rsUid = rng.uuid();
    const tplWithHash: PodTemplate = { metadata: { ...template.metadata, labels: { ...template.metadata.labels, 'pod-template-hash': hash } }, spec: template.spec };
    const counts: PodCounts = { replicas: live, ready };
    this.ctx.emit(
      'apps/ReplicaSet',
      buildReplicaSet({
        namespace: ns.name,
        name: rsName,
        uid: rsUid,
        created: rolledOut,
        generation: 1,
        owner: depOwner,
        labels: tplWithHash.metadata.labels,
        annotations: replicaSetAnnotations(replicas, revision),
        replicas,
        selector: { ...selector, 'pod-template-hash': hash },
        template: tplWithHash,
        status: replicaSetStatus(1, counts),
      }),
    );
    const rsOwner = controllerRef('apps/v1', 'ReplicaSet', rsName, rsUid);
    const endpoints: SliceEndpoint[] = [];
    for (const state of states) {
      const podCreated = rng.chance(0.15) ? this.ctx.now - rng.int(2, 36 * 60) * MINUTE : rolledOut + rng.int(1, 90) * 1000;
      const ep = this.pod({ ns, name: this.podName(ns, `${rsName}-`), generateName: `${rsName}-`, template: tplWithHash, owner: rsOwner, created: Math.max(podCreated, rolledOut), state });
      if (ep) endpoints.push(ep);
    }
    // The store stamps generation 1 on every created object (seeded ones included).
    const generation = 1;
    const at = rolledOut + 60_000;
    this.ctx.emit(
      'apps/Deployment',
      buildDeployment({
        namespace: ns.name,
        name: app,
        uid: depUid,
        created,
        updated: rolledOut,
        generation,
        revision,
        labels,
        replicas,
        selector,
        template,
        status: deploymentStatus({ generation, desired: replicas, counts: { ...counts, updated: live }, newRsName: rsName, at: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'), progressedAt: new Date(rolledOut).toISOString().replace(/\.\d{3}Z$/, 'Z'), rolledOut: true }),
      }),
    );
    if (this.ctx.now - rolledOut < HOUR) {
      this.event(ns.name, { kind: 'Deployment', namespace: ns.name, name: app, uid: depUid, apiVersion: 'apps/v1', resourceVersion: '1' }, 'ScalingReplicaSet', `Scaled up replica set ${rsName} to ${replicas}`, 'Normal', 'deployment-controller', undefined, rolledOut);
    }

    const portName = (template.spec.containers as Array<{ ports: Array<{ name: string }> }>)[0].ports[0].name;
    if (profile.role !== 'worker' || rng.chance(0.3)) {
      const port = profile.role === 'worker' ? profile.port : profile.port === 50051 ? 50051 : 80;
      this.serviceWithSlice(ns, app, labels, selector, [{ name: portName, port, targetPort: portName, containerPort: profile.port }], endpoints, created);
      if ((profile.role === 'web' || profile.role === 'gateway') && rng.chance(0.6)) {
        const tls = rng.chance(0.5);
        if (tls) this.ctx.emit('Secret', buildSecret({ namespace: ns.name, name: `${app}-tls`, uid: rng.uuid(), created, labels: { 'app.kubernetes.io/name': app }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(`fake-cert-${app}`).toString('base64'), 'tls.key': Buffer.from(`fake-key-${app}`).toString('base64') }, manager: 'cert-manager-certificates-issuing' }));
        this.ctx.emit(
          'networking.k8s.io/Ingress',
          buildIngress({
            namespace: ns.name,
            name: app,
            uid: rng.uuid(),
            created,
            labels,
            host: `${app}.${ns.env}.example.com`,
            paths: [{ path: '/', service: app, port: portName }],
            defaultBackend: rng.chance(0.3) ? { service: app, port: portName } : undefined,
            tlsSecret: tls ? `${app}-tls` : undefined,
            loadBalancerIp: `34.120.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          }),
        );
      }
    }
    if (replicas >= 2 && rng.chance(0.35)) {
      this.ctx.emit('autoscaling/HorizontalPodAutoscaler', buildHpa({ namespace: ns.name, name: app, uid: rng.uuid(), created, labels, target: app, min: Math.max(1, Math.floor(replicas / 2)), max: replicas * 2 + rng.int(0, 4), current: replicas, cpu: rng.int(20, 85) }));
    }
    if (replicas >= 2 && rng.chance(0.35)) {
      const useMax = rng.chance(0.5);
      this.ctx.emit('policy/PodDisruptionBudget', buildPdb({ namespace: ns.name, name: app, uid: rng.uuid(), created, labels, selector, expected: replicas, healthy: ready, ...(useMax ? { maxUnavailable: 1 } : { minAvailable: Math.max(1, replicas - 1) }) }));
    }
    if (rng.chance(0.25)) {
      this.ctx.emit(
        'networking.k8s.io/NetworkPolicy',
        buildNetworkPolicy({ namespace: ns.name, name: `${app}-allow`, uid: rng.uuid(), created, labels: { 'app.kubernetes.io/name': app }, podSelector: selector, fromPods: { tier: 'frontend' }, fromNamespaces: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, ports: [profile.port] }),
      );
    }
  }

  /** A StatefulSet-based backend with its headless Service and volumes. */
  statefulApp(ns: NamespaceInfo, maxReplicas: number): void {
    const rng = this.rng;
    const profile = rng.pick(STATEFUL);
    const name = this.uniqueName(ns, `${ns.team}-${profile.name}`);
    const r = this.refs(ns, name, { config: rng.chance(0.7), secret: rng.chance(0.9), sa: false, version: profile.image.split(':')[1] ?? '1' });
    const template = statefulTemplate(profile, r);
    const replicas = Math.max(1, Math.min(rng.pick(profile.replicas), maxReplicas));
    const created = Math.max(ns.created + HOUR, this.ctx.now - rng.int(10, 200) * DAY);
    const labels = appLabels(r, 'data');
    const selector = selectorLabels(r);
    const uid = rng.uuid();
    this.appConfig(ns, r, labels, created);
    const revision = `${name}-${podTemplateHash(template).slice(0, 10)}`;
    const owner = controllerRef('apps/v1', 'StatefulSet', name, uid);
    const endpoints: SliceEndpoint[] = [];
    let ready = 0;
    for (let i = 0; i < replicas; i++) {
      const state: PodState = rng.chance(0.96) ? 'running' : 'notReady';
      if (state === 'running') ready++;
      const node = this.layout.pickNode();
      const podName = `${name}-${i}`;
      const tpl: PodTemplate = { metadata: template.metadata, spec: { ...template.spec, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-${podName}` } }] } };
      const ep = this.pod({
        ns,
        name: podName,
        generateName: `${name}-`,
        template: tpl,
        owner,
        extraLabels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName },
        created: created + i * 40_000 + (rng.chance(0.3) ? rng.int(1, 20) * DAY : 0),
        state,
        hostname: podName,
        subdomain: name,
        node,
      });
      if (ep) endpoints.push(ep);
      const claimUid = rng.uuid();
      const { pvc, pv } = buildBoundVolume({ namespace: ns.name, claimName: `data-${podName}`, claimUid, pvName: `pvc-${claimUid}`, pvUid: rng.uuid(), created: created + i * 40_000, storage: profile.storage, storageClassName: DEFAULT_STORAGE_CLASS, labels: selector, zone: node.zone, nodeName: node.name });
      this.ctx.emit('PersistentVolumeClaim', pvc);
      this.ctx.emit('PersistentVolume', pv);
    }
    this.ctx.emit(
      'apps/StatefulSet',
      buildStatefulSet({ namespace: ns.name, name, uid, created, labels, replicas, selector, serviceName: name, template, claimName: 'data', storage: profile.storage, storageClassName: DEFAULT_STORAGE_CLASS, status: statefulSetStatus(1, { replicas, ready }, revision) }),
    );
    this.serviceWithSlice(ns, name, labels, selector, [{ name: profile.portName, port: profile.port, targetPort: profile.port, containerPort: profile.port }], endpoints, created, true);
  }

  /** A CronJob with its recent Jobs and their pods. */
  cronApp(ns: NamespaceInfo): void {
    const rng = this.rng;
    const spec = rng.pick(CRONJOBS);
    const name = this.uniqueName(ns, `${ns.team}-${spec.name}`);
    const r = this.refs(ns, name, { config: rng.chance(0.5), secret: rng.chance(0.6), sa: false, version: rng.pick(VERSIONS) });
    const template = jobTemplate(r, `registry.example.com/${ns.team}/jobs:${r.version}`, spec.command);
    const created = Math.max(ns.created + HOUR, this.ctx.now - rng.int(5, 120) * DAY);
    const uid = rng.uuid();
    const labels = { 'app.kubernetes.io/name': name, team: ns.team };
    this.appConfig(ns, r, labels, created);
    const owner = controllerRef('batch/v1', 'CronJob', name, uid);
    const period = spec.schedule.startsWith('*/') ? Number(spec.schedule.slice(2, spec.schedule.indexOf(' '))) * MINUTE : spec.schedule.startsWith('0 * ') ? HOUR : DAY;
    const runs = rng.int(1, 3);
    // The last run is a random offset before now (not aligned to the wall clock: the same seed then gives the same cluster at any time).
    let last = this.ctx.now - rng.int(1, 10) * MINUTE - rng.int(0, Math.max(0, Math.floor(period / MINUTE) - 11)) * MINUTE;
    let lastSuccess: number | undefined;
    const jobRuns: number[] = [];
    for (let i = 0; i < runs; i++, last -= period) jobRuns.push(last);
    for (const [i, scheduled] of jobRuns.entries()) {
      const outcome = i === 0 && rng.chance(0.1) ? 'failed' : 'succeeded';
      const jobName = `${name}-${Math.floor(scheduled / MINUTE)}`;
      const jobUid = rng.uuid();
      const failedPods = outcome === 'failed' ? 3 : rng.chance(0.05) ? 1 : 0;
      const finished = scheduled + rng.int(20, 240) * 1000;
      const input = { namespace: ns.name, name: jobName, uid: jobUid, created: scheduled, owner, template, backoffLimit: 2, outcome, failedPods, finished, scheduledAt: scheduled } as const;
      this.ctx.emit('batch/Job', buildJob(input, jobStatus(input, 0, outcome === 'succeeded' ? 1 : 0)));
      if (outcome === 'succeeded') lastSuccess ??= finished;
      const podTpl: PodTemplate = { metadata: { ...template.metadata, labels: { ...template.metadata.labels, ...jobPodLabels(jobName, jobUid) } }, spec: template.spec };
      const jobOwner = controllerRef('batch/v1', 'Job', jobName, jobUid);
      const podStates: PodState[] = [...Array<PodState>(failedPods).fill('failed'), ...(outcome === 'succeeded' ? (['succeeded'] as PodState[]) : [])];
      podStates.forEach((state, k) => {
        this.pod({ ns, name: this.podName(ns, `${jobName}-`), generateName: `${jobName}-`, template: podTpl, owner: jobOwner, created: scheduled + k * 30_000, state });
      });
      if (this.ctx.now - scheduled < HOUR) {
        this.event(ns.name, { kind: 'CronJob', namespace: ns.name, name, uid, apiVersion: 'batch/v1', resourceVersion: '1' }, 'SuccessfulCreate', `Created job ${jobName}`, 'Normal', 'cronjob-controller', undefined, scheduled);
        this.event(ns.name, { kind: 'Job', namespace: ns.name, name: jobName, uid: jobUid, apiVersion: 'batch/v1', resourceVersion: '1' }, outcome === 'succeeded' ? 'Completed' : 'BackoffLimitExceeded', outcome === 'succeeded' ? 'Job completed' : 'Job has reached the specified backoff limit', outcome === 'succeeded' ? 'Normal' : 'Warning', 'job-controller', undefined, finished);
      }
    }
    this.ctx.emit('batch/CronJob', buildCronJob({ namespace: ns.name, name, uid, created, labels, schedule: spec.schedule, template, lastScheduleTime: jobRuns[0], lastSuccessfulTime: lastSuccess }));
  }

  /** Pods emitted so far (sampled). */
  samplePod(): PodRef | undefined {
    return this.podSample.length ? this.rng.pick(this.podSample) : undefined;
  }
}

