"""Mercado Local: a two-seller marketplace that takes cash through Vale.

Run `python3 server.py` (Vale on http://127.0.0.1:8787, e.g. `cargo xtask dev`). Standard
library only; see README.md for the environment and what each file does.
"""

import datetime
import html
import json
import signal
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orders
import vale
import webhooks
from catalog import BY_SKU, PRODUCTS, SELLERS, pesos
from config import CONFIG

# America/Bogota: UTC−05:00 all year (no daylight saving time).
BOGOTA = datetime.timezone(datetime.timedelta(hours=-5))
EVENTS = [
    "voucher.paid", "voucher.expired", "voucher.cancelled", "voucher.partially_refunded",
    "voucher.refunded", "refund.created", "refund.updated", "refund.succeeded", "refund.failed",
]
STATE_LABELS = {
    "pending": "pendiente de pago",
    "paid": "pagado",
    "partially_refunded": "reembolsado en parte",
    "refunded": "reembolsado",
    "released": "liberado (no se pagó)",
}
e = html.escape


def page(title, body):
    return f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · Mercado Local</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{padding:.25rem;text-align:left}}
button{{font:inherit;padding:.5rem 1rem}}</style></head>
<body><header><a href="/">Mercado Local</a> · <a href="/sellers">Vendedores</a></header>
<main><h1>{e(title)}</h1>{body}</main></body></html>"""


def cart_page():
    rows = "".join(
        f"<tr><td><label for='qty_{p.sku}'>{e(p.name)}</label><br><small>de {e(seller_name(p.seller))}</small></td>"
        f"<td>{pesos(p.price)}</td>"
        f"<td><input id='qty_{p.sku}' name='qty_{p.sku}' type='number' min='0' max='5' value='0'></td></tr>"
        for p in PRODUCTS
    )
    return page("Tu carrito", f"""<form method="post" action="/checkout">
<input type="hidden" name="checkout" value="{uuid.uuid4()}">
<table><tr><th>Producto</th><th>Precio</th><th>Cantidad</th></tr>{rows}</table>
<p>Pagas en efectivo en cualquier punto Efecty.</p>
<button type="submit">Pagar en efectivo</button></form>""")


def seller_name(slug):
    return next(s.display_name for s in SELLERS if s.slug == slug)


def order_page(order):
    items = "".join(
        f"<tr><td>{e(BY_SKU[i['sku']].name)} × {i['quantity']}{refund_button(order, i['sku'])}</td>"
        f"<td>{e(seller_name(i['seller']))}</td><td>{pesos(i['price'] * i['quantity'])}</td></tr>"
        for i in order["items"]
    )
    refunds = "".join(
        f"<li>{pesos(r['amount'])}, {e(r['status'])}"
        + (f" · <a href='{e(r['collect_url'])}'>enlace para el comprador</a>" if r.get("collect_url") else "")
        + "</li>"
        for r in order["refunds"].values()
    )
    voucher = order["voucher"]
    return page(f"Pedido {order['id'][-8:]}", f"""
<p>Estado: <strong id="state">{e(STATE_LABELS.get(order['state'], order['state']))}</strong></p>
<table><tr><th>Producto</th><th>Vendedor</th><th>Total</th></tr>{items}
<tr><th colspan="2">Total</th><th>{pesos(order['amount'])}</th></tr></table>
<script type="module" src="{e(CONFIG.vale_api)}/widget/vale.js"></script>
<vale-voucher voucher="{e(voucher['id'])}" client-secret="{e(voucher['client_secret'])}"></vale-voucher>
<h2>Reembolsos</h2><ul id="refunds">{refunds or '<li>Ninguno.</li>'}</ul>""")


def refund_button(order, sku):
    if order["state"] != "paid" or sku in order["refunded_skus"]:
        return ""
    # A real marketplace shows this in its staff's back office, not in the shopper's page.
    return f"""<form method="post" action="/orders/{e(order['id'])}/refund">
<input type="hidden" name="token" value="{uuid.uuid4()}"><input type="hidden" name="sku" value="{e(sku)}">
<button type="submit" aria-label="Reembolsar {e(BY_SKU[sku].name)}">Reembolsar</button></form>"""


def sellers_page():
    rows = []
    for seller in SELLERS:
        account = orders.ACCOUNTS[seller.slug]
        balance = vale.call("GET", "/v1/balance", account=account)
        total = lambda kind: sum(b["amount"] for b in balance.get(kind, []))  # noqa: E731
        rows.append(
            f"<tr><td>{e(seller.display_name)}<br><a href='/sellers/{e(seller.slug)}/statement.csv'>extracto</a></td>"
            f"<td data-available>{pesos(total('available'))}</td><td data-pending>{pesos(total('pending'))}</td></tr>"
        )
    today = datetime.datetime.now(BOGOTA).date().isoformat()
    return page("Vendedores", f"""<table><tr><th>Vendedor</th><th>Disponible</th><th>Pendiente</th></tr>
{''.join(rows)}</table><p><a href="/payouts/{today}.csv">Archivo de pagos de hoy (CSV)</a></p>""")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # one line per request, never a header or a body
        sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")

    def send(self, status, body, kind="text/html; charset=utf-8", headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def form(self):
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body().decode()).items()}

    def do_GET(self):
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        try:
            if path == "/":
                return self.send(200, cart_page())
            if path == "/sellers":
                return self.send(200, sellers_page())
            if len(parts) == 3 and parts[0] == "sellers" and parts[2] == "statement.csv":
                slug = parts[1]
                if slug not in orders.ACCOUNTS:
                    return self.send(404, page("No existe", ""))
                day = datetime.datetime.now(BOGOTA).date().isoformat()
                csv = vale.call(
                    "GET", f"/v1/accounts/{orders.ACCOUNTS[slug]}/statement?from={day}&to={day}", raw=True
                )
                return self.send(200, csv, "text/csv; charset=utf-8")
            if len(parts) == 2 and parts[0] == "payouts" and parts[1].endswith(".csv"):
                day = parts[1].removesuffix(".csv")
                datetime.date.fromisoformat(day)  # ValueError for anything else
                return self.send(200, vale.call("GET", f"/v1/payouts/files/{day}", raw=True), "text/csv; charset=utf-8")
            if len(parts) >= 2 and parts[0] == "orders":
                order = orders.ORDERS.get(parts[1])
                if order is None:
                    return self.send(404, page("Ese pedido no existe", ""))
                if len(parts) == 3 and parts[2] == "status":
                    return self.send(200, json.dumps({"state": order["state"], "refunds": order["refunds"]}),
                                     "application/json")
                return self.send(200, order_page(order))
            return self.send(404, page("No existe", ""))
        except (vale.ValeError, ValueError) as error:
            return self.send(502 if isinstance(error, vale.ValeError) else 400, page("No se pudo", f"<p>{e(str(error))}</p>"))

    def do_POST(self):
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        try:
            if path == "/webhooks/vale":
                raw = self.body()  # the bytes as they arrived: the signature covers them
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    event = webhooks.verify(SECRET["whsec"], raw, headers)
                except (webhooks.InvalidSignature, ValueError):
                    return self.send(400, "", "text/plain")
                orders.apply_event(headers["webhook-id"], event)
                return self.send(200, "", "text/plain")
            if path == "/checkout":
                form = self.form()
                quantities = {k[4:]: int(v or 0) for k, v in form.items() if k.startswith("qty_") and v.isdigit()}
                order = orders.checkout(form.get("checkout", ""), quantities)
                return self.send(303, "", headers={"Location": f"/orders/{order['id']}"})
            if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refund":
                order = orders.ORDERS.get(parts[1])
                if order is None:
                    return self.send(404, page("Ese pedido no existe", ""))
                form = self.form()
                orders.refund_item(order, form.get("sku", ""), form.get("token", ""))
                return self.send(303, "", headers={"Location": f"/orders/{order['id']}"})
            return self.send(404, page("No existe", ""))
        except (vale.ValeError, ValueError) as error:
            return self.send(400, page("No se pudo", f"<p>{e(str(error))}</p>"))


SECRET = {"whsec": CONFIG.webhook_secret}


def create_endpoint():
    """Local development only: an endpoint pointing at this marketplace (older ones at the
    same URL are deleted: their secrets died with their runs). In production create it once
    and pass its secret in VALE_WEBHOOK_SECRET."""
    url = f"{CONFIG.store_url}/webhooks/vale"
    for endpoint in vale.call("GET", "/v1/webhook_endpoints")["data"]:
        if endpoint["url"] == url:
            vale.call("DELETE", f"/v1/webhook_endpoints/{endpoint['id']}")
    endpoint = vale.call("POST", "/v1/webhook_endpoints", body={"url": url, "events": EVENTS})
    return endpoint


def main():
    orders.ensure_accounts()
    endpoint = None
    if not SECRET["whsec"]:
        endpoint = create_endpoint()
        SECRET["whsec"] = endpoint["secret"]
    server = ThreadingHTTPServer(("127.0.0.1", CONFIG.port), Handler)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Mercado Local on {CONFIG.store_url} (Vale at {CONFIG.vale_api})", flush=True)
    server.serve_forever()
    if endpoint:
        vale.call("DELETE", f"/v1/webhook_endpoints/{endpoint['id']}")


if __name__ == "__main__":
    main()
