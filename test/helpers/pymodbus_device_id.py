"""pymodbus 3.0's client reading a device's identification (function 43, MEI type 14) once.

Usage: pymodbus_device_id.py HOST PORT UNIT READ_CODE OBJECT_ID
Prints one JSON line: the response's fields as pymodbus decoded them
  {"read_code": 1, "conformity": 129, "more_follows": 0, "next_object_id": 0,
   "number_of_objects": 3, "information": {"0": "edgegw", ...}}
or {"exception": <code>} for an exception response, or {"error": "..."} when nothing usable came.
"""
import json
import logging
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.mei_message import ReadDeviceInformationRequest


def main():
    host, port, unit, read_code, object_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    logging.basicConfig(level=logging.CRITICAL)
    client = ModbusTcpClient(host, port=port, timeout=5, retries=0)
    if not client.connect():
        print(json.dumps({"error": f"cannot connect to {host}:{port}"}), flush=True)
        sys.exit(2)
    try:
        rr = client.execute(ReadDeviceInformationRequest(read_code=read_code, object_id=object_id, unit=unit))
    finally:
        client.close()
    if rr is None or not hasattr(rr, "function_code"):
        print(json.dumps({"error": str(rr)}), flush=True)
        return
    if rr.isError():
        print(json.dumps({"exception": getattr(rr, "exception_code", None)}), flush=True)
        return
    info = {str(k): (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in rr.information.items()}
    print(
        json.dumps(
            {
                "read_code": rr.read_code,
                "conformity": rr.conformity,
                "more_follows": rr.more_follows,
                "next_object_id": rr.next_object_id,
                "number_of_objects": rr.number_of_objects,
                "information": info,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
