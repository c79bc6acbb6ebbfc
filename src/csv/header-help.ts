/**
 * What a header error says besides "missing column": a short view of the columns the file has (a
 * Shopify export has 79: never all of them), and the `--map` that would fix it, built from the
 * missing fields and the file's closest column names.
 */

/** Header names listed in a message before "… and N more". */
const LISTED_COLUMNS = 6;

/**
 * `"a", "b", "c"` — or, past `LISTED_COLUMNS`, the first ones and `… and 73 more`. O(listed).
 * Example: `listColumns(['Name', 'Email', …79 names])` → `"Name", "Email", …, "Fulfilled at" … and 73 more`.
 */
export function listColumns(names: readonly string[]): string {
  const listed = names
    .slice(0, LISTED_COLUMNS)
    .map((name) => `"${name.trim()}"`)
    .join(', ');
  return names.length > LISTED_COLUMNS ? `${listed} … and ${names.length - LISTED_COLUMNS} more` : listed;
}

/**
 * Header names, normalised and compacted (letters and digits only), that usually hold each field,
 * in order of preference: the vendors' and spreadsheets' usual names in English, German, French and
 * Spanish.
 */
const USUAL_NAMES: Readonly<Record<string, readonly string[]>> = {
  customer_id: [
    'customerid',
    'customer',
    'customeremail',
    'email',
    'emailaddress',
    'clientid',
    'client',
    'userid',
    'buyeremail',
    'kundennummer',
    'kunde',
    'kundenemail',
    'idclient',
  ],
  order_id: [
    'orderid',
    'ordernumber',
    'order',
    'orderno',
    'name',
    'number',
    'reference',
    'bestellnummer',
    'id',
  ],
  ordered_at: [
    'orderedat',
    'createdat',
    'orderdate',
    'date',
    'created',
    'purchasedate',
    'paidat',
    'processedat',
    'bestelldatum',
    'datum',
    'datecommande',
    'fecha',
  ],
  amount: [
    'amount',
    'subtotal',
    'total',
    'netamount',
    'net',
    'ordertotal',
    'revenue',
    'price',
    'nettobetrag',
    'betrag',
    'summe',
    'montant',
    'importe',
  ],
  currency: ['currency', 'currencycode', 'wahrung', 'wahrungscode', 'devise', 'moneda'],
  email: ['email', 'customeremail', 'emailaddress'],
  subscription_id: ['subscriptionid', 'subscription', 'id'],
  started_at: ['startedat', 'startdate', 'start', 'startdateutc', 'startutc', 'created'],
  ended_at: ['endedat', 'enddate', 'end', 'canceledat', 'cancelledat'],
  interval: ['interval', 'billinginterval', 'period', 'frequency'],
};

/** A header name reduced to letters and digits, accents removed: `Währung` → `wahrung`. */
function compact(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z0-9]/gu, '');
}

/** Levenshtein distance, O(a × b) (names are short). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The file's column most likely to hold `field`, among `candidates` (header names as written), or
 * null: a usual name of the field (`USUAL_NAMES`, earlier ones preferred), else a name at most a
 * third of its length away from the field's name (`customerid` ~ `customer_id`, `Ammount`).
 */
export function closestColumn(field: string, candidates: readonly string[]): string | null {
  const compacted = candidates.map(compact);
  for (const usual of USUAL_NAMES[field] ?? []) {
    const index = compacted.indexOf(usual);
    if (index !== -1) return candidates[index]!.trim();
  }
  const target = compact(field);
  let best: string | null = null;
  let bestDistance = Math.floor(target.length / 3) + 1;
  compacted.forEach((name, index) => {
    const away = distance(name, target);
    if (away < bestDistance) {
      bestDistance = away;
      best = candidates[index]!.trim();
    }
  });
  return best;
}

/** `Created at` → `"Created at"`: a column name as `--map` needs it (quoted past letters, digits, `_.-`). */
export function mapValue(column: string): string {
  return /^[\p{L}\p{N}_.-]+$/u.test(column) ? column : `"${column.replaceAll('"', '""')}"`;
}

/**
 * The `--map` that names a column for each of `fields`, e.g. `--map customer_id=Email,ordered_at="Created at"`:
 * each field gets its closest column (`closestColumn`) among `names` not in `taken` and not given
 * to an earlier field, else the placeholder `<column>`. O(fields × names).
 */
export function mapExample(
  fields: readonly string[],
  names: readonly string[],
  taken: ReadonlySet<number>,
): string {
  const used = new Set(taken);
  const pairs = fields.map((field) => {
    const free = names.filter((_, index) => !used.has(index));
    const column = closestColumn(field, free);
    if (column === null) return `${field}=<column>`;
    used.add(names.findIndex((name, index) => !used.has(index) && name.trim() === column));
    return `${field}=${mapValue(column)}`;
  });
  return `--map ${pairs.join(',')}`;
}
