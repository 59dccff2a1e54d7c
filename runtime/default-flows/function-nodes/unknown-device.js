// A command for a device this gateway does not have: answered, never written anywhere (the tab's
// environment variable COMMAND_DEVICES lists the devices that take commands)
const device = String(msg.topic).split('/')[1];
const have = env.get('COMMAND_DEVICES') || 'none';
msg.error = { message: device ? `unknown device "${device}": this gateway has ${have}` : `no device named in the topic: use devices/<device>/commands (this gateway has ${have})` };
return msg;
