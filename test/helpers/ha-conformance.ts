// Runs the Home Assistant conformance judge (test/peers/ha_conformance.py, real Jinja2) on
// discovery configs and the messages their entities read, with Home Assistant's own tables
// (test/fixtures/home-assistant/entity-rules.json).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const JUDGE = join(ROOT, 'test', 'peers', 'ha_conformance.py');
export const HA_RULES_FILE = join(ROOT, 'test', 'fixtures', 'home-assistant', 'entity-rules.json');

/** The first python3 that imports jinja2: Debian's (as CI installs it), else the one on PATH. */
function jinjaPython(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find((python) => spawnSync(python, ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0);
}

/** The peer the judge needs, for needPeers(). */
export const JINJA_PEER = (): [string, boolean, string] => ['python3 with jinja2', jinjaPython() !== undefined, 'apt-get install python3-jinja2'];

export interface MqttSeen {
  topic: string;
  /** the payload as text, as Home Assistant receives it */
  payload: string;
  retain: boolean;
}

export interface HaViolation {
  topic: string;
  rule: string;
  detail: string;
}

export interface HaJudgement {
  violations: HaViolation[];
  /** how many value_template renders the judge ran */
  renders: number;
}

/** Judges retained discovery configs against every other message seen (state, availability), in arrival order. */
export function judgeDiscovery(configs: readonly MqttSeen[], messages: readonly MqttSeen[]): HaJudgement {
  const rules = JSON.parse(readFileSync(HA_RULES_FILE, 'utf8')) as unknown;
  const python = jinjaPython();
  if (!python) throw new Error('no python3 with jinja2 (apt-get install python3-jinja2)');
  const run = spawnSync(python, [JUDGE], { input: JSON.stringify({ rules, configs, messages }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`ha_conformance.py exited with ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as HaJudgement;
}

/** One line per violation, for assertion messages. */
export function describeViolations(violations: readonly HaViolation[]): string {
  return violations.map((v) => `${v.topic}: ${v.rule}: ${v.detail}`).join('\n');
}
