// @ts-check
/**
 * vale.js: defines <vale-voucher>, the only hand-written JavaScript of the widget.
 *
 *   <script type="module" src="https://EDGE/widget/vale.js"></script>
 *   <vale-voucher voucher="vch_…" client-secret="…"></vale-voucher>
 *
 * Everything the shopper sees is rendered by Rust (wasm) inside the element's shadow
 * root; this file loads the wasm once, asks for each voucher while the wasm is still on
 * its way (on 3G the two round trips then overlap instead of following each other), and
 * connects the element's life to `mount`. The build places `vale_widget.js` and the wasm
 * (wasm-bindgen, `--target web`) next to this file; the bundled build names the wasm by
 * its content (`VALE_WASM`, set by esbuild's `--define`) so it can be cached for good.
 */
import init, { mount } from "./vale_widget.js";

/* global VALE_WASM, VALE_REFUND_WASM */
/** The voucher's wasm file name, next to this script. */
const WASM = typeof VALE_WASM === "string" ? VALE_WASM : "./vale_widget_bg.wasm";
/** The refund page's wasm: a module of its own, loaded only when a <vale-refund> is. */
const REFUND_WASM =
  typeof VALE_REFUND_WASM === "string" ? VALE_REFUND_WASM : "./vale_refund_bg.wasm";

/**
 * The voucher's wasm, as this script loads it. The hosted page keeps exactly this file for
 * offline visits (reading it from the resource timing buffer raced the buffer's entry).
 * @returns {URL}
 */
export function wasmUrl() {
  return new URL(WASM, import.meta.url);
}

/** How long the early request may take, as the widget's own requests (`api::TIMEOUT_MS`). */
const TIMEOUT_MS = 10_000;

/** What the wasm's `Http` source reads: the same shape for the early request's outcome. */
/** @typedef {{ status: number, body: string } | { error: "timeout" | "network" }} Answer */
/**
 * The edge's drawing of the voucher, when the early request asked for it: its HTML (the
 * widget's own views, drawn by the edge) and their stylesheet.
 * @typedef {{ html: string, css: string }} Paint
 */

/**
 * Starts `GET {apiBase}/v1/vouchers/{id}` now, as the widget would, and never rejects.
 * `null` for an id that is not a voucher id, and for a secret or restricted key (`sk_…`,
 * `rk_…`) given as the client secret, which must never leave the page: the widget then
 * says so itself (`secret_key_in_page`). With `paint`, it asks for the edge's drawing of
 * the voucher too (`?include=first_paint`), taken out of the body into `paint` (the wasm
 * reads, and keeps for offline use, the voucher alone). On another origin the secret goes
 * as `?client_secret=`, so that the request needs no CORS preflight.
 * @param {string} apiBase @param {string} id @param {string} secret @param {boolean} paint
 * @returns {Promise<Answer & { paint?: Paint | null }> | null}
 */
function ask(apiBase, id, secret, paint) {
  if (!/^vch_[0-9a-z]+$/.test(id) || /^[sr]k_/.test(secret)) return null;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  // On another origin the client secret goes in the query, not an `Authorization` header:
  // a GET with only safelisted headers is a CORS simple request, so a store's page has no
  // preflight to wait for (one round trip, 150 ms on a 3G line). On the edge's own pages
  // (no preflight there) and in the widget's own later requests it is the header, as before.
  const simple = !sameOrigin(apiBase);
  const query = new URLSearchParams(simple ? { client_secret: secret } : {});
  if (paint) query.set("include", "first_paint");
  const search = query.toString();
  return fetch(`${apiBase.replace(/\/+$/, "")}/v1/vouchers/${id}${search ? `?${search}` : ""}`, {
    mode: "cors",
    cache: "no-store",
    headers: simple
      ? { Accept: "application/json" }
      : { Authorization: `Bearer ${secret}`, Accept: "application/json" },
    signal: controller.signal,
  })
    .then(async (response) => {
      const body = await response.text();
      if (!paint || response.status !== 200) return { status: response.status, body };
      try {
        const { first_paint: drawn, ...voucher } = JSON.parse(body);
        return { status: response.status, body: JSON.stringify(voucher), paint: drawn ?? null };
      } catch {
        return { status: response.status, body };
      }
    })
    .catch(() => ({ error: controller.signal.aborted ? "timeout" : "network" }))
    .finally(() => clearTimeout(timer));
}

/** What the edge's drawing says when the wasm could not load: it stays as it is. */
const COPY_ONLY = "Los botones no responden en esta copia. Recarga la página para usarlos.";

/**
 * Marks the edge's drawing `copy` as all there is (the wasm could not load).
 * @param {Element} copy
 */
function note(copy) {
  const line = document.createElement("p");
  line.className = "stale";
  line.setAttribute("role", "alert");
  line.textContent = COPY_ONLY;
  (copy.querySelector(".vale-root") ?? copy).prepend(line);
}

/**
 * The nodes of the edge's drawing `html`, its `style` attributes (the barcode's print
 * sizes) moved to the CSSOM: as attributes, a policy without `style-src 'unsafe-inline'`
 * refuses them (even in a `DOMParser` document), as it would the widget's. Only inside
 * tags: in text, the drawing escapes every `<`.
 * @param {string} html
 * @returns {Node[]}
 */
function parse(html) {
  const template = document.createElement("template");
  template.innerHTML = html.replace(/<[^>]*>/g, (tag) => tag.replace(/\sstyle="/g, ' data-vale-style="'));
  for (const el of template.content.querySelectorAll("[data-vale-style]")) {
    if (!(el instanceof HTMLElement || el instanceof SVGElement)) continue;
    el.style.cssText = el.dataset.valeStyle ?? "";
    el.removeAttribute("data-vale-style");
  }
  return [...template.content.childNodes];
}

/**
 * The stylesheet of the edge's drawings on this page (the widget's own styles, as the edge
 * sent them), built once; and, while a drawing is in a shadow root, the widget's view
 * that follows it stays hidden (its loading skeleton would show under the drawing).
 * @type {CSSStyleSheet | null}
 */
let paintSheet = null;
const PAINT_RULES = ".vale-early~.vale-root{display:none}";

/**
 * What `mount` returns: a handle whose `unmount()` stops polling and timers and removes
 * what the widget drew.
 * @typedef {{ unmount(): void }} Mounted
 */

/** The API answers from the origin that served this script, unless `api-base` says. */
const DEFAULT_API_BASE = new URL(import.meta.url).origin;

/**
 * Loads and instantiates the wasm once for every element on the page, compiling it as it
 * streams in (`WebAssembly.instantiateStreaming`: the edge serves it as
 * `application/wasm`). Started by the first element that needs it: at once, or, on a
 * store's page where the element asked for the edge's drawing, once that answer is in, so
 * the wasm's bytes do not share a slow line with the voucher's (see `start`).
 * @type {Promise<unknown> | null}
 */
let ready = null;
function load() {
  if (!ready) {
    ready = init({ module_or_path: wasmUrl() });
    // Each element handles a failed load itself; this keeps a page without one quiet.
    ready.catch(() => {});
  }
  return ready;
}

/**
 * Whether `apiBase` is this page's origin (an edge's own page), or not a URL at all.
 * @param {string} apiBase
 */
function sameOrigin(apiBase) {
  try {
    return new URL(apiBase, location.href).origin === location.origin;
  } catch {
    return true;
  }
}

/** Where this script came from: the edge, which serves the wasm and (by default) the API. */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

/** What a shopper reads when the page's Content-Security-Policy refused the voucher. */
const CSP_MESSAGE = "Esta página no permite mostrar tu código de pago. Avísale a la tienda.";

/**
 * The page's Content-Security-Policy refusals that concern the voucher: compiling its wasm
 * (`script-src` without `'wasm-unsafe-eval'`), or a request to the edge (`connect-src`,
 * `script-src` without its origin). Each voucher on the page then says so, fires
 * `vale:error` with `code: "csp"` and stops, rather than read as a network failure; the
 * console names the directive to fix. Styles need no permission (they are adopted as a
 * constructable stylesheet, which `style-src` does not govern).
 * @param {SecurityPolicyViolationEvent} event
 */
function concernsVale(event) {
  // A report-only policy blocks nothing.
  if (event.disposition === "report") return false;
  const blocked = event.blockedURI ?? "";
  if (blocked === "wasm-eval") return true;
  const origins = new Set([SCRIPT_ORIGIN]);
  for (const el of document.querySelectorAll("vale-voucher[api-base]")) {
    try {
      origins.add(new URL(el.getAttribute("api-base") ?? "", location.href).origin);
    } catch {
      // Not a URL: the widget reports that itself.
    }
  }
  try {
    return origins.has(new URL(blocked).origin);
  } catch {
    return false;
  }
}

/** Whether a refusal that concerns the voucher was seen on this page. */
let refused = null;
document.addEventListener("securitypolicyviolation", (event) => {
  if (!concernsVale(event)) return;
  const first = refused === null;
  refused = event.effectiveDirective || event.violatedDirective || "default-src";
  if (first) {
    console.error(
      `vale: this page's Content-Security-Policy (${refused}) refused the voucher. ` +
        `It needs script-src ${SCRIPT_ORIGIN} 'wasm-unsafe-eval' and connect-src ${SCRIPT_ORIGIN}.`,
    );
  }
  for (const el of document.querySelectorAll("vale-voucher")) {
    if (el instanceof ValeVoucher) el.refuse();
  }
});

/**
 * What both elements share: one render per burst of attribute changes, and a mount that
 * a slow wasm load or a disconnect in between can never duplicate. Subclasses name their
 * attributes and `start()`.
 */
class Mountable extends HTMLElement {
  constructor() {
    super();
    /** @type {Mounted | null} */
    this.mounted = null;
    /** Bumped on every (re)mount and unmount, so a slow wasm load cannot mount twice. */
    this.generation = 0;
    /** Whether a render is already queued for this task. */
    this.queued = false;
    /** The Content-Security-Policy directive that refused the voucher, if one did. */
    this.refusedBy = null;
    /** Whether the wasm could not load (the voucher's own element says so). */
    this.loadFailed = false;
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

  /**
   * Renders once for a burst of changes: an element upgraded with its attributes in place
   * hears attributeChangedCallback for each, then connectedCallback, in one task. Each
   * render asks the API, so the burst is coalesced into one microtask.
   */
  render() {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (this.isConnected) this.start();
    });
  }

  /** Overridden: reads the attributes and mounts. */
  start() {}

  unmount() {
    this.mounted?.unmount();
    this.mounted = null;
  }
}

class ValeVoucher extends Mountable {
  /** Attributes that re-render the voucher when they change. */
  static get observedAttributes() {
    return ["voucher", "client-secret", "api-base"];
  }

  start() {
    if (refused !== null) {
      this.refuse();
      return;
    }
    const generation = ++this.generation;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    // Until the widget draws, the element's own children (the hosted page's first paint)
    // show through a slot: a shadow root with nothing in it would hide them.
    const waiting =
      shadow.querySelector(":scope > slot") ??
      (shadow.firstChild ? null : shadow.appendChild(document.createElement("slot")));
    // The hosted page's first paint goes once the widget showed the voucher: one copy of
    // the voucher in the page, for find-in-page, tests and anything else that reads it.
    this.addEventListener(
      "vale:ready",
      () => this.querySelectorAll(":scope > .vale-first").forEach((drawn) => drawn.remove()),
      { once: true },
    );
    const voucher = this.getAttribute("voucher") ?? "";
    const secret = this.getAttribute("client-secret") ?? "";
    const apiBase = this.getAttribute("api-base") ?? DEFAULT_API_BASE;
    shadow.querySelector(":scope > .vale-early")?.remove();
    this.loadFailed = false;
    // A store's own page (another origin than the API's) did not come with the voucher
    // drawn in it: it asks the edge for its drawing with the voucher, and shows it until
    // the wasm has drawn. The edge's own pages draw it into their HTML (the hosted page).
    const wantsPaint = this.firstElementChild === null && !sameOrigin(apiBase);
    const first = ask(apiBase, voucher, secret, wantsPaint);
    if (first && wantsPaint) first.then((answer) => this.paint(shadow, generation, answer));
    // With the edge's drawing on its way, the wasm waits for it (a few KB, shown at once);
    // the widget takes that same answer when it mounts.
    const loaded = first && wantsPaint ? first.then(load) : load();
    loaded.then(
      () => {
        if (generation !== this.generation || !this.isConnected) return;
        this.unmount();
        // In the same task as the widget's first view (its loading view has a slot too).
        waiting?.remove();
        this.mounted = mount(
          this,
          shadow,
          voucher,
          secret,
          apiBase,
          first ?? undefined,
        );
      },
      () => {
        // The wasm could not load (offline, blocked): say so where the voucher would be.
        // `network`: the download is what fails (a wasm the edge built does compile),
        // unless the page's policy refused it (its event comes first, in its own task).
        setTimeout(() => {
          if (generation !== this.generation || this.refusedBy) return;
          const message = "No pudimos cargar tu código de pago. Recarga la página.";
          this.loadFailed = true;
          // The edge's drawing, if it came, is still the voucher (its buttons are off).
          const copy = shadow.querySelector(":scope > .vale-early");
          if (copy) note(copy);
          else shadow.textContent = message;
          this.fail("network", message);
        }, 0);
      },
    );
  }

  /**
   * Puts the edge's drawing of the voucher (the early answer's `paint`) in the shadow root
   * at once, styled by the sheet that came with it; it goes when the widget has drawn the
   * voucher (`vale:ready`) or said why it cannot (`vale:error`). Nothing when the wasm
   * was first, or where a stylesheet cannot be adopted (never an unstyled voucher).
   * @param {ShadowRoot} shadow @param {number} generation
   * @param {Answer & { paint?: Paint | null }} answer
   */
  paint(shadow, generation, answer) {
    if (generation !== this.generation || this.mounted || this.refusedBy) return;
    const drawn = "paint" in answer ? answer.paint : null;
    if (!drawn || typeof drawn.html !== "string" || typeof drawn.css !== "string") return;
    try {
      if (!paintSheet) {
        paintSheet = new CSSStyleSheet();
        paintSheet.replaceSync(drawn.css + PAINT_RULES);
      }
      if (!shadow.adoptedStyleSheets.includes(paintSheet)) {
        shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, paintSheet];
      }
    } catch {
      return;
    }
    // The wasm could not load before this came: the voucher replaces that sentence.
    if (this.loadFailed) shadow.textContent = "";
    const copy = document.createElement("div");
    copy.className = "vale-early";
    copy.append(...parse(drawn.html));
    if (this.loadFailed) note(copy);
    shadow.prepend(copy);
    /** @param {Event} event */
    const gone = (event) => {
      // vale.js's own `network` error (the wasm did not load) leaves the voucher shown.
      if (event.type === "vale:error" && !this.mounted) return;
      copy.remove();
      // The widget adopted its own sheet: one stylesheet in the shadow root again.
      shadow.adoptedStyleSheets = shadow.adoptedStyleSheets.filter((s) => s !== paintSheet);
      this.removeEventListener("vale:ready", gone);
      this.removeEventListener("vale:error", gone);
    };
    this.addEventListener("vale:ready", gone);
    this.addEventListener("vale:error", gone);
  }

  /** Fires `vale:error` with `code` and `message`, and no status (nothing is shown). */
  fail(code, message) {
    this.dispatchEvent(
      new CustomEvent("vale:error", {
        bubbles: true,
        composed: true,
        detail: { voucher: this.getAttribute("voucher") ?? "", status: null, code, message },
      }),
    );
  }

  /**
   * The page's Content-Security-Policy refused what the voucher needs: stop, say so, and
   * fire `vale:error` with `code: "csp"` (once per element).
   */
  refuse() {
    if (this.refusedBy) return;
    this.refusedBy = refused;
    this.generation += 1;
    this.unmount();
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    shadow.textContent = CSP_MESSAGE;
    this.fail("csp", CSP_MESSAGE);
  }

}

if (!customElements.get("vale-voucher")) {
  customElements.define("vale-voucher", ValeVoucher);
}

/**
 * <vale-refund refund="re_…" client-secret="re_…_secret_…">: where a shopper says where
 * their refund goes, then sees its withdrawal code or progress (rendered by Rust, as the
 * voucher is). Attributes re-render it when they change.
 */
/**
 * The refund page's module (its wasm-bindgen glue, `vale-refund.js`, and its wasm), loaded
 * once, the first time a <vale-refund> connects: a voucher page never downloads it. The
 * glue's URL is computed, so the bundler leaves it a file of its own.
 * @type {Promise<{ mount_refund: Function }> | null}
 */
let refundReady = null;
function loadRefund() {
  const glue = new URL("./vale-refund.js", import.meta.url).href;
  refundReady ??= import(/* @vite-ignore */ glue).then(async (module) => {
    await module.default({ module_or_path: new URL(REFUND_WASM, import.meta.url) });
    return module;
  });
  return refundReady;
}

class ValeRefund extends Mountable {
  static get observedAttributes() {
    return ["refund", "client-secret", "api-base"];
  }

  start() {
    const generation = ++this.generation;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    loadRefund().then(
      ({ mount_refund }) => {
        if (generation !== this.generation || !this.isConnected) return;
        this.unmount();
        this.mounted = mount_refund(
          shadow,
          this.getAttribute("refund") ?? "",
          this.getAttribute("client-secret") ?? "",
          this.getAttribute("api-base") ?? DEFAULT_API_BASE,
        );
      },
      () => {
        shadow.textContent = "No pudimos cargar tu devolución. Recarga la página.";
      },
    );
  }
}

if (!customElements.get("vale-refund")) {
  customElements.define("vale-refund", ValeRefund);
}
