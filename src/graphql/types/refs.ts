import { builder } from '../builder.js';
import type { ResourceRecord } from '../../store/types.js';
import type { ClusterView, RelationView, ResourceEventView, ClusterEventView, ResourceRefView } from '../services.js';
import type { KindInfo } from '../../kube/kinds.js';

/**
 * Object refs declared up front so that types which point at each other
 * (Cluster.resources -> Resource, Resource.cluster -> Cluster) can live in
 * their own files. Each ref is implemented in the file named after it.
 */
export const ClusterRef = builder.objectRef<ClusterView>('Cluster');
export const ResourceRef = builder.objectRef<ResourceRecord>('Resource');
export const ResourceRefRef = builder.objectRef<ResourceRefView>('ResourceRef');
export const RelationRef = builder.objectRef<RelationView>('Relation');
export const ResourceEventRef = builder.objectRef<ResourceEventView>('ResourceEvent');
export const ClusterEventRef = builder.objectRef<ClusterEventView>('ClusterEvent');
export const ResourceKindRef = builder.objectRef<{ kind: KindInfo; count: number }>('ResourceKind');
