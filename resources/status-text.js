// Shows this module's node statuses in the browser's language. A status text is a catalog key
// (`@edgegw/node-red-gateway/<set>:<key>`), optionally with arguments (`?count=3&keys=a%2Cb`), and
// several parts may be joined by " · " (nodes/common/status-text.ts writes them). The editor
// itself translates a bare key but knows nothing of arguments, so this looks each part up with
// its arguments once the editor has stored the status. Served from the module's resources/ folder;
// every node's editor script loads it, and it subscribes once.
(function () {
  if (window.EdgeGatewayStatusText) {
    return;
  }
  var PREFIX = '@edgegw/node-red-gateway/';
  var SEPARATOR = ' · ';
  var PART = /^@edgegw\/node-red-gateway\/([a-z][a-z0-9-]*):([A-Za-z0-9.-]+)(?:\?(.*))?$/;

  function translatePart(piece) {
    var m = PART.exec(piece);
    if (!m) {
      return null;
    }
    var args = {};
    (m[3] ? m[3].split('&') : []).forEach(function (pair) {
      var eq = pair.indexOf('=');
      args[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
    });
    var key = PREFIX + m[1] + ':' + m[2];
    var text = RED._(key, args);
    return typeof text === 'string' && text !== key ? text : m[2];
  }

  function render(text) {
    var pieces = text.split(SEPARATOR);
    var shown = [];
    for (var i = 0; i < pieces.length; i++) {
      var part = translatePart(pieces[i]);
      if (part === null) {
        return null;
      }
      shown.push(part);
    }
    return shown.join(SEPARATOR);
  }

  // The editor's own handler (which stores msg as the node's status) may run before or after
  // this one, depending on whether the module was loaded at start or installed later; the
  // rendering waits for the end of the current dispatch so it always comes last.
  RED.comms.subscribe('status/#', function (topic, msg) {
    if (!msg || typeof msg.text !== 'string' || msg.text.indexOf(PREFIX) !== 0) {
      return;
    }
    var raw = msg.text;
    var node = RED.nodes.node(topic.split('/')[1]);
    if (!node) {
      return;
    }
    Promise.resolve().then(function () {
      if (node.status !== msg) {
        return; // a newer status arrived meanwhile
      }
      var text = render(raw);
      if (text === null) {
        return;
      }
      msg.text = text;
      node.dirtyStatus = true;
      node.dirty = true;
      RED.view.redrawStatus(node);
    });
  });
  window.EdgeGatewayStatusText = { render: render };
})();
