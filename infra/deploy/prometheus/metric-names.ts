// The metric names the dashboards and alert rules query, and the names a process's /metrics
// offers, so a test can fail when a panel or a rule names a metric no process exposes (a panel
// that silently shows "No data" is worse than none). Pure: the callers read the files.

// Words of PromQL that look like names but are not metrics.
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
  'atan2',
])

/**
 * The metric names one PromQL expression reads. Grafana's variables (`$job`, `${datasource}`,
 * `$__rate_interval`) are dropped, and so are strings, label matchers, grouping label lists,
 * ranges, numbers and function names; a template query `label_values(metric, label)` yields its
 * metric.
 */
export function metricNamesOf(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/label_values\s*\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, ' $1 ')
    .replace(/label_values\s*\([^)]*\)/g, ' ')
    .replace(/(?<![\w:])\d[\w.]*/g, ' ')
  const names = new Set<string>()
  for (const match of text.matchAll(/(?<![\w:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match
    if (name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue
    names.add(name)
  }
  return [...names].sort()
}

/** Every PromQL expression of a Grafana dashboard: panel targets (rows' nested panels too) and query variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const found: string[] = []
  const visit = (value: unknown, key: string | undefined): void => {
    if (Array.isArray(value)) {
      // The items of `templating.list` are the variables: they keep the key.
      for (const item of value) visit(item, key)
      return
    }
    if (value === null || typeof value !== 'object') return
    const node = value as Record<string, unknown>
    if (typeof node.expr === 'string') found.push(node.expr)
    // A query variable's PromQL is its `query` (a string, or `{ query }` in newer models).
    if (key === 'list' && node.type === 'query') {
      const query = typeof node.query === 'string' ? node.query : (node.query as { query?: unknown })?.query
      if (typeof query === 'string') found.push(query)
    }
    for (const [child, inner] of Object.entries(node)) visit(inner, child)
  }
  visit(dashboard, undefined)
  return found
}

/** Every `expr` of a Prometheus rule file (alerting and recording rules), parsed from YAML. */
export function ruleExpressions(rules: unknown): string[] {
  const groups = (rules as { groups?: { rules?: { expr?: unknown }[] }[] })?.groups ?? []
  return groups.flatMap((group) =>
    (group.rules ?? []).flatMap((rule) => (typeof rule.expr === 'string' ? [rule.expr] : [])),
  )
}

// The series a metric family of each type is read by (Prometheus text format).
const SERIES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
}

/** The series names a /metrics page offers, from its `# TYPE` lines (listed even before a first value). */
export function exposedSeries(exposition: string): Set<string> {
  const names = new Set<string>()
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, family, type] = match
    if (family === undefined || type === undefined) continue
    for (const suffix of SERIES[type] ?? ['']) names.add(family + suffix)
  }
  return names
}

/** The names an expression reads that no process exposes, with where they were used. */
export function unknownMetrics(
  uses: readonly { where: string; expr: string }[],
  exposed: ReadonlySet<string>,
): { where: string; metric: string }[] {
  return uses.flatMap(({ where, expr }) =>
    metricNamesOf(expr)
      .filter((metric) => !exposed.has(metric))
      .map((metric) => ({ where, metric })),
  )
}
