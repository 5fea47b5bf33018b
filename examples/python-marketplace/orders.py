"""The marketplace's own records: sellers' accounts, orders, refunds; the only code that
changes them. In memory, so a restart forgets them: fine for an example, wrong for a shop
(keep the same records in your database; the rules stay the same)."""

import threading

import vale
from catalog import BY_SKU, SELLERS, fee
from config import CONFIG

LOCK = threading.Lock()
ACCOUNTS = {}  # seller slug → acct_… id
ORDERS = {}  # order id → order dict; the order id is also its voucher's `reference`
HANDLED = set()  # webhook-ids already applied


def ensure_accounts():
    """Creates each seller's account once. The Idempotency-Key is derived from the seller,
    so running the marketplace again answers the same accounts instead of new ones."""
    for seller in SELLERS:
        account = vale.call(
            "POST",
            "/v1/accounts",
            idempotency_key=f"marketplace-seller-{seller.slug}",
            body={
                "display_name": seller.display_name,
                "country": "CO",
                "document_type": "CC",
                "document_number": seller.document_number,
                "payout_destination": {
                    "type": "wallet",
                    "provider": "nequi",
                    "phone": seller.wallet_phone,
                },
                "payout_schedule": {"interval": "daily"},
            },
        )
        ACCOUNTS[seller.slug] = account["id"]


def checkout(token, quantities):
    """Turns a cart into an order with ONE voucher for the whole cart, split between the
    sellers. `token` comes from the cart page, so a double-posted form is one order.
    Answers the order; raises ValueError with a message for the shopper."""
    order_id = "ord_" + token.replace("-", "")
    with LOCK:
        if order_id in ORDERS:
            return ORDERS[order_id]
    items = [
        {"sku": sku, "quantity": n, "price": BY_SKU[sku].price, "seller": BY_SKU[sku].seller}
        for sku, n in quantities.items()
        if sku in BY_SKU and n > 0
    ]
    if not items:
        raise ValueError("Tu carrito está vacío.")
    per_seller = {}
    for item in items:
        per_seller[item["seller"]] = per_seller.get(item["seller"], 0) + item["quantity"] * item["price"]
    amount = sum(per_seller.values())
    # Each seller gets its goods less the platform's fee; what the splits leave of
    # `amount` is the platform's. Vale refuses splits that do not add up: nothing is
    # ever booked to the platform silently.
    splits = [
        {"account": ACCOUNTS[slug], "amount": gross - fee(gross), "reference": f"{order_id}-{slug}"}
        for slug, gross in sorted(per_seller.items())
    ]
    voucher = vale.call(
        "POST",
        "/v1/vouchers",
        idempotency_key=f"checkout-{token}",
        body={
            "network": "efecty",
            "amount": amount,
            "currency": "COP",
            "reference": order_id,
            "description": "Pedido en Mercado Local",
            "splits": splits,
            "return_url": f"{CONFIG.store_url}/orders/{order_id}",
        },
    )
    order = {
        "id": order_id,
        "amount": amount,
        "items": items,
        "splits": splits,
        "state": "pending",
        "voucher": {"id": voucher["id"], "client_secret": voucher["client_secret"]},
        "payment_code": voucher["payment_code"],
        "refunds": {},  # refund id → {amount, status, collect_url}
        "given_back": {},  # seller slug → what it gave back so far (minor units)
        "refunded_skus": set(),
    }
    with LOCK:
        return ORDERS.setdefault(order_id, order)


def refund_item(order, sku, token):
    """Gives back one item of a paid order: its seller alone returns its net on that item
    (`refund_splits`), the platform its fee on it (what the splits leave of the refund);
    the other sellers give nothing. One refund per `token` (made when the page was drawn).

    Without `refund_splits` every party would give back in proportion to the split, which
    is right for a whole order and wrong for one seller's item."""
    item = next((i for i in order["items"] if i["sku"] == sku), None)
    if order["state"] != "paid" or item is None:
        raise ValueError("Solo un artículo de un pedido pagado se puede reembolsar.")
    slug = item["seller"]
    gross = item["quantity"] * item["price"]
    with LOCK:
        if sku in order["refunded_skus"]:
            return None  # already refunded (a form posted twice): nothing more to do
        order["refunded_skus"].add(sku)  # taken now, so two clicks make one refund
        # The seller's net on this item, never more than what is left of its share (the
        # fee was rounded down on the seller's whole part of the cart, not per item).
        share = next(s["amount"] for s in order["splits"] if s["account"] == ACCOUNTS[slug])
        seller_part = min(gross - fee(gross), share - order["given_back"].get(slug, 0))
        order["given_back"][slug] = order["given_back"].get(slug, 0) + seller_part
    try:
        refund = vale.call(
            "POST",
            "/v1/refunds",
            idempotency_key=f"refund-{token}",
            body={
                "voucher": order["voucher"]["id"],
                "amount": gross,
                "reason": "requested_by_customer",
                "refund_splits": [{"account": ACCOUNTS[slug], "amount": seller_part}],
            },
        )
    except vale.ValeError as refused:
        if refused.status < 500:
            with LOCK:  # refused for its input: nothing was made, it can be tried again
                order["refunded_skus"].discard(sku)
                order["given_back"][slug] -= seller_part
        raise
    apply_refund(refund)
    return refund


def apply_refund(refund):
    """Records what Vale says about a refund (its answer, or a refund.* event)."""
    with LOCK:
        for order in ORDERS.values():
            if order["voucher"]["id"] == refund.get("voucher"):
                order["refunds"][refund["id"]] = {
                    "amount": refund["amount"],
                    "status": refund["status"],
                    "collect_url": refund.get("collect_url"),
                }


def apply_event(event_id, event):
    """Applies one verified event, once per webhook-id (Vale retries with the same id)."""
    with LOCK:
        if event_id in HANDLED:
            return
        HANDLED.add(event_id)
    data = event.get("data") or {}
    kind = event.get("type", "")
    if kind.startswith("refund."):
        apply_refund(data)
        return
    states = {
        "voucher.paid": "paid",
        "voucher.expired": "released",
        "voucher.cancelled": "released",
        "voucher.partially_refunded": "partially_refunded",
        "voucher.refunded": "refunded",
    }
    with LOCK:
        order = ORDERS.get(data.get("reference", ""))
        if order and kind in states:
            # A late "paid" never undoes a refund already recorded.
            if not (kind == "voucher.paid" and order["state"] in ("partially_refunded", "refunded")):
                order["state"] = states[kind]
