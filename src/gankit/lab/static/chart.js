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

function drawChart(canvas, {title, series, guide = null, xLabel = ""}) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  const left = 44, right = 8, top = 20, bottom = 18;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui, sans-serif";
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
  let legendX = left + ctx.measureText(title).width + 12;
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.setLineDash(s.dashed ? [5, 3] : []); ctx.beginPath();
    s.points.forEach(([x, y], i) => i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y)));
    ctx.stroke(); ctx.lineWidth = 1; ctx.setLineDash([]);
    ctx.fillStyle = s.color; ctx.fillText(s.label + (s.dashed ? " (dashed)" : ""), legendX, 13);
    legendX += ctx.measureText(s.label + (s.dashed ? " (dashed)" : "")).width + 10;
  }
}
