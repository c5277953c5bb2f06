// Pure: a k6 archive + what to run → the Kubernetes objects k6-operator needs, validated, as YAML.
// The I/O (running `k6 archive`, writing files) lives in ./index.ts.
import { stringify } from 'yaml';
import { workloadArgs } from '../k6/args.ts';
import { ConfigMap, PersistentVolumeClaim, Pod, TestRun } from './k6-operator-schema.ts';

export interface K8sPlan {
  /** the TestRun's name; ConfigMap, claim and collector are named after it */
  name: string;
  namespace?: string;
  shape: string;
  workload: string;
  parallelism: number;
  /** base URL the runners load, as seen from inside the cluster */
  target: string;
  /** `k6 archive` output (a tar) */
  archive: Uint8Array;
  /** k6 image for the runners; the same version that built the archive */
  runnerImage: string;
  /** size of the claim the runners write their raw streams to */
  resultsStorage: string;
  storageClassName?: string;
}

export interface K8sManifests {
  configMap: ConfigMap;
  resultsClaim: PersistentVolumeClaim;
  testRun: TestRun;
  /** applied after the run: a pod that mounts the results claim so `kubectl cp` can copy the raw streams out */
  collector: Pod;
}

/** Where runner pods mount the results claim. */
export const RESULTS_MOUNT = '/results';
export const ARCHIVE_FILE = 'archive.tar';
/** env var holding the runner's Job name (`<testrun>-<i>`, i = 1…parallelism), for unique raw stream names */
const RUNNER_JOB_ENV = 'LOADCTL_RUNNER_JOB';

/** The raw stream file runner i (1-based, as k6-operator numbers its jobs) writes. */
export function rawFileName(testRunName: string, runnerIndex: number): string {
  return `raw.${testRunName}-${runnerIndex}.json.gz`;
}

export function buildManifests(plan: K8sPlan): K8sManifests {
  const labels = {
    'app.kubernetes.io/managed-by': 'loadctl',
    'loadctl/shape': plan.shape,
    'loadctl/workload': plan.workload,
  };
  const meta = (name: string) => ({ name, ...(plan.namespace ? { namespace: plan.namespace } : {}), labels });
  const claimName = `${plan.name}-results`;
  const resultsVolume = { name: 'results', persistentVolumeClaim: { claimName } };
  const resultsMount = { name: 'results', mountPath: RESULTS_MOUNT };

  const configMap = ConfigMap.parse({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(plan.name),
    binaryData: { [ARCHIVE_FILE]: Buffer.from(plan.archive).toString('base64') },
  });

  const resultsClaim = PersistentVolumeClaim.parse({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(claimName),
    spec: {
      // every runner pod writes to it at once, possibly from different nodes
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: plan.resultsStorage } },
      ...(plan.storageClassName ? { storageClassName: plan.storageClassName } : {}),
    },
  });

  // Kubernetes expands $(VAR) in a container's command from that container's env, which is how each runner
  // gets its own file name: the operator passes `arguments` into the runner's command.
  const rawPath = `${RESULTS_MOUNT}/raw.$(${RUNNER_JOB_ENV}).json.gz`;
  const testRun = TestRun.parse({
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: meta(plan.name),
    spec: {
      parallelism: plan.parallelism,
      script: { configMap: { name: plan.name, file: ARCHIVE_FILE } },
      arguments: workloadArgs({ baseUrl: plan.target }, { rawFile: rawPath }).join(' '),
      separate: false,
      runner: {
        image: plan.runnerImage,
        env: [{ name: RUNNER_JOB_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.labels['job-name']" } } }],
        volumes: [resultsVolume],
        volumeMounts: [resultsMount],
      },
    },
  });

  const collector = Pod.parse({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(`${plan.name}-collector`),
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'collector', image: 'busybox:1.36', command: ['sleep', '3600'], volumeMounts: [resultsMount] },
      ],
      volumes: [resultsVolume],
    },
  });

  return { configMap, resultsClaim, testRun, collector };
}

/** One multi-document YAML for `kubectl apply -f`: the script, the results claim, then the run. */
export function testRunYaml(manifests: K8sManifests): string {
  return [manifests.configMap, manifests.resultsClaim, manifests.testRun]
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join('---\n');
}

export function collectorYaml(manifests: K8sManifests): string {
  return stringify(manifests.collector, { lineWidth: 0 });
}

/** A name Kubernetes accepts, from the shape and workload: `loadctl-peak-concerts`. */
export function testRunName(shape: string, workload: string): string {
  const name = `loadctl-${shape}-${workload}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  // Job names get `-<index>` appended and pod names a further suffix: keep headroom under the 63-char label limit.
  return name.slice(0, 40).replace(/-$/, '');
}
