"""A pymodbus 3.0 server (TCP, RTU-over-TCP, or RTU/ASCII on a serial/pty path) for the edge-gateway tests.

Started by test/helpers/pymodbus.ts. Prints "READY <port-or-path>" on stdout once it serves.
Control channel: one JSON command per line on stdin, each answered by one JSON line on stdout
that carries the same "id":
  {"id": 1, "cmd": "set", "unit": 1, "area": "holding", "address": 0, "values": [1, 2]}
  {"id": 2, "cmd": "get", "unit": 1, "area": "coil", "address": 0, "count": 4}
  {"id": 3, "cmd": "silence", "unit": 2, "on": true}
A silenced unit raises NoSuchSlaveException when the server looks it up, and with
ignore_missing_slaves=True the server then stays silent for it (a dead slave) while the other
units keep answering. (Removing it from the context instead takes effect one request late:
pymodbus captures the unit list before it waits for the next frame.)

--identity '{"VendorName": "...", "ProductCode": "...", ...}' sets what function 43 / MEI 14
(read device identification) answers, with pymodbus' ModbusDeviceIdentification.

Initial image of every unit (the same as test/peers/modbus-tcp-server.c for registers):
holding[i] = i, input[i] = 2*i (mod 65536), coil[i] = i odd, discrete[i] = i % 3 == 0;
or all zeros with --zeros.
"""
import argparse
import asyncio
import json
import logging
import sys
import threading

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.exceptions import NoSuchSlaveException
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.ascii_framer import ModbusAsciiFramer
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer

FC = {"coil": 1, "discrete": 2, "holding": 3, "input": 4}


class SilenceableContext(ModbusServerContext):
    """A server context whose units can be made silent without changing the unit list."""

    def __init__(self, slaves):
        super().__init__(slaves=slaves, single=False)
        self.silent = set()

    def __getitem__(self, slave):
        if slave in self.silent:
            raise NoSuchSlaveException(f"unit {slave} is silenced")
        return super().__getitem__(slave)


def make_unit(size, zeros):
    def block(fn):
        return ModbusSequentialDataBlock(0, [0 if zeros else fn(i) for i in range(size)])

    return ModbusSlaveContext(
        co=block(lambda i: i % 2 == 1),
        di=block(lambda i: i % 3 == 0),
        hr=block(lambda i: i & 0xFFFF),
        ir=block(lambda i: (2 * i) & 0xFFFF),
        zero_mode=True,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transport", choices=["tcp", "rtu-over-tcp", "rtu", "ascii"], default="tcp")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--path", default="")
    ap.add_argument("--baud", type=int, default=19200)
    ap.add_argument("--units", default="1")
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--zeros", action="store_true")
    ap.add_argument("--identity", default="")
    args = ap.parse_args()

    logging.basicConfig(level=logging.CRITICAL)
    units = [int(u) for u in args.units.split(",") if u.strip()]
    slaves = {u: make_unit(args.size, args.zeros) for u in units}
    context = SilenceableContext(dict(slaves))
    asyncio.run(serve(args, slaves, context))


async def serve(args, slaves, context):
    loop = asyncio.get_running_loop()
    identity = ModbusDeviceIdentification(info_name=json.loads(args.identity)) if args.identity else None
    if args.transport in ("tcp", "rtu-over-tcp"):
        server = ModbusTcpServer(
            context,
            framer=ModbusRtuFramer if args.transport == "rtu-over-tcp" else None,
            address=("127.0.0.1", args.port),
            allow_reuse_address=True,
            ignore_missing_slaves=True,
            identity=identity,
        )
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        where = str(server.server.sockets[0].getsockname()[1])
    else:
        framer = ModbusRtuFramer if args.transport == "rtu" else ModbusAsciiFramer
        server = ModbusSerialServer(
            context,
            framer=framer,
            port=args.path,
            baudrate=args.baud,
            ignore_missing_slaves=True,
            identity=identity,
        )
        await server.start()
        if server.transport is None:
            print(f"FAILED cannot open {args.path}", flush=True)
            sys.exit(2)
        task = None
        where = args.path

    commands: asyncio.Queue = asyncio.Queue()

    def read_stdin():
        # A thread, because asyncio's stdin pipe readers vary by platform; EOF ends the server so
        # a test runner that dies never leaves this process behind.
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line)
        loop.call_soon_threadsafe(commands.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    print(f"READY {where}", flush=True)

    while True:
        line = await commands.get()
        if line is None:
            break
        line = line.strip()
        if not line:
            continue
        reply = {"id": None, "ok": True}
        try:
            cmd = json.loads(line)
            reply["id"] = cmd.get("id")
            unit = int(cmd.get("unit", 1))
            if cmd["cmd"] == "set":
                values = cmd["values"]
                if cmd["area"] in ("coil", "discrete"):
                    values = [bool(v) for v in values]
                slaves[unit].setValues(FC[cmd["area"]], int(cmd["address"]), values)
            elif cmd["cmd"] == "get":
                vals = slaves[unit].getValues(FC[cmd["area"]], int(cmd["address"]), int(cmd["count"]))
                reply["values"] = [int(v) if not isinstance(v, bool) else v for v in vals]
            elif cmd["cmd"] == "silence":
                if cmd.get("on", True):
                    context.silent.add(unit)
                else:
                    context.silent.discard(unit)
            else:
                raise ValueError(f"unknown command {cmd['cmd']}")
        except Exception as exc:  # pylint: disable=broad-except
            reply["ok"] = False
            reply["error"] = str(exc)
        print(json.dumps(reply), flush=True)

    if task is not None:
        await server.server_close()
        task.cancel()
    else:
        await server.shutdown()


if __name__ == "__main__":
    main()
