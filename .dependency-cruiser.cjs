// The layer rules of ARCHITECTURE.md, checked on every `npm test` (`npm run lint:deps`).
// An import may only run down the layers (or sideways without a cycle), never up:
//   commands → orchestration (drill, gate, k8s, capacity → run) → engines → adapters (k6 → stack → toolchain) → shared
// reference-api/ is a program of its own and scenarios/ runs inside k6: neither imports anything of ours.
// Floors from the top; a floor may import the floors below it, never one above. Within a layer the floors
// order the folders that use each other (drill and gate start runs; k6 and stack find their programs in toolchain).
const floors = [
  {
    layer: 'commands',
    folders: ['main.ts', 'commands'],
    why: 'commands wire flags to the core; nothing below calls them',
  },
  {
    layer: 'orchestration',
    folders: ['drill', 'gate', 'k8s', 'capacity'],
    why: 'a drill, a gate or a capacity search runs load through run/',
  },
  { layer: 'orchestration', folders: ['run'], why: 'run/ knows nothing of the drills and gates built on it' },
  {
    layer: 'engines',
    folders: ['report', 'faults', 'verify', 'runbooks'],
    why: 'engines (report, faults, verify, runbooks) are used by run, gate, drill, k8s, never the reverse',
  },
  {
    layer: 'adapters',
    folders: ['k6'],
    why: 'adapters talk to processes and sockets and know nothing of what uses them',
  },
  { layer: 'adapters', folders: ['stack'], why: 'the stack knows nothing of k6 or of the layers above' },
  { layer: 'adapters', folders: ['toolchain', 'observe'], why: 'finding programs and scraping /metrics need no stack' },
  {
    layer: 'shared',
    folders: ['shared'],
    why: 'cli/shared/ holds the contracts every layer uses; it imports none of them',
  },
];
const pathOf = (folders) =>
  `^cli/(${folders.map((f) => (f.endsWith('.ts') ? `${f.replace('.', '\\.')}$` : `${f}/`)).join('|')})`;

const notUp = floors.slice(1).map((floor, index) => ({
  name: `${floor.folders[0]}-not-up`,
  severity: 'error',
  comment: `${floor.layer}: ${floor.why}`,
  from: { path: pathOf(floor.folders) },
  to: { path: pathOf(floors.slice(0, index + 1).flatMap((above) => above.folders)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'files that import each other in a loop cannot be understood (or tested) one without the other',
      from: {},
      to: { circular: true },
    },
    ...notUp,
    {
      name: 'reference-api-is-a-leaf',
      severity: 'error',
      comment:
        'the reference API is a program of its own: it must build and run without loadctl (system tests live in tests/)',
      from: { path: '^reference-api/' },
      to: { path: '^(cli|scenarios|bench|tests)/' },
    },
    {
      name: 'scenarios-run-in-k6',
      severity: 'error',
      comment: 'scenarios/ is executed by k6 (and shipped in k6 archives): it may import only itself and k6 modules',
      from: { path: '^scenarios/' },
      to: { path: '^(cli|reference-api|bench|tests)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'an import that resolves to nothing is a typo or a file that moved',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['core'], pathNot: '^k6(/|$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|reports|\\.tools|\\.loadctl)/' },
    // type-only imports are edges of the design too
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
