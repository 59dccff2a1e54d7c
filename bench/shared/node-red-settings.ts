// The settings of the Node-RED the benches embed: no editor, no projects, no credential file,
// warnings only: what is measured is the flow, not the editor's start or the log's output.

export function benchNodeRedSettings(userDir: string, nodesDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    userDir,
    nodesDir: [nodesDir],
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    editorTheme: { projects: { enabled: false } },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    ...overrides,
  };
}
