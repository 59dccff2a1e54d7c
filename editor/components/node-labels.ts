// What the flow canvas shows of a node of ours, the same for every type.

/** A node the user has named shows its name in italics, as Node-RED's core nodes do. */
export function italicWhenNamed(this: EditorNodeInstance): string {
  return this.name ? 'node_label_italic' : '';
}
