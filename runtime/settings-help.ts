// The runtime's --help: the subcommands, then every setting's flag, help and environment variable.
import { FIELDS } from './settings-fields';

export function helpText(): string {
  const lines = [
    'Usage: edge-gateway [options]                 start the gateway (Node-RED with the edge-gateway nodes and flows)',
    '       edge-gateway admin add-user NAME       add an editor/admin user (password read from stdin or prompted)',
    '       edge-gateway admin add-key NAME        add an operator API key, shown once: --scope read|write|admin (also list-keys, revoke-key)',
    '       edge-gateway admin add-device ID       make a device broker login, shown once (the embedded broker then refuses wrong passwords)',
    '       edge-gateway devices list|accept|reject|remove  the device registry: pending devices accepted, rejected, removed (see: edge-gateway devices --help)',
    '       edge-gateway modbus read|write ...      commission a Modbus device from a tag table (see: edge-gateway modbus --help)',
    '       edge-gateway dbc check|decode ...       check a DBC file, decode a candump log (see: edge-gateway dbc --help)',
    "       edge-gateway calc eval 'EXPRESSION'     try a tag-calc expression (see: edge-gateway calc --help)",
    '       edge-gateway flows migrate FILE         rewrite flows saved by an earlier release (see: edge-gateway flows --help)',
    '       edge-gateway profiles list|check FILE   list the device profiles, check a profile file (see: edge-gateway profiles --help)',
    '',
    'Options (each layer overrides the one before: defaults < settings file < environment < flags):',
    `  ${'--config FILE'.padEnd(22)} settings file, JSON or YAML (env EDGE_GATEWAY_CONFIG; default <user-dir>/edge-gateway.json)`,
  ];
  for (const f of FIELDS) {
    const flag = f.flag
      ? f.kind === 'bool'
        ? f.flag
        : `${f.flag} ${f.kind === 'port' ? 'N' : f.kind === 'url' ? 'URL' : f.kind === 'bytes' ? 'SIZE' : f.kind === 'gatewayId' ? 'ID' : 'VALUE'}`
      : f.negFlag!;
    lines.push(`  ${flag.padEnd(22)} ${f.help}${f.env ? ` (env ${f.env})` : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(22)} this text`, `  ${'--version'.padEnd(22)} print the version`);
  lines.push(
    '',
    'Settings file keys: ' +
      FIELDS.filter((f) => f.key !== 'resetFlows')
        .map((f) => f.key)
        .join(', ') +
      ', adminUsers, devices, api (operator API keys file, JWT, rate limits), tls ({ cert, key } PEM files: https)',
  );
  return lines.join('\n');
}
