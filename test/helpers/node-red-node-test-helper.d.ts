declare module 'node-red-node-test-helper' {
  const helper: {
    init(nodeRedRuntime: string, userSettings?: Record<string, unknown>): void;
    load(nodes: unknown, flow: unknown[], credentials?: Record<string, unknown>, cb?: () => void): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): any;
    startServer(cb?: () => void): Promise<void>;
    stopServer(cb?: () => void): Promise<void>;
    setFlows(flow: unknown[], type?: string, credentials?: Record<string, unknown>): Promise<void>;
    clearFlows(): Promise<void>;
    request(): any;
    /** the base URL of the server startServer() listens on (RED.server) */
    url(): string;
    settings(s: Record<string, unknown>): void;
    log(): any;
  };
  export default helper;
}
