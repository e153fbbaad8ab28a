// Line charts on a <canvas>, drawn by hand (no library): drawChart(canvas, {title, series, guide}).
// series: [{label, color, points: [[x, y], ...], dashed (optional)}]; guide: a y value drawn dashed (e.g. 0.5), or null.
"use strict";

function niceRange(values) {
  let low = Math.min(...values), high = Math.max(...values);
  if (!isFinite(low) || !isFinite(high)) return [0, 1];
  if (high - low < 1e-9) { low -= 0.5; high += 0.5; }
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

function legendRows(ctx, series, firstX, width) {  // [[series, x, row]] so that no label leaves the chart
  let x = firstX, row = 0;
  return series.map(s => {
    const label = s.label + (s.dashed ? " (dashed)" : ""), w = ctx.measureText(label).width;
    if (x + w > width - 4 && x > firstX) { x = 44; row += 1; }
    const placed = [s, label, x, row];
    x += w + 10;
    return placed;
  });
}

function drawChart(canvas, {title, series, guide = null, xLabel = ""}) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui, sans-serif";
  const legend = legendRows(ctx, series, 44 + ctx.measureText(title).width + 12, w);
  const rows = 1 + Math.max(0, ...legend.map(([, , , row]) => row));
  const left = 44, right = 8, top = 8 + 12 * rows, bottom = 18;
  ctx.fillStyle = "#222";
  ctx.fillText(title, left, 13);
  const xs = [], ys = [];
  for (const s of series) for (const [x, y] of s.points) { xs.push(x); ys.push(y); }
  if (guide !== null) ys.push(guide);
  if (!xs.length) { ctx.fillStyle = "#999"; ctx.fillText("no data yet", left + 10, h / 2); return; }
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = niceRange(ys);
  const px = x => left + (x - x0) / (x1 - x0) * (w - left - right);
  const py = y => top + (y1 - y) / (y1 - y0) * (h - top - bottom);
  ctx.strokeStyle = "#bbb"; ctx.strokeRect(left, top, w - left - right, h - top - bottom);
  ctx.fillStyle = "#555";
  for (const y of [y0, (y0 + y1) / 2, y1]) ctx.fillText(y.toPrecision(3), 2, py(y) + 4);
  ctx.fillText(String(Math.round(x0)), left, h - 4);
  ctx.fillText(String(Math.round(x1)), w - right - 40, h - 4);
  if (xLabel) ctx.fillText(xLabel, left + (w - left - right) / 2 - ctx.measureText(xLabel).width / 2, h - 4);
  if (guide !== null) {
    ctx.setLineDash([4, 3]); ctx.strokeStyle = "#777";
    ctx.beginPath(); ctx.moveTo(left, py(guide)); ctx.lineTo(w - right, py(guide)); ctx.stroke();
    ctx.setLineDash([]); ctx.fillText(String(guide), w - right - 22, py(guide) - 3);
  }
  for (const [s, label, x, row] of legend) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.setLineDash(s.dashed ? [5, 3] : []); ctx.beginPath();
    s.points.forEach(([px_, py_], i) => i ? ctx.lineTo(px(px_), py(py_)) : ctx.moveTo(px(px_), py(py_)));
    ctx.stroke(); ctx.lineWidth = 1; ctx.setLineDash([]);
    if (s.points.length) {  // the latest point as a dot: a series of one point is still seen
      const [lx, ly] = s.points[s.points.length - 1];
      ctx.fillStyle = s.color; ctx.beginPath(); ctx.arc(px(lx), py(ly), 2.5, 0, 7); ctx.fill();
    }
    ctx.fillStyle = s.color; ctx.fillText(label, x, 13 + 12 * row);
  }
}
