// `loadctl k8s <shape|script>`: flags → writeK8s → the files written and the kubectl steps that follow.
import type { Command } from 'commander';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import type { ShapeName } from '../../scenarios/lib/shapes.ts';
import { DEFAULT_CLUSTER_TARGET, writeK8s } from '../k8s/index.ts';
import { paint } from '../shared/output.ts';
import {
  positiveNumber,
  shapeOption,
  subjectArgument,
  subjectFromArguments,
  wholeNumber,
  workloadOption,
  type SubjectName,
} from './option-parsers.ts';

interface K8sFlags {
  workload?: WorkloadName;
  shape?: ShapeName;
  parallelism: number;
  target: string;
  out: string;
  namespace?: string;
  scale: number;
  image?: string;
  storage: string;
  storageClass?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('k8s')
    .description(
      'write a k6-operator TestRun + ConfigMap (the workload or your script as a k6 archive) for runs larger than one machine',
    )
    .addArgument(subjectArgument())
    .addOption(workloadOption("workload to run (default: the shape's default workload)"))
    .addOption(shapeOption('with a script: replace its scenarios with this seed shape'))
    .requiredOption(
      '-p, --parallelism <n>',
      'number of k6 runner pods; each runs an equal execution segment',
      wholeNumber(1),
    )
    .option('-t, --target <url>', 'API base URL as the runner pods see it', DEFAULT_CLUSTER_TARGET)
    .option('-o, --out <dir>', 'directory for the manifests', 'reports/k8s')
    .option('-n, --namespace <ns>', "namespace for every object (default: kubectl's current one)")
    .option('--scale <factor>', 'multiply VUs and rates of the shape', positiveNumber, 1)
    .option('--image <image>', 'runner image (default: grafana/k6 at the version that built the archive)')
    .option('--storage <size>', 'size of the claim the runners write raw streams to', '1Gi')
    .option('--storage-class <name>', 'storage class of that claim (must support ReadWriteMany)')
    .option('--json', 'print the written files and raw stream names as JSON')
    .addHelpText(
      'after',
      `
Examples:
  loadctl k8s peak --workload concerts --parallelism 4 --target http://reference-api.shop.svc:8080
  kubectl apply -f reports/k8s/loadctl-peak-concerts.yaml
  loadctl k8s tests/load.ts --parallelism 2 --target http://shop.default.svc:8080   # your script and its local imports
Collecting results and building the report: see cli/k8s/README.md.`,
    )
    .action(async (subjectName: SubjectName, options: K8sFlags) => {
      const result = await writeK8s({
        subject: subjectFromArguments(subjectName, options),
        parallelism: options.parallelism,
        target: options.target,
        outDir: options.out,
        namespace: options.namespace,
        scale: options.scale,
        image: options.image,
        resultsStorage: options.storage,
        storageClassName: options.storageClass,
      });
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ testRun: result.testRunFile, collector: result.collectorFile, archiveBytes: result.archiveBytes, rawFiles: result.rawFiles }, null, 2)}\n`,
        );
        return;
      }
      const name = result.manifests.testRun.metadata.name;
      const ns = options.namespace ? ` -n ${options.namespace}` : '';
      process.stdout.write(
        [
          `${paint.green('wrote')} ${result.testRunFile} (ConfigMap with a ${result.archiveBytes}-byte k6 archive, results claim, TestRun ×${options.parallelism})`,
          `${paint.green('wrote')} ${result.collectorFile} (pod to copy the raw streams out after the run)`,
          '',
          'next:',
          `  kubectl apply${ns} -f ${result.testRunFile}`,
          `  kubectl wait${ns} --for=jsonpath='{.status.stage}'=finished testrun/${name} --timeout=1h`,
          `  kubectl apply${ns} -f ${result.collectorFile} && kubectl wait${ns} --for=condition=Ready pod/${name}-collector`,
          `  kubectl cp${ns} ${name}-collector:/results reports/${name}`,
          `  loadctl report reports/${name}/raw.*.json.gz --out reports/${name}`,
          '',
        ].join('\n'),
      );
    });
}
