// The circuit-breaker node's editor: when it opens (consecutive failures or a failure rate), how
// long it stays open, and which node of the flow it watches.
import { field, validator } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

interface CircuitBreakerNode extends EditorNodeInstance {
  watch?: string;
}

RED.nodes.registerType<CircuitBreakerNode>('edgegw-circuit-breaker', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    thresholdType: field('circuit-breaker', 'thresholdType'),
    failures: field('circuit-breaker', 'failures'),
    rate: field('circuit-breaker', 'rate'),
    window: field('circuit-breaker', 'window'),
    minCalls: field('circuit-breaker', 'minCalls'),
    openTimeout: field('circuit-breaker', 'openTimeout'),
    // a new node's suggestion; blank (an older flow) keeps the open time fixed
    maxOpenTimeout: { value: 300, validate: validator('circuit-breaker', 'maxOpenTimeout') },
    probes: field('circuit-breaker', 'probes'),
    fallback: { value: false },
    watch: { value: '' },
    callTimeout: field('circuit-breaker', 'callTimeout'),
    serverErrorIsFailure: { value: true },
  },
  inputs: 1,
  outputs: 3,
  icon: 'circuit-breaker.svg',
  label() {
    return this.name || 'circuit breaker';
  },
  paletteLabel: 'circuit breaker',
  outputLabels(i) {
    return this._(['circuit-breaker.outputs.passed', 'circuit-breaker.outputs.refused', 'circuit-breaker.outputs.state'][i]);
  },
  labelStyle: italicWhenNamed,
  oneditprepare() {
    const self = this;
    const toggle = (): void => {
      const rate = $('#node-input-thresholdType').val() === 'rate';
      $('.breaker-consecutive').toggle(!rate);
      $('.breaker-rate').toggle(rate);
    };
    $('#node-input-thresholdType').on('change', toggle);
    toggle();
    const select = $('#node-input-watch');
    select.append($('<option>').val('').text(self._('circuit-breaker.watch.none')));
    let found = false;
    RED.nodes.eachNode((n) => {
      if (n.z !== self.z || n.id === self.id || n.type === 'comment' || n.type === 'tab') return;
      select.append(
        $('<option>')
          .val(n.id)
          .text(`${n.name || n.type} (${n.type})`),
      );
      if (n.id === self.watch) found = true;
    });
    if (self.watch && !found) select.append($('<option>').val(self.watch).text(`${self.watch} ?`));
    select.val(self.watch || '');
    // the call timeout and the 5xx rule judge observed outcomes only
    const toggleObserved = (): void => {
      $('.breaker-observed').toggle(Boolean(select.val()));
    };
    select.on('change', toggleObserved);
    toggleObserved();
  },
});
