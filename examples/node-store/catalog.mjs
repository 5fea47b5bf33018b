// What the store sells, what is left, and how money is shown.
//
// Money is always an integer in minor units (centavos, céntimos), as Vale's API has it:
// 3_800_000 is $ 38.000 and 3_990 is S/ 39.90. Never a float, not even to print it.

/** The two cash networks a shopper can choose, and the currency each one takes. */
export const NETWORKS = {
  efecty: { name: 'Efecty', where: 'Colombia, en pesos', currency: 'COP' },
  pagoefectivo: { name: 'PagoEfectivo', where: 'Perú, en soles', currency: 'PEN' },
};

/** Products, with a price per currency in minor units. */
export const PRODUCTS = [
  { sku: 'cafe', name: 'Café de Huila, 500 g', price: { COP: 3_800_000, PEN: 3_990 } },
  { sku: 'cacao', name: 'Chocolate 70 % de Cusco', price: { COP: 2_500_000, PEN: 2_550 } },
  { sku: 'ruana', name: 'Ruana de lana', price: { COP: 18_900_000, PEN: 19_900 } },
];

/** Units on the shelf. An order takes its units at checkout and gives them back if it is never paid. */
const stock = new Map([['cafe', 5], ['cacao', 8], ['ruana', 2]]);

export const unitsLeft = (sku) => stock.get(sku) ?? 0;

/** Takes the units of `items` ([{sku, quantity}]) off the shelf, all or none. */
export function reserve(items) {
  const short = items.find((item) => unitsLeft(item.sku) < item.quantity);
  if (short) throw new Error(`No quedan suficientes unidades de ${short.name}.`);
  for (const item of items) stock.set(item.sku, unitsLeft(item.sku) - item.quantity);
}

/** Puts the units of `items` back on the shelf. */
export function restock(items) {
  for (const item of items) stock.set(item.sku, unitsLeft(item.sku) + item.quantity);
}

const FORMATS = {
  COP: new Intl.NumberFormat('es-CO', { style: 'currency', currency: 'COP' }),
  PEN: new Intl.NumberFormat('es-PE', { style: 'currency', currency: 'PEN' }),
};

/** `3990, 'PEN'` → "S/ 39.90". Intl formats the exact decimal string; no float is made. */
export function formatMoney(minor, currency) {
  const cents = minor % 100;
  const units = (minor - cents) / 100;
  return FORMATS[currency].format(`${units}.${String(cents).padStart(2, '0')}`).replace(/\u00a0/g, ' ');
}
