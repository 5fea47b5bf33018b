// A strict RFC 4180 reader for the CSV files the edge writes, as a spreadsheet's importer
// reads them: records end at CRLF or LF outside quotes; a field is quoted (a doubled quote
// inside is one quote) or bare (no quote inside). Anything else throws, so a file that a
// spreadsheet would read differently fails the test instead of being read leniently.

/** Parses `text` into rows of cells (a trailing line end ends the last record). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  let wasQuoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        wasQuoted = true;
        i += 1;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new Error(`csv: text after a closing quote at ${i}`);
        }
        continue;
      }
      cell += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (cell !== '' || wasQuoted) throw new Error(`csv: a quote inside a bare field at ${i}`);
      quoted = true;
      i += 1;
    } else if (c === ',') {
      endCell();
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i += 2;
    } else if (c === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i += 1;
    } else {
      cell += c;
      i += 1;
    }
  }
  if (quoted) throw new Error('csv: a quoted field never closed');
  if (cell !== '' || row.length > 0 || wasQuoted) {
    endCell();
    rows.push(row);
  }
  return rows;
}

/** The rows of `text` as objects keyed by its header row. */
export function csvRecords(text) {
  const [header, ...rows] = parseCsv(text);
  return rows.map((cells) => {
    if (cells.length !== header.length) {
      throw new Error(`csv: ${cells.length} cells under a header of ${header.length}: ${cells.join('|')}`);
    }
    return Object.fromEntries(header.map((name, i) => [name, cells[i]]));
  });
}

/** A cell a spreadsheet would run as a formula (OWASP's leading characters). */
export const startsFormula = (cell) => /^[ \n]*[=+\-@\t\r]/.test(cell);

/** A phone in E.164: the only cell that may keep a leading `+`. */
export const isE164 = (cell) => /^\+[1-9]\d{6,14}$/.test(cell);
