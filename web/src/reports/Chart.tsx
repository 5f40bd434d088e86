// LazyChart draws a bar or line chart with Chart.js, loaded on first use.
// The canvas is a picture for the eye only: the same numbers are always in
// a table beside it, which is what screen readers and keyboards use. Colours
// come from the design tokens, so the chart follows light and dark, and the
// category axis runs right to left in Hebrew.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { direction } from "../i18n";

export interface Series {
  label: string;
  data: (number | null)[];
}

const palette = ["--accent", "--phase-expand", "--phase-pause", "--phase-doing", "--phase-focus", "--warning", "--muted"];

function token(name: string, fallback: string): string {
  if (typeof document === "undefined") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

// useScheme is the colour scheme in use; the chart is drawn again when it changes.
function useScheme(): "dark" | "light" {
  const scheme = "(prefers-color-scheme: dark)";
  const [dark, setDark] = useState(() => typeof matchMedia === "function" && matchMedia(scheme).matches);
  useEffect(() => {
    if (typeof matchMedia !== "function") return;
    const query = matchMedia(scheme);
    const change = () => setDark(query.matches);
    query.addEventListener("change", change);
    return () => query.removeEventListener("change", change);
  }, []);
  return dark ? "dark" : "light";
}

export function LazyChart({ type, labels, series, summary }: { type: "bar" | "line"; labels: string[]; series: Series[]; summary: string }) {
  const { i18n, t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  const [ready, setReady] = useState(false);
  const scheme = useScheme();
  const key = JSON.stringify([type, labels, series, i18n.language, scheme]);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let gone = false;
    import("./chartjs")
      .then(({ Chart }) => {
        if (gone || !canvas.current) return;
        const rtl = direction(i18n.language) === "rtl";
        const text = token("--text", "#1f2a29");
        const grid = token("--border", "#d9d3c9");
        const font = token("--font-sans", "system-ui");
        chart = new Chart(canvas.current, {
          type,
          data: {
            labels,
            datasets: series.map((s, i) => {
              const colour = token(palette[i % palette.length], "#3d5a57");
              return { label: s.label, data: s.data, backgroundColor: colour, borderColor: colour, borderWidth: type === "line" ? 2 : 0 };
            }),
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            locale: i18n.language,
            layout: { padding: { left: 12, right: 12 } },
            scales: {
              x: { reverse: rtl, ticks: { color: text, font: { family: font } }, grid: { color: grid } },
              y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: { color: text, font: { family: font }, precision: 0 }, grid: { color: grid } },
            },
            plugins: {
              legend: { rtl, labels: { color: text, font: { family: font } } },
              tooltip: { rtl },
            },
          },
        });
        setReady(true);
      })
      .catch(() => !gone && setFailed(true));
    return () => {
      gone = true;
      chart?.destroy();
    };
    // key stands for type, labels, series, the language and the colour scheme.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return (
    <div className="chart-box" data-ready={ready ? "true" : undefined}>
      {failed ? <p className="hint">{t("reports.chartFailed")}</p> : <canvas ref={canvas} role="img" aria-label={summary} />}
    </div>
  );
}
