// The runtime's own messages (what `edge-gateway` prints: the broker and editor addresses, a port
// in use, an unknown flag, the security refusal) in the user's language, as the editor and the node
// statuses are: --lang, else the settings' lang, else EDGE_GATEWAY_LANG, else LANG (ru_RU.UTF-8
// reads ru). One catalog per language; the type keeps ru's keys those of en-US, and the locales
// test checks both carry the same {placeholders}.

const EN_US = {
  unknownFlag: 'unknown flag{near} (see edge-gateway --help)',
  didYouMean: '; did you mean {flag}?',
  needsValue: 'needs a value',
  portInUse: 'port {host}:{port} is in use: choose another with --port N',
  cannotListen: 'cannot listen on {host}:{port}: {reason}',
  brokerPortInUse: 'embedded MQTT broker: port {host}:{port} is in use (another broker?). Use --broker-port N, --mqtt-url URL for that broker, or --no-broker.',
  brokerCannotListen: 'embedded MQTT broker: cannot listen on {host}:{port}: {reason}',
  brokerListening: 'embedded MQTT broker listening on 127.0.0.1:{port}',
  brokerListeningOn: 'embedded MQTT broker listening on {host}:{port}',
  brokerNoDeviceLogins:
    'embedded MQTT broker: it listens on {host}, but no device has a login yet: clients from the network are refused (anonymous access only on loopback). Add one with edge-gateway admin add-device ID.',
  editorOn: 'editor on {url}  health on /health, metrics on /metrics',
  securityRefusal:
    'refusing to listen on {host} without admin authentication: the editor can run code on this machine.\nAdd an admin user first:  edge-gateway admin add-user NAME{config}\nor listen on 127.0.0.1 only (the default).',
} as const;

export type RuntimeMessageKey = keyof typeof EN_US;

const RU: Record<RuntimeMessageKey, string> = {
  unknownFlag: 'неизвестный флаг{near} (см. edge-gateway --help)',
  didYouMean: '; может быть, {flag}?',
  needsValue: 'нужно значение',
  portInUse: 'порт {host}:{port} занят: выберите другой с --port N',
  cannotListen: 'не удаётся слушать {host}:{port}: {reason}',
  brokerPortInUse: 'встроенный MQTT-брокер: порт {host}:{port} занят (другой брокер?). Укажите --broker-port N, --mqtt-url URL для того брокера или --no-broker.',
  brokerCannotListen: 'встроенный MQTT-брокер: не удаётся слушать {host}:{port}: {reason}',
  brokerListening: 'встроенный MQTT-брокер слушает 127.0.0.1:{port}',
  brokerListeningOn: 'встроенный MQTT-брокер слушает {host}:{port}',
  brokerNoDeviceLogins:
    'встроенный MQTT-брокер: он слушает {host}, но ни у одного устройства ещё нет учётной записи: клиенты из сети отклоняются (анонимный доступ только через loopback). Добавьте её: edge-gateway admin add-device ID.',
  editorOn: 'редактор на {url}  состояние на /health, метрики на /metrics',
  securityRefusal:
    'отказ слушать {host} без аутентификации администратора: редактор может выполнять код на этой машине.\nСначала добавьте администратора:  edge-gateway admin add-user ИМЯ{config}\nили слушайте только 127.0.0.1 (по умолчанию).',
};

export const RUNTIME_LANGS = ['en-US', 'ru'] as const;
export type RuntimeLang = (typeof RUNTIME_LANGS)[number];

export const RUNTIME_CATALOGS: Readonly<Record<RuntimeLang, Readonly<Record<RuntimeMessageKey, string>>>> = { 'en-US': EN_US, ru: RU };

/** A language name as --lang, the settings or LANG give it ("ru", "ru_RU.UTF-8", "en-US"), or undefined when it is none of ours. */
export function runtimeLangOf(name: string | undefined): RuntimeLang | undefined {
  const s = name?.trim().toLowerCase();
  if (!s) return undefined;
  if (s === 'ru' || s.startsWith('ru_') || s.startsWith('ru-') || s.startsWith('ru.')) return 'ru';
  if (s.startsWith('en')) return 'en-US';
  return undefined;
}

/** The language before the settings are read: --lang on the command line, else EDGE_GATEWAY_LANG, else LANG. */
export function runtimeLangFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv): RuntimeLang {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lang') return runtimeLangOf(argv[i + 1]) ?? 'en-US';
    if (argv[i].startsWith('--lang=')) return runtimeLangOf(argv[i].slice('--lang='.length)) ?? 'en-US';
    if (!argv[i].startsWith('-')) break; // a subcommand's own arguments follow
  }
  return runtimeLangOf(env.EDGE_GATEWAY_LANG) ?? runtimeLangOf(env.LC_ALL) ?? runtimeLangOf(env.LANG) ?? 'en-US';
}

// one process, one user: the language is chosen once at start (and again once the settings file is read)
let current: RuntimeLang = 'en-US';

export function setRuntimeLang(lang: RuntimeLang): void {
  current = lang;
}

/** The message `key` in the runtime's language, {name} replaced by args.name. */
export function runtimeText(key: RuntimeMessageKey, args: Record<string, string | number> = {}): string {
  return RUNTIME_CATALOGS[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in args ? String(args[name]) : whole));
}
