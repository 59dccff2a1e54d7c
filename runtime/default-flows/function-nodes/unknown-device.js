// A command for a device this gateway does not have: answered, never written anywhere
const device = String(msg.topic).split('/')[1];
msg.error = { message: device ? `unknown device "${device}": this gateway has boiler and meter` : 'no device named in the topic: use devices/<device>/commands (this gateway has boiler and meter)' };
return msg;
