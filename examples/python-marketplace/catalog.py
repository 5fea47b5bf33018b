"""The marketplace's sellers and what they sell. Money is integer minor units (COP × 100),
always whole pesos: cash has no centavos."""

from dataclasses import dataclass

# The platform keeps 10 % of each item, in whole pesos, as its fee.
FEE_PERCENT = 10


@dataclass(frozen=True)
class Seller:
    slug: str
    display_name: str
    document_number: str
    wallet_phone: str


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    seller: str  # a Seller's slug
    price: int  # COP minor units


SELLERS = [
    Seller("cafe", "Café Andino", "1020304050", "+57 300 123 4567"),
    Seller("tejidos", "Tejidos Wayuu", "1098765432", "+57 310 765 4321"),
]

PRODUCTS = [
    Product("cafe-500", "Café de origen, 500 g", "cafe", 3_800_000),
    Product("cafe-taza", "Taza de barro", "cafe", 2_500_000),
    Product("mochila", "Mochila wayuu", "tejidos", 18_000_000),
    Product("manilla", "Manilla tejida", "tejidos", 1_200_000),
]

BY_SKU = {p.sku: p for p in PRODUCTS}


def fee(amount):
    """The platform's fee on `amount`: FEE_PERCENT rounded down to whole pesos."""
    return amount * FEE_PERCENT // 100 // 100 * 100


def pesos(amount):
    """`amount` (COP minor units) as a shopper reads it: "$ 38.000"."""
    return "$ " + f"{amount // 100:,}".replace(",", ".")
