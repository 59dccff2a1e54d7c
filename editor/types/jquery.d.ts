// The little of jQuery the editor code uses (Node-RED's editor ships jQuery 3 as the global $),
// with the editableList widget Node-RED adds to it.
interface JQueryAjaxFailure {
  status: number;
  statusText: string;
  responseText?: string;
  /** the parsed body of a JSON error answer ({ error } from our admin routes) */
  responseJSON?: { error?: string };
}
interface JQueryAjax<T> {
  done(fn: (result: T) => void): JQueryAjax<T>;
  fail(fn: (xhr: JQueryAjaxFailure) => void): JQueryAjax<T>;
}
/** Options of Node-RED's editableList widget: `T` is what each row is made from. */
interface EditableListOptions<T> {
  addItem(row: JQueryElements, index: number, data: T): void;
  removable?: boolean;
  sortable?: boolean;
  height?: number | 'auto';
}
interface JQueryElements {
  readonly length: number;
  [index: number]: HTMLElement;
  val(): string | undefined;
  val(value: string | number): JQueryElements;
  text(value: string): JQueryElements;
  attr(name: string): string | undefined;
  attr(name: string, value: string): JQueryElements;
  css(name: string, value: string): JQueryElements;
  is(selector: string): boolean;
  find(selector: string): JQueryElements;
  first(): JQueryElements;
  each(fn: (this: HTMLElement, index: number) => void): JQueryElements;
  map<T>(fn: (this: HTMLElement, index: number) => T): { get(): T[] };
  empty(): JQueryElements;
  remove(): JQueryElements;
  append(child: JQueryElements): JQueryElements;
  appendTo(parent: JQueryElements): JQueryElements;
  toggle(show: boolean): JQueryElements;
  toggleClass(name: string, on: boolean): JQueryElements;
  show(): JQueryElements;
  hide(): JQueryElements;
  on(events: string, handler: (this: HTMLElement, event: Event) => void): JQueryElements;
  trigger(event: string): JQueryElements;
  editableList<T>(options: EditableListOptions<T>): JQueryElements;
  editableList(method: 'items'): JQueryElements;
  editableList<T>(method: 'addItem', data: T): JQueryElements;
}
interface JQueryStatic {
  (selector: string | HTMLElement): JQueryElements;
  ajax<T>(options: { url: string; type?: 'POST' | 'GET'; method?: 'POST' | 'GET' | 'DELETE'; contentType?: string; data?: string; dataType: 'json' }): JQueryAjax<T>;
  getJSON<T>(url: string, done: (result: T) => void): JQueryAjax<T>;
}
declare const $: JQueryStatic;

/** A node in its edit dialog: `_` translates a key of the node's catalogue. */
interface EditedNode {
  _(key: string, substitutions?: Record<string, unknown>): string;
}
