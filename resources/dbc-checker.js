// Editor code shared by the dbc-decode and dbc-encode edit dialogs, served by Node-RED from this
// module's resources/ folder. Checks the DBC on the server (POST edgegw/dbc/check) as it is
// edited and shows the result, with a syntax error's line and column, under the field.
(function () {
  if (window.EdgeGatewayDbcChecker) {
    return;
  }
  function dbcChecker(node, type) {
    var timer = null;
    var seq = 0;
    var result = $('#' + type + '-dbc-check');
    function show(r) {
      result.empty().css('color', '');
      if (r.ok) {
        result.text(node._(type + '.check.ok', { messages: r.messages, signals: r.signals }));
        if (r.warningCount) {
          result.append($('<div>').text(node._(type + '.check.warnings', { count: r.warningCount, line: r.warnings[0].line, message: r.warnings[0].message })));
        }
        return;
      }
      var e = r.error || {};
      result.css('color', 'var(--red-ui-text-color-error, #d6615f)');
      if (e.line) {
        var link = $('<a href="#">').text(node._(type + '.check.error', { line: e.line, column: e.column, message: e.message }));
        link.on('click', function (ev) {
          ev.preventDefault();
          var ta = $('#node-input-dbcText')[0];
          if (!ta || $('#node-input-dbcSource').val() !== 'text') {
            return;
          }
          var lines = ta.value.split('\n');
          var start = 0;
          for (var i = 0; i < e.line - 1 && i < lines.length; i++) {
            start += lines[i].length + 1;
          }
          ta.focus();
          ta.setSelectionRange(start + Math.max(0, e.column - 1), start + (lines[e.line - 1] || '').length);
        });
        result.append(link);
      } else {
        result.text(e.message || '');
      }
    }
    function run() {
      var mine = ++seq;
      var body = { dbcSource: $('#node-input-dbcSource').val(), dbcFile: $('#node-input-dbcFile').val(), dbcText: $('#node-input-dbcText').val() };
      if (!(body.dbcSource === 'text' ? body.dbcText : body.dbcFile)) {
        result.empty();
        return;
      }
      result.css('color', '').text(node._(type + '.check.checking'));
      $.ajax({ url: 'edgegw/dbc/check', type: 'POST', contentType: 'application/json', data: JSON.stringify(body), dataType: 'json' })
        .done(function (r) {
          if (mine === seq) {
            show(r);
          }
        })
        .fail(function (xhr) {
          if (mine === seq) {
            show({ ok: false, error: { message: xhr.status + ' ' + (xhr.responseText || xhr.statusText) } });
          }
        });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(run, 400);
    }
    $('#node-input-dbcText, #node-input-dbcFile').on('input change', later);
    $('#node-input-dbcSource')
      .on('change', function () {
        var text = $(this).val() === 'text';
        $('.' + type + '-dbc-text').toggle(text);
        $('.' + type + '-dbc-file').toggle(!text);
        later();
      })
      .trigger('change');
  }
  window.EdgeGatewayDbcChecker = dbcChecker;
})();
