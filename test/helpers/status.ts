// Node statuses as tests compare them. A status text is a catalog key with arguments for the
// editor to translate (nodes/common/status-text.ts); tests read it back as
// `tag-calc.status.exprError(line=2, column=18)`: each key without its namespace, with its arguments.
import { parseStatusText } from '../../nodes/common/status-text';
import type { NodeStatus } from '../../nodes/common/red';

/** The described form of a status text; a text that is not made of status keys stays as it is. */
export function describeStatusText(text: string): string {
  const parts = parseStatusText(text);
  if (!parts) return text;
  return parts
    .map(
      (p) =>
        p.key +
        (p.args
          ? `(${Object.entries(p.args)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''),
    )
    .join(' · ');
}

/** A status with its text described. */
export function describeStatus(status: NodeStatus): NodeStatus {
  return typeof status?.text === 'string' ? { ...status, text: describeStatusText(status.text) } : status;
}
