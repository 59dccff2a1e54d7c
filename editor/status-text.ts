// Shows this module's node statuses in the browser's language. A status text is a catalog key
// (`@edgegw/node-red-gateway/<set>:<key>`), optionally with arguments (`?count=3&keys=a%2Cb`), and
// several parts may be joined by " · " (nodes/common/status-text.ts writes them). The editor
// itself translates a bare key but knows nothing of arguments, so this looks each part up with
// its arguments once the editor has stored the status. Built into resources/status-text.js;
// every node's editor script loads it, and it subscribes once.
import { MODULE_NAME, PART_SEPARATOR, parseStatusText } from '../nodes/common/status-text';

interface StatusTextGlobal {
  render(text: string): string | null;
}
declare global {
  interface Window {
    EdgeGatewayStatusText?: StatusTextGlobal;
  }
}

const PREFIX = `${MODULE_NAME}/`;

/** The text shown for a status text of ours (one parser: the runtime's), or null for any other text. */
function render(text: string): string | null {
  const parts = parseStatusText(text);
  if (!parts) return null;
  return parts
    .map(({ key, args }) => {
      const full = `${PREFIX}${key.slice(0, key.indexOf('.'))}:${key}`;
      const shown = RED._(full, args);
      return typeof shown === 'string' && shown !== full ? shown : key;
    })
    .join(PART_SEPARATOR);
}

if (!window.EdgeGatewayStatusText) {
  // The editor's own handler (which stores msg as the node's status) may run before or after
  // this one, depending on whether the module was loaded at start or installed later; the
  // rendering waits for the end of the current dispatch so it always comes last.
  RED.comms.subscribe('status/#', (topic, msg) => {
    if (!msg || typeof msg.text !== 'string' || !msg.text.startsWith(PREFIX)) return;
    const raw = msg.text;
    const node = RED.nodes.node(topic.split('/')[1]);
    if (!node) return;
    void Promise.resolve().then(() => {
      if (node.status !== msg) return; // a newer status arrived meanwhile
      const text = render(raw);
      if (text === null) return;
      msg.text = text;
      node.dirtyStatus = true;
      node.dirty = true;
      RED.view.redrawStatus(node);
    });
  });
  window.EdgeGatewayStatusText = { render };
}
