// The k6-operator resources loadctl writes, as zod schemas of the fields k6-operator documents for
// `k6.io/v1alpha1` TestRun (docs/crd-generated.md in grafana/k6-operator) and the core v1 objects we pair it
// with. Objects are strict: a field the operator does not document is a typo that kubectl would reject or,
// worse, silently drop, so tests fail on it here instead of in someone's cluster.
import { z } from 'zod';

/** RFC 1123 subdomain: what Kubernetes accepts as an object name. */
const objectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a lowercase RFC 1123 name');
/** RFC 1123 label: container/volume names. */
const labelName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label');

export const ObjectMeta = z
  .object({
    name: objectName,
    namespace: labelName.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** Nested Kubernetes types we pass through without using (affinity, probes, …): objects, checked by kubectl. */
const kubeObject = z.record(z.string(), z.unknown());

export const EnvVar = z
  .object({
    name: z.string().min(1),
    value: z.string().optional(),
    valueFrom: z
      .object({
        fieldRef: z.object({ fieldPath: z.string(), apiVersion: z.string().optional() }).strict().optional(),
        secretKeyRef: z
          .object({ name: z.string(), key: z.string(), optional: z.boolean().optional() })
          .strict()
          .optional(),
        configMapKeyRef: z
          .object({ name: z.string(), key: z.string(), optional: z.boolean().optional() })
          .strict()
          .optional(),
        resourceFieldRef: kubeObject.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (env) => !(env.value !== undefined && env.valueFrom !== undefined),
    'an env var has either value or valueFrom',
  );

export const VolumeMount = z
  .object({
    name: labelName,
    mountPath: z
      .string()
      .startsWith('/')
      .refine((p) => !p.includes(':'), 'must not contain ":"'),
    readOnly: z.boolean().optional(),
    subPath: z.string().optional(),
    subPathExpr: z.string().optional(),
    mountPropagation: z.string().optional(),
    recursiveReadOnly: z.string().optional(),
  })
  .strict();

export const Volume = z
  .object({
    name: labelName,
    persistentVolumeClaim: z.object({ claimName: objectName, readOnly: z.boolean().optional() }).strict().optional(),
    configMap: kubeObject.optional(),
    emptyDir: kubeObject.optional(),
    secret: kubeObject.optional(),
  })
  .strict();

const pullPolicy = z.enum(['Always', 'IfNotPresent', 'Never']);
const booleanString = z.enum(['true', 'false']);

/** TestRun.spec.runner / .starter / .initializer: the documented Pod fields. */
export const TestRunPod = z
  .object({
    affinity: kubeObject.optional(),
    automountServiceAccountToken: booleanString.optional(),
    containerSecurityContext: kubeObject.optional(),
    env: z.array(EnvVar).optional(),
    envFrom: z.array(kubeObject).optional(),
    image: z.string().min(1).optional(),
    imagePullPolicy: pullPolicy.optional(),
    imagePullSecrets: z.array(z.object({ name: z.string() }).strict()).optional(),
    initContainers: z.array(kubeObject).optional(),
    livenessProbe: kubeObject.optional(),
    metadata: z
      .object({
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    priorityClassName: z.string().optional(),
    readinessProbe: kubeObject.optional(),
    resources: z
      .object({
        limits: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
        requests: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
        claims: z.array(kubeObject).optional(),
      })
      .strict()
      .optional(),
    schedulerName: z.string().optional(),
    securityContext: kubeObject.optional(),
    serviceAccountName: z.string().optional(),
    tolerations: z.array(kubeObject).optional(),
    topologySpreadConstraints: z.array(kubeObject).optional(),
    volumeMounts: z.array(VolumeMount).optional(),
    volumes: z.array(Volume).optional(),
  })
  .strict();

export const TestRunScript = z
  .object({
    configMap: z
      .object({ name: objectName, file: z.string().min(1).optional() })
      .strict()
      .optional(),
    volumeClaim: z
      .object({ name: objectName, file: z.string().min(1).optional(), readOnly: z.boolean().optional() })
      .strict()
      .optional(),
    localFile: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (script) =>
      [script.configMap, script.volumeClaim, script.localFile].filter((source) => source !== undefined).length === 1,
    'script needs exactly one of configMap, volumeClaim, localFile',
  );

export const TestRun = z
  .object({
    apiVersion: z.literal('k6.io/v1alpha1'),
    kind: z.literal('TestRun'),
    metadata: ObjectMeta,
    spec: z
      .object({
        parallelism: z
          .number()
          .int()
          .min(1)
          .max(2 ** 31 - 1),
        script: TestRunScript,
        args: z.array(z.string()).optional(),
        arguments: z.string().optional(),
        cleanup: z.literal('post').optional(),
        initializer: TestRunPod.extend({ disabled: z.boolean().optional() }).strict().optional(),
        paused: booleanString.optional(),
        ports: z.array(kubeObject).optional(),
        quiet: booleanString.optional(),
        runner: TestRunPod.optional(),
        separate: z.boolean().optional(),
        starter: TestRunPod.optional(),
        // testRunId and token are documented as reserved for Grafana Cloud k6: loadctl must never set them.
      })
      .strict(),
  })
  .strict();
export type TestRun = z.infer<typeof TestRun>;

/** Kubernetes refuses a ConfigMap whose data and binaryData add up to more than 1 MiB. */
export const CONFIG_MAP_MAX_BYTES = 1_048_576;
const configMapKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'ConfigMap keys are letters, digits, "-", "_" and "."');

export const ConfigMap = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('ConfigMap'),
    metadata: ObjectMeta,
    data: z.record(configMapKey, z.string()).optional(),
    binaryData: z.record(configMapKey, z.base64()).optional(),
  })
  .strict()
  .refine(
    (map) => configMapBytes(map) <= CONFIG_MAP_MAX_BYTES,
    `a ConfigMap holds at most ${CONFIG_MAP_MAX_BYTES} bytes`,
  );
export type ConfigMap = z.infer<typeof ConfigMap>;

export function configMapBytes(map: { data?: Record<string, string>; binaryData?: Record<string, string> }): number {
  let bytes = 0;
  for (const value of Object.values(map.data ?? {})) bytes += Buffer.byteLength(value);
  for (const value of Object.values(map.binaryData ?? {})) bytes += Buffer.from(value, 'base64').length;
  return bytes;
}

export const PersistentVolumeClaim = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('PersistentVolumeClaim'),
    metadata: ObjectMeta,
    spec: z
      .object({
        accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'])).min(1),
        resources: z.object({ requests: z.object({ storage: z.string() }).strict() }).strict(),
        storageClassName: z.string().optional(),
      })
      .strict(),
  })
  .strict();
export type PersistentVolumeClaim = z.infer<typeof PersistentVolumeClaim>;

export const Pod = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Pod'),
    metadata: ObjectMeta,
    spec: z
      .object({
        restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
        containers: z
          .array(
            z
              .object({
                name: labelName,
                image: z.string().min(1),
                command: z.array(z.string()).optional(),
                volumeMounts: z.array(VolumeMount).optional(),
              })
              .strict(),
          )
          .min(1),
        volumes: z.array(Volume).optional(),
      })
      .strict(),
  })
  .strict();
export type Pod = z.infer<typeof Pod>;
