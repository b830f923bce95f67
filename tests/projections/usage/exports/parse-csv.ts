// A strict RFC 4180 parser written for the test (not the encoder's code): records end with CRLF,
// a quoted field may hold anything with its quotes doubled, an unquoted one holds no quote, comma,
// CR or LF. Throws on anything else, so a wrongly quoted cell fails the property.
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let fields: string[] = []
  let i = 0
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field')
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"'
          i += 2
        } else if (text[i] === '"') {
          i++
          break
        } else field += text[i++]
      }
    } else {
      while (i < text.length && !/[",\r\n]/.test(text[i] ?? '')) field += text[i++]
      if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`)
    }
    fields.push(field)
    if (text[i] === ',') i++
    else if (text.startsWith('\r\n', i)) {
      records.push(fields)
      fields = []
      i += 2
    } else throw new Error(`expected , or CRLF at ${i}`)
  }
  if (fields.length > 0) throw new Error('last record has no CRLF')
  return records
}
