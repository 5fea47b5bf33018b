// @ts-check
/**
 * vale.js: defines <vale-voucher>, the only hand-written JavaScript of the widget.
 *
 *   <script type="module" src="https://EDGE/widget/vale.js"></script>
 *   <vale-voucher voucher="vch_…" client-secret="…"></vale-voucher>
 *
 * Everything the shopper sees is rendered by Rust (wasm) inside the element's shadow
 * root; this file only loads the wasm once and connects the element's life to `mount`.
 * The build places `vale_widget.js` and `vale_widget_bg.wasm` (wasm-bindgen, `--target
 * web`) next to this file.
 */
import init, { mount } from "./vale_widget.js";

/**
 * What `mount` returns: a handle whose `unmount()` stops polling and timers and removes
 * what the widget drew.
 * @typedef {{ unmount(): void }} Mounted
 */

/** The API answers from the origin that served this script, unless `api-base` says. */
const DEFAULT_API_BASE = new URL(import.meta.url).origin;

/** Loads and instantiates the wasm once for every element on the page. */
/** @type {Promise<unknown> | null} */
let ready = null;
function load() {
  ready ??= init({ module_or_path: new URL("./vale_widget_bg.wasm", import.meta.url) });
  return ready;
}

class ValeVoucher extends HTMLElement {
  /** Attributes that re-render the voucher when they change. */
  static get observedAttributes() {
    return ["voucher", "client-secret", "api-base"];
  }

  constructor() {
    super();
    /** @type {Mounted | null} */
    this.mounted = null;
    /** Bumped on every (re)mount and unmount, so a slow wasm load cannot mount twice. */
    this.generation = 0;
  }

  connectedCallback() {
    this.render();
  }

  disconnectedCallback() {
    this.generation += 1;
    this.unmount();
  }

  /**
   * @param {string} _name
   * @param {string | null} oldValue
   * @param {string | null} newValue
   */
  attributeChangedCallback(_name, oldValue, newValue) {
    if (oldValue !== newValue && this.isConnected) this.render();
  }

  render() {
    const generation = ++this.generation;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    load().then(
      () => {
        if (generation !== this.generation || !this.isConnected) return;
        this.unmount();
        this.mounted = mount(
          this,
          shadow,
          this.getAttribute("voucher") ?? "",
          this.getAttribute("client-secret") ?? "",
          this.getAttribute("api-base") ?? DEFAULT_API_BASE,
        );
      },
      (error) => {
        // The wasm could not load (offline, blocked): say so where the voucher would be.
        shadow.textContent = "No pudimos cargar el comprobante. Recarga la página.";
        this.dispatchEvent(
          new CustomEvent("vale:error", {
            bubbles: true,
            composed: true,
            detail: { voucher: this.getAttribute("voucher"), status: null, error: String(error) },
          }),
        );
      },
    );
  }

  unmount() {
    this.mounted?.unmount();
    this.mounted = null;
  }
}

if (!customElements.get("vale-voucher")) {
  customElements.define("vale-voucher", ValeVoucher);
}
