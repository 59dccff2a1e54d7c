// Modbus transports as the connection and server dialogs show them: TCP-like ones take a host and
// port, the others a serial line.

export function tcpLike(transport: unknown): boolean {
  return transport === 'tcp' || transport === 'rtu-over-tcp';
}
