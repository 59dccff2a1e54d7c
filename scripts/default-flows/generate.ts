// Writes flows/gateway.json (the runtime's default flows) and examples/gateway-pipeline.json (the
// same pipeline on one tab for a palette install) from runtime/default-flows/ (the runtime builds
// the flows of a settings file's devices from the same modules). Edit the modules there, run
// `npm run flows:generate`, commit the flows, the example and the sources together;
// test/unit/default-flows-generated.test.ts fails while they differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FlowNode } from '../../runtime/default-flows/flow-node';
import { examplePipeline, gatewayPipeline, RUNTIME_ENVIRONMENT, versioned } from '../../runtime/default-flows/pipeline';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The generated files by their path in the repository. */
export const GENERATED_FILES = ['flows/gateway.json', 'examples/gateway-pipeline.json'] as const;

export type GeneratedFile = (typeof GENERATED_FILES)[number];

const asFileText = (nodes: FlowNode[]): string => JSON.stringify(nodes, null, 2) + '\n';

export function renderDefaultFlows(): Record<GeneratedFile, string> {
  return {
    'flows/gateway.json': asFileText(versioned(gatewayPipeline(RUNTIME_ENVIRONMENT))),
    'examples/gateway-pipeline.json': asFileText(versioned(examplePipeline())),
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
