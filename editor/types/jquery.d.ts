// The little of jQuery the editor code uses (Node-RED's editor ships jQuery 3 as the global $).
interface JQueryAjaxFailure {
  status: number;
  statusText: string;
  responseText?: string;
}
interface JQueryAjax<T> {
  done(fn: (result: T) => void): JQueryAjax<T>;
  fail(fn: (xhr: JQueryAjaxFailure) => void): JQueryAjax<T>;
}
interface JQueryElements {
  readonly length: number;
  [index: number]: HTMLElement;
  val(): string | undefined;
  val(value: string): JQueryElements;
  text(value: string): JQueryElements;
  css(name: string, value: string): JQueryElements;
  empty(): JQueryElements;
  append(child: JQueryElements): JQueryElements;
  toggle(show: boolean): JQueryElements;
  on(events: string, handler: (this: HTMLElement, event: Event) => void): JQueryElements;
  trigger(event: string): JQueryElements;
}
interface JQueryStatic {
  (selector: string | HTMLElement): JQueryElements;
  ajax<T>(options: { url: string; type: 'POST' | 'GET'; contentType?: string; data?: string; dataType: 'json' }): JQueryAjax<T>;
}
declare const $: JQueryStatic;

/** A node in its edit dialog: `_` translates a key of the node's catalogue. */
interface EditedNode {
  _(key: string, substitutions?: Record<string, unknown>): string;
}
