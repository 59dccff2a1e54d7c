// The little of the Node-RED editor's global RED that our editor code uses.
interface EditorNodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}
interface EditorNode {
  status?: EditorNodeStatus;
  dirty?: boolean;
  dirtyStatus?: boolean;
}
interface RedEditor {
  _(key: string, substitutions?: Record<string, unknown>): string;
  comms: { subscribe(topic: string, handler: (topic: string, msg: EditorNodeStatus | undefined) => void): void };
  nodes: { node(id: string): EditorNode | null | undefined };
  view: { redrawStatus(node: EditorNode): void };
}
declare const RED: RedEditor;
