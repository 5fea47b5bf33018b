// HTML templates without a framework: html`<p>${text}</p>` escapes every value put into
// it, so an order id or a product name can never become markup. Nested html`` and arrays
// of them are kept as they are.

class Html {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const render = (value) => {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escape(value);
};

export function html(strings, ...values) {
  return new Html(strings.reduce((out, s, i) => out + render(values[i - 1]) + s));
}
