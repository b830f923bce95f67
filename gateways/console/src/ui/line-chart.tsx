import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

// A time series chart drawn by uPlot: x in seconds since the epoch, one line per series, gaps
// where a value is null. The chart is a picture for sighted users; every page that draws one also
// gives the same numbers in a table, so the canvas is hidden from assistive technology and the
// figure's caption says where the table is.

export interface LineChartProps {
  /** The figure's caption (also its accessible name). */
  title: string
  x: readonly number[]
  lines: ReadonlyArray<{ name: string; values: ReadonlyArray<number | null> }>
  /** The y axis' unit ("ms", "%"). */
  unit: string
  /** The x axis' span in seconds (the range asked for); absent: the data's own. */
  range?: readonly [number, number]
  height?: number
}

// Distinct hues that keep 3:1 against white (WCAG's contrast for graphics).
const PALETTE = ['#0b5cad', '#a4161a', '#1a6b2f', '#b35900', '#6a3d9a', '#00707a', '#8c2d6b', '#4a5561']

export function LineChart({ title, x, lines, unit, range, height = 280 }: LineChartProps) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = host.current
    if (!element) return
    const width = () => Math.max(280, element.clientWidth)
    const chart = new uPlot(
      {
        width: width(),
        height,
        series: [
          {},
          ...lines.map((line, i) => ({
            label: line.name,
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            spanGaps: false,
            value: (_: uPlot, v: number | null) =>
              v === null ? '—' : `${Math.round(v * 100) / 100} ${unit}`,
          })),
        ],
        // One bucket alone would otherwise be stretched over years.
        scales: range ? { x: { time: true, range: [range[0], range[1]] } } : {},
        axes: [{}, { label: unit, size: 60 }],
      },
      [x as number[], ...lines.map((line) => line.values as Array<number | null>)],
      element,
    )
    const observer = new ResizeObserver(() => chart.setSize({ width: width(), height }))
    observer.observe(element)
    return () => {
      observer.disconnect()
      chart.destroy()
    }
  }, [x, lines, unit, range, height])
  return (
    <figure class="chart">
      <div ref={host} aria-hidden="true" />
      <figcaption>{title} (the table below has the same numbers)</figcaption>
    </figure>
  )
}
