// The little of the Node-RED editor's global RED that our editor code uses.
interface EditorNodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}
interface EditorNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  status?: EditorNodeStatus;
  dirty?: boolean;
  dirtyStatus?: boolean;
}

/**
 * A node as the editor hands it to a definition's functions (`this`): its saved properties, which
 * each node type's module declares, and `_`, the node's catalogue.
 */
interface EditorNodeInstance extends EditedNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  [property: string]: unknown;
}

/** One `defaults` entry: `this` of `validate` is the node; a text returned is the field's error (Node-RED 3+). */
interface NodePropertyDefinition<N> {
  value: unknown;
  required?: boolean;
  /** the type of config node the property refers to */
  type?: string;
  validate?(this: N, value: unknown, opt?: unknown): boolean | string;
}

/** What RED.nodes.registerType takes for a node type's editor side. */
interface NodeTypeDefinition<N extends EditorNodeInstance> {
  category: string;
  color?: string;
  defaults: Record<string, NodePropertyDefinition<N>>;
  credentials?: Record<string, { type: 'text' | 'password' }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  align?: 'left' | 'right';
  paletteLabel?: string | (() => string);
  label?(this: N): string;
  labelStyle?(this: N): string;
  inputLabels?: string[] | ((this: N, index: number) => string);
  outputLabels?: string[] | ((this: N, index: number) => string);
  oneditprepare?(this: N): void;
  oneditsave?(this: N): void;
  oneditcancel?(this: N): void;
}

/** A code editor made by RED.editor.createEditor. */
interface RedCodeEditor {
  getValue(): string;
  destroy(): void;
}

interface RedEditor {
  _(key: string, substitutions?: Record<string, unknown>): string;
  comms: { subscribe(topic: string, handler: (topic: string, msg: EditorNodeStatus | undefined) => void): void };
  nodes: {
    node(id: string): EditorNode | null | undefined;
    eachNode(fn: (node: EditorNode) => void): void;
    registerType<N extends EditorNodeInstance>(type: string, definition: NodeTypeDefinition<N>): void;
  };
  validators: { number(blankAllowed?: boolean): (value: unknown) => boolean };
  view: { redrawStatus(node: EditorNode): void };
  editor: { createEditor(options: { id: string; mode: string; value: string | undefined }): RedCodeEditor };
  notify(message: string, type?: 'error' | 'warning' | 'success' | 'compact'): void;
  /** Node-RED 2+: an editor plugin (package.json node-red.plugins) registers itself here */
  plugins: { registerPlugin(id: string, definition: { onadd?(): void }): void };
  sidebar: {
    addTab(options: { id: string; label: string; name: string; iconClass: string; content: HTMLElement; toolbar?: HTMLElement; action?: string; enableOnEdit?: boolean; onchange?(): void }): void;
    show(id: string): void;
  };
  actions: { add(name: string, handler: () => void): void };
}
declare const RED: RedEditor;
