import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, PersistentVolumeClaim, Pod, TestRun, CONFIG_MAP_MAX_BYTES } from './k6-operator-schema.ts';
import {
  ARCHIVE_FILE,
  RESULTS_MOUNT,
  buildManifests,
  collectorYaml,
  rawFileName,
  testRunName,
  testRunYaml,
  type K8sPlan,
} from './manifests.ts';

const plan: K8sPlan = {
  name: 'loadctl-peak-concerts',
  namespace: 'load',
  shape: 'peak',
  workload: 'concerts',
  parallelism: 4,
  target: 'http://reference-api.load.svc:8080',
  archive: new Uint8Array([1, 2, 3, 250, 0]),
  runnerImage: 'grafana/k6:2.2.0',
  resultsStorage: '2Gi',
};

describe('k6-operator manifests', () => {
  it('writes a ConfigMap, a results claim and a TestRun that k6-operator documents, in that order', () => {
    const docs = parseAllDocuments(testRunYaml(buildManifests(plan))).map((doc) => doc.toJS() as unknown);
    expect(docs).toHaveLength(3);
    const configMap = ConfigMap.parse(docs[0]);
    const claim = PersistentVolumeClaim.parse(docs[1]);
    const testRun = TestRun.parse(docs[2]);

    expect(Buffer.from(configMap.binaryData?.[ARCHIVE_FILE] ?? '', 'base64')).toEqual(Buffer.from(plan.archive));
    expect(testRun.spec.parallelism).toBe(4);
    expect(testRun.spec.script.configMap).toEqual({ name: configMap.metadata.name, file: ARCHIVE_FILE });
    expect(testRun.metadata.namespace).toBe('load');
    expect(testRun.spec.arguments).toContain('-e BASE_URL=http://reference-api.load.svc:8080');
    expect(testRun.spec.arguments).toMatch(/--out json=\/results\/raw\.\$\(LOADCTL_RUNNER_JOB\)\.json\.gz/);
    // the runners mount the claim where --out writes, and know their job name for a unique file
    expect(testRun.spec.runner?.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe(claim.metadata.name);
    expect(testRun.spec.runner?.volumeMounts?.[0]?.mountPath).toBe(RESULTS_MOUNT);
    expect(
      testRun.spec.runner?.env?.find((env) => env.name === 'LOADCTL_RUNNER_JOB')?.valueFrom?.fieldRef?.fieldPath,
    ).toBe("metadata.labels['job-name']");
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('writes a collector pod that mounts the same claim', () => {
    const pod = Pod.parse(parseAllDocuments(collectorYaml(buildManifests(plan)))[0]?.toJS());
    expect(pod.spec.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe('loadctl-peak-concerts-results');
    expect(pod.spec.containers[0]?.volumeMounts?.[0]?.mountPath).toBe(RESULTS_MOUNT);
  });

  it('names raw streams after the runner jobs k6-operator creates (1-based)', () => {
    expect(rawFileName('loadctl-peak-concerts', 1)).toBe('raw.loadctl-peak-concerts-1.json.gz');
  });

  it('rejects what the documented TestRun fields do not allow', () => {
    const good = buildManifests(plan).testRun;
    expect(TestRun.safeParse({ ...good, spec: { ...good.spec, parallelism: 0 } }).success).toBe(false);
    expect(TestRun.safeParse({ ...good, spec: { ...good.spec, script: {} } }).success).toBe(false);
    expect(
      TestRun.safeParse({ ...good, spec: { ...good.spec, script: { configMap: { name: 'a' }, localFile: '/x.js' } } })
        .success,
    ).toBe(false);
    expect(TestRun.safeParse({ ...good, spec: { ...good.spec, cleanup: 'always' } }).success).toBe(false);
    expect(TestRun.safeParse({ ...good, spec: { ...good.spec, paralellism: 2 } }).success).toBe(false);
    expect(TestRun.safeParse({ ...good, kind: 'K6' }).success).toBe(false);
    expect(TestRun.safeParse({ ...good, metadata: { name: 'Not_A_Name' } }).success).toBe(false);
  });

  it('refuses an archive too large for one ConfigMap', () => {
    expect(() => buildManifests({ ...plan, archive: new Uint8Array(CONFIG_MAP_MAX_BYTES + 1) })).toThrow(/1048576/);
  });

  it('derives a valid, short object name from shape and workload', () => {
    expect(testRunName('peak', 'concerts')).toBe('loadctl-peak-concerts');
    const long = testRunName('Soak', 'A_Very_Long_Workload_Name_That_Goes_On_And_On');
    expect(long.length).toBeLessThanOrEqual(40);
    expect(TestRun.shape.metadata.safeParse({ name: long }).success).toBe(true);
  });
});
