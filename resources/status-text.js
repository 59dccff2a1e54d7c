// Built by scripts/build.mjs from editor/ and lib/: do not edit.
"use strict";
(() => {
  // nodes/common/status-text.ts
  var MODULE_NAME = "@edgegw/node-red-gateway";
  var PART_SEPARATOR = " · ";
  var PART = /^@edgegw\/node-red-gateway\/([a-z][a-z0-9-]*):([A-Za-z0-9.-]+)(?:\?(.*))?$/;
  function parseStatusText(text) {
    const parts = [];
    for (const piece of text.split(PART_SEPARATOR)) {
      const m = PART.exec(piece);
      if (!m || !m[2].startsWith(`${m[1]}.`)) return void 0;
      const args = {};
      for (const pair of m[3] ? m[3].split("&") : []) {
        const eq = pair.indexOf("=");
        args[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
      }
      parts.push(m[3] ? { key: m[2], args } : { key: m[2] });
    }
    return parts;
  }

  // editor/status-text.ts
  var PREFIX = `${MODULE_NAME}/`;
  function render(text) {
    const parts = parseStatusText(text);
    if (!parts) return null;
    return parts.map(({ key, args }) => {
      const full = `${PREFIX}${key.slice(0, key.indexOf("."))}:${key}`;
      const shown = RED._(full, args);
      return typeof shown === "string" && shown !== full ? shown : key;
    }).join(PART_SEPARATOR);
  }
  if (!window.EdgeGatewayStatusText) {
    RED.comms.subscribe("status/#", (topic, msg) => {
      if (!msg || typeof msg.text !== "string" || !msg.text.startsWith(PREFIX)) return;
      const raw = msg.text;
      const node = RED.nodes.node(topic.split("/")[1]);
      if (!node) return;
      void Promise.resolve().then(() => {
        if (node.status !== msg) return;
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
})();
