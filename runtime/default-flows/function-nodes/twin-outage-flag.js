flow.set('twinDown', !flow.get('twinDown'));
node.status({ fill: flow.get('twinDown') ? 'red' : 'green', shape: 'dot', text: flow.get('twinDown') ? 'twin answers 503' : 'twin up' });
return null;
