// A command for a device this gateway does not have: answered, never written anywhere
msg.error = { message: `unknown device "${String(msg.topic).split('/')[1]}": this gateway has boiler and meter` };
return msg;
