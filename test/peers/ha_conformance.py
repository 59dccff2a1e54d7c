#!/usr/bin/env python3
"""Judges MQTT discovery configs the way Home Assistant reads them.

stdin:  {"rules": <test/fixtures/home-assistant/entity-rules.json>,
         "configs": [{"topic", "payload", "retain"}],      # retained homeassistant/# messages
         "messages": [{"topic", "payload", "retain"}]}     # everything else seen, in arrival order
stdout: {"violations": [{"topic", "rule", "detail"}], "renders": <templates rendered>}

What it checks, each from Home Assistant's source (see the fixture's README):
- the discovery topic, the keys, unique_id, default_entity_id (object_id is deprecated since
  2025.10 and ignored from 2026.4), the device block and via_device, the availability topic
  (a retained message on it, online or offline);
- sensor device_class / unit / state_class against DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES
  and STATE_CLASS_UNITS;
- every value_template rendered with real Jinja in an environment like Home Assistant's
  (ImmutableSandboxedEnvironment, an undefined that logs "Template variable warning" when printed,
  iterated or tested for truth, value / value_json / entity_id / name / this), against every
  message on the entity's state topic in order, feeding the result to the state rules of
  components/mqtt/sensor.py and binary_sensor.py. Where the state message is the gateway's data
  shape ({"values": {...}}), the entity's name is its tag: the state must follow the tag's value,
  be unknown for null and stay as it was when the message does not carry the tag.
Only Jinja's own filters and tests exist here: a template that needs one of Home Assistant's
(float, round, ...) fails to compile and is reported, so the emulation never passes silently.
"""
import json
import re
import sys

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

OBJECT_ID = r"(?!_)[\da-z_]+(?<!_)"
VALID_ENTITY_ID = re.compile(r"^(?!.+__)" + OBJECT_ID + r"\." + OBJECT_ID + r"$")  # homeassistant/core.py
DISCOVERY_TOPIC = re.compile(r"^[^/#+]+/(?P<component>[^/]+)/(?:[a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config$")
PAYLOAD_NONE = "None"  # components/mqtt/const.py
COMMON_KEYS = {
    "name", "unique_id", "default_entity_id", "state_topic", "value_template", "availability_topic",
    "availability", "availability_mode", "availability_template", "payload_available", "payload_not_available",
    "device", "origin", "qos", "encoding", "icon", "entity_category", "entity_picture", "enabled_by_default",
    "expire_after", "force_update", "json_attributes_topic", "json_attributes_template",
}
COMPONENT_KEYS = {
    "sensor": COMMON_KEYS | {"device_class", "state_class", "unit_of_measurement", "suggested_display_precision", "options", "last_reset_value_template"},
    "binary_sensor": COMMON_KEYS | {"device_class", "payload_on", "payload_off", "off_delay"},
}


class Judge:
    def __init__(self, rules, configs, messages):
        self.rules = rules
        self.configs = configs
        self.messages = messages
        self.violations = []
        self.renders = 0
        self.warnings = []
        judge = self

        class LoggingUndefined(jinja2.Undefined):
            """helpers/template make_logging_undefined: logs on print, iteration and truth tests."""

            def _log(self):
                judge.warnings.append(self._undefined_message)

            def __str__(self):
                self._log()
                return super().__str__()

            def __iter__(self):
                self._log()
                return super().__iter__()

            def __bool__(self):
                self._log()
                return super().__bool__()

        self.env = ImmutableSandboxedEnvironment(undefined=LoggingUndefined, extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"])

    def flag(self, topic, rule, detail):
        self.violations.append({"topic": topic, "rule": rule, "detail": detail})

    def run(self):
        retained = {m["topic"]: m["payload"] for m in self.messages if m.get("retain")}
        unique_ids = {}
        identifiers = set()
        parsed = []
        for c in self.configs:
            if c["payload"] == "":
                continue  # a removal
            try:
                cfg = json.loads(c["payload"])
            except ValueError as err:
                self.flag(c["topic"], "payload-json", str(err))
                continue
            if not isinstance(cfg, dict):
                self.flag(c["topic"], "payload-json", "not an object")
                continue
            parsed.append((c, cfg))
            identifiers.update((cfg.get("device") or {}).get("identifiers") or [])
        for c, cfg in parsed:
            self.check_config(c["topic"], c.get("retain"), cfg, retained, identifiers, unique_ids)
        return {"violations": self.violations, "renders": self.renders}

    def check_config(self, topic, retain, cfg, retained, identifiers, unique_ids):
        m = DISCOVERY_TOPIC.match(topic)
        if not m:
            return self.flag(topic, "discovery-topic", "not <prefix>/<component>/[<node_id>/]<object_id>/config with [a-zA-Z0-9_-] ids")
        component = m.group("component")
        if component not in COMPONENT_KEYS:
            return self.flag(topic, "component", f"{component} is not judged here")
        if not retain:
            self.flag(topic, "retain", "a discovery config must be retained, or Home Assistant loses it on restart")
        if "object_id" in cfg:
            self.flag(topic, "object_id", "deprecated since Home Assistant 2025.10, ignored from 2026.4: use default_entity_id")
        for key in sorted(set(cfg) - COMPONENT_KEYS[component] - {"object_id"}):
            self.flag(topic, "unknown-key", f"{key} is not a {component} option (Home Assistant drops it)")
        uid = cfg.get("unique_id")
        if not isinstance(uid, str) or not uid:
            self.flag(topic, "unique_id", "missing")
        elif uid in unique_ids:
            self.flag(topic, "unique_id", f"{uid} is also the unique_id of {unique_ids[uid]}")
        else:
            unique_ids[uid] = topic
        entity_id = cfg.get("default_entity_id")
        if not isinstance(entity_id, str) or not VALID_ENTITY_ID.match(entity_id.lower()):
            self.flag(topic, "default_entity_id", f"{entity_id!r} is not <domain>.<object id> of lower-case letters, digits and single underscores")
        elif entity_id.split(".")[0] != component:
            self.flag(topic, "default_entity_id", f"{entity_id} is not in the {component} domain")
        self.check_device(topic, cfg.get("device"), identifiers)
        self.check_availability(topic, cfg, retained)
        if component == "sensor":
            self.check_sensor_classes(topic, cfg)
        elif cfg.get("device_class") is not None and cfg["device_class"] not in self.rules["binary_sensor"]["device_classes"]:
            self.flag(topic, "device_class", f"{cfg['device_class']} is not a binary_sensor device class")
        state_topic = cfg.get("state_topic")
        if not isinstance(state_topic, str) or not state_topic or re.search(r"[#+\x00]", state_topic):
            return self.flag(topic, "state_topic", f"{state_topic!r} is not a topic to read state from")
        self.check_states(topic, component, cfg, [x for x in self.messages if x["topic"] == state_topic])

    def check_device(self, topic, device, identifiers):
        if not isinstance(device, dict):
            return self.flag(topic, "device", "no device block: the entity belongs to no device")
        ids = device.get("identifiers")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            self.flag(topic, "device", "identifiers must be a non-empty list of strings")
        if not isinstance(device.get("name"), str) or not device["name"]:
            self.flag(topic, "device", "no device name")
        via = device.get("via_device")
        if via is not None and via not in identifiers:
            self.flag(topic, "via_device", f"{via} is the identifier of no announced device")

    def check_availability(self, topic, cfg, retained):
        avail = cfg.get("availability_topic")
        if avail is None:
            return
        if avail not in retained:
            return self.flag(topic, "availability", f"nothing retained on {avail}: the entity stays unavailable")
        allowed = {cfg.get("payload_available", "online"), cfg.get("payload_not_available", "offline")}
        if retained[avail] not in allowed:
            self.flag(topic, "availability", f"{avail} holds {retained[avail]!r}, not one of {sorted(allowed)}")

    def check_sensor_classes(self, topic, cfg):
        rules = self.rules["sensor"]
        dc, sc, unit = cfg.get("device_class"), cfg.get("state_class"), cfg.get("unit_of_measurement")
        if dc is not None and dc not in rules["device_classes"]:
            return self.flag(topic, "device_class", f"{dc} is not a sensor device class")
        if sc is not None and sc not in rules["state_classes"]:
            return self.flag(topic, "state_class", f"{sc} is not a state class")
        if dc in rules["non_numeric_device_classes"] and (sc is not None or unit is not None):
            self.flag(topic, "device_class", f"{dc} is not numeric: no unit or state_class")
        units = rules["device_class_units"].get(dc)
        if units is not None and unit not in units:
            self.flag(topic, "unit", f"{unit!r} is not a unit of device class {dc} (Home Assistant accepts {units})")
        state_classes = rules["device_class_state_classes"].get(dc)
        if sc is not None and state_classes is not None and sc not in state_classes:
            self.flag(topic, "state_class", f"{sc} is not a state class of device class {dc} (Home Assistant accepts {state_classes})")
        sc_units = rules["state_class_units"].get(sc)
        if sc_units is not None and unit not in sc_units:
            self.flag(topic, "unit", f"{unit!r} is not a unit of state class {sc}")

    def render(self, template, payload, entity_id, name, state):
        self.renders += 1
        variables = {"value": payload, "entity_id": entity_id, "name": name, "this": {"state": "unknown" if state is None else state}}
        try:
            variables["value_json"] = json.loads(payload)
        except ValueError:
            pass
        return template.render(**variables).strip()

    def check_states(self, topic, component, cfg, messages):
        source = cfg.get("value_template")
        if not isinstance(source, str):
            return self.flag(topic, "value_template", "none: the raw payload would be the state")
        try:
            template = self.env.from_string(source)
        except jinja2.TemplateError as err:
            return self.flag(topic, "value_template", f"does not compile: {err}")
        if not messages:
            return self.flag(topic, "state_topic", f"nothing was published on {cfg['state_topic']}")
        numeric = self.numeric_expected(cfg) if component == "sensor" else False
        state, carried, data_shape, problems = None, 0, False, {}

        def problem(rule, detail):
            problems.setdefault(rule, detail)

        for msg in messages:
            self.warnings.clear()
            try:
                out = self.render(template, msg["payload"], cfg.get("default_entity_id"), cfg.get("name"), state)
            except Exception as err:  # Home Assistant logs the error and keeps the state
                problem("template-error", f"{type(err).__name__}: {err} on {msg['payload'][:200]}")
                continue
            if self.warnings:
                problem("template-warning", f"Template variable warning: {self.warnings[0]} on {msg['payload'][:200]}")
            before = state
            state = self.next_state(component, cfg, numeric, out, state, problem)
            self.expect(cfg, msg["payload"], component, numeric, before, state, problem, out)
            carried += 1 if self.tag_value(cfg, msg["payload"])[0] else 0
            data_shape = data_shape or self.is_data_shape(msg["payload"])
        if data_shape and carried == 0:
            problem("never-carried", f"no message on {cfg['state_topic']} carried {cfg.get('name')!r}: the template was never tried on a value")
        for rule, detail in problems.items():
            self.flag(topic, rule, detail)

    def numeric_expected(self, cfg):
        """SensorEntity._numeric_state_expected."""
        dc = cfg.get("device_class")
        if dc in self.rules["sensor"]["non_numeric_device_classes"]:
            return False
        if cfg.get("state_class") is not None or cfg.get("unit_of_measurement") is not None or cfg.get("suggested_display_precision") is not None:
            return True
        return dc is not None

    def next_state(self, component, cfg, numeric, out, state, problem):
        if component == "binary_sensor":
            if not out.strip():
                return state  # "Empty template output", ignored
            if out == cfg.get("payload_on", "ON"):
                return "on"
            if out == cfg.get("payload_off", "OFF"):
                return "off"
            if out == PAYLOAD_NONE:
                return None
            problem("binary-payload", f"{out!r} is neither payload_on nor payload_off: Home Assistant logs it and ignores it")
            return state
        if out == PAYLOAD_NONE:
            return None
        if numeric:
            if out == "":
                return state  # "Ignore empty state"
            try:
                float(out)
            except ValueError:
                problem("numeric-state", f"{out!r} is not a number, and the sensor expects one")
                return state
        return out

    @staticmethod
    def data_values(payload):
        """The "values" object of the gateway's data shape, or None."""
        try:
            body = json.loads(payload)
        except ValueError:
            return None
        values = body.get("values") if isinstance(body, dict) else None
        return values if isinstance(values, dict) else None

    def is_data_shape(self, payload):
        return self.data_values(payload) is not None

    def tag_value(self, cfg, payload):
        """(True, value) when the payload is the gateway's data shape and carries the entity's tag."""
        values = self.data_values(payload)
        if values is None or cfg.get("name") not in values:
            return (False, None)
        return (True, values[cfg["name"]])

    def expect(self, cfg, payload, component, numeric, before, state, problem, out):
        if not self.is_data_shape(payload):
            return
        carried, value = self.tag_value(cfg, payload)
        if not carried:
            if state != before:
                problem("missing-tag-changes-state", f"a message without {cfg.get('name')!r} changed the state from {before!r} to {state!r}")
            return
        if value is None:
            if state is not None:
                problem("null-not-unknown", f"null for {cfg.get('name')!r} gave state {state!r}, not unknown")
            return
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if component == "binary_sensor":
            want = ("on" if value else "off") if isinstance(value, bool) else None  # a wrong type is unknown
        elif numeric:
            want = value if is_number else None  # a wrong type is unknown
        elif isinstance(value, str):
            want = value
        else:
            return  # a text sensor shows a number or a boolean as Jinja prints it
        if numeric and want is not None:
            ok = state is not None and float(state) == float(want)
        else:
            ok = state == want
        if not ok:
            problem("state-mismatch", f"{cfg.get('name')!r} = {value!r} rendered {out!r}, state {state!r}")


def main():
    data = json.load(sys.stdin)
    json.dump(Judge(data["rules"], data["configs"], data["messages"]).run(), sys.stdout)


if __name__ == "__main__":
    main()
