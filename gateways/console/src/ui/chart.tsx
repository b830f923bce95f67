import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { type ChartData, tick } from '../pages/usage-data.ts'

// One uPlot time-series chart. The chart is a picture for sighted users: the figure names it, and
// the page shows the same numbers in a table (the accessible alternative).

const COLOURS = ['#0b5cad', '#b35900', '#1a6b2f', '#7a1fa2', '#a4161a', '#00687a', '#5c5c00', '#4a5561']

interface ChartProps {
  title: string
  data: ChartData
  unit: string
  /** The period asked for, in seconds: the x axis spans it, however few buckets have usage. */
  period: [number, number]
}

export function Chart({ title, data, unit, period }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (!element) return
    const width = () => Math.max(280, Math.min(element.clientWidth, 1100))
    const options: uPlot.Options = {
      width: width(),
      height: 220,
      series: [
        {},
        ...data.series.map((series, index) => ({
          label: series.label,
          stroke: COLOURS[index % COLOURS.length],
          width: 2,
          points: { show: true },
        })),
      ],
      axes: [{}, { label: unit, size: 70, values: (_plot, splits) => splits.map(tick) }],
      scales: { x: { time: true, range: () => period } },
    }
    const plot = new uPlot(options, [data.xs, ...data.series.map((series) => series.values)], element)
    const resized = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }))
    resized.observe(element)
    return () => {
      resized.disconnect()
      plot.destroy()
    }
  }, [data, unit, period])
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} aria-hidden="true" />
    </figure>
  )
}
