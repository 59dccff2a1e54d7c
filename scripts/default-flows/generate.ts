// Writes flows/gateway.json (the runtime's default flows), examples/gateway-pipeline.json (the
// same pipeline for a palette install) and examples/dashboard-feed.json (the dashboard tab) from
// runtime/default-flows/ (the runtime builds the flows of a settings file's devices from the same
// modules). Edit the modules there, run
// `npm run flows:generate`, commit the flows, the example and the sources together;
// test/unit/default-flows-generated.test.ts fails while they differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FlowNode } from '../../runtime/default-flows/flow-node';
import { dashboardExample, defaultFlows, examplePipeline, RUNTIME_ENVIRONMENT, versioned } from '../../runtime/default-flows/pipeline';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The generated files by their path in the repository. */
export const GENERATED_FILES = ['flows/gateway.json', 'examples/gateway-pipeline.json', 'examples/dashboard-feed.json'] as const;

export type GeneratedFile = (typeof GENERATED_FILES)[number];

const asFileText = (nodes: FlowNode[]): string => JSON.stringify(nodes, null, 2) + '\n';

export function renderDefaultFlows(): Record<GeneratedFile, string> {
  return {
    'flows/gateway.json': asFileText(versioned(defaultFlows(RUNTIME_ENVIRONMENT))),
    'examples/gateway-pipeline.json': asFileText(versioned(examplePipeline())),
    'examples/dashboard-feed.json': asFileText(versioned(dashboardExample())),
  };
}

/** Writes the generated files under outputDir (the repository by default); returns their paths. */
export function writeDefaultFlows(outputDir: string = REPO_ROOT): string[] {
  const rendered = renderDefaultFlows();
  return GENERATED_FILES.map((file) => {
    const path = join(outputDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, rendered[file]);
    return path;
  });
}

if (require.main === module) {
  for (const path of writeDefaultFlows(process.argv[2] ? resolve(process.argv[2]) : REPO_ROOT)) console.log(`wrote ${path}`);
}
