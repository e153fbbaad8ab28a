// Image runs, live: follow run folders (polled once a second), their fixed-noise grids, curves,
// alarms and metrics; several runs on one chart.
"use strict";

const runs = window.labRuns = {followed: []};  // [{index, name, stats, metrics, alarms, grid_step, process}]
const RUN_COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f"];

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({error: `${path}: ${response.status}`}));
  if (!response.ok) throw new Error(body.error || `${path}: ${response.status}`);
  return body;
}
function runCard(run) {
  let card = document.getElementById("run-" + run.index);
  if (!card) {
    card = document.createElement("div"); card.className = "run"; card.id = "run-" + run.index;
    card.innerHTML = `<b class="run-name"></b><p class="run-step"></p><img class="run-grid" alt="fixed-noise grid">
      <div class="run-metrics"></div><div class="run-alarms"></div><pre class="run-process"></pre>`;
    document.getElementById("runs").appendChild(card);
  }
  return card;
}
function showRun(run) {
  const card = runCard(run), last = run.stats[run.stats.length - 1] || {};
  card.style.borderLeft = `6px solid ${RUN_COLOURS[run.index % RUN_COLOURS.length]}`;
  card.querySelector(".run-name").textContent = `${run.index}: ${run.name}`;
  card.querySelector(".run-name").title = run.path || "";
  card.querySelector(".run-step").textContent = last.step !== undefined
    ? `step ${last.step}` + (run.grid_step !== null ? ` · grid of step ${run.grid_step}` : "") : "no stats yet";
  const img = card.querySelector(".run-grid");
  if (run.grid_step !== null && img.dataset.step !== String(run.grid_step)) {
    img.dataset.step = String(run.grid_step);
    img.src = `/api/runs/${run.index}/grid?step=${run.grid_step}`;
  }
  card.querySelector(".run-metrics").textContent = run.metrics.map(m =>
    Object.entries(m).filter(([k, v]) => typeof v === "number").map(([k, v]) => `${k} ${+v.toPrecision(4)}`).join(" · ")).join("\n");
  const alarms = card.querySelector(".run-alarms");
  alarms.innerHTML = "";
  for (const a of run.alarms) { const p = document.createElement("p"); p.className = "alarm"; p.textContent = a.message || a.name; alarms.appendChild(p); }
  const process = card.querySelector(".run-process");
  process.textContent = run.process ? (run.process.running ? "training…" : `exited with code ${run.process.exit_code}`)
    + "\n" + run.process.output.split("\n").slice(-4).join("\n") : "";
}
function runSeries(key, label, dashed = false) {
  return runs.followed.map(run => ({label: `${run.index}: ${label}`, color: RUN_COLOURS[run.index % RUN_COLOURS.length], dashed,
    points: run.stats.filter(s => typeof s[key] === "number").map(s => [s.step, s[key]])}));
}
function drawRunCharts() {
  drawChart(document.getElementById("chart-run-losses"), {title: "each run in its colour:", series: [...runSeries("d_loss", "d_loss"), ...runSeries("g_loss", "g_loss", true)]});
  const probability = runs.followed.some(r => r.stats.some(s => "d_real" in s));
  drawChart(document.getElementById("chart-run-outputs"), probability
    ? {title: "D(x) and D(G(z))", series: [...runSeries("d_real", "D(x)"), ...runSeries("d_fake", "D(G(z))", true)], guide: 0.5}
    : {title: "critic", series: [...runSeries("d_real_score", "D(x)"), ...runSeries("d_fake_score", "D(G(z))", true)]});
  const metrics = runs.followed.map(run => ({label: `${run.index}: fid`, color: RUN_COLOURS[run.index % RUN_COLOURS.length],
    points: run.metrics.filter(m => typeof m.fid === "number").map(m => [m.step, m.fid])}));
  drawChart(document.getElementById("chart-run-metrics"), {title: "FID (eval.every)", series: metrics});
}
async function poll() {
  for (const run of runs.followed) {
    try {
      const fresh = await api(`/api/runs/${run.index}?stats_from=${run.stats.length}&metrics_from=${run.metrics.length}&alarms_from=${run.alarms.length}`);
      run.stats.push(...fresh.stats); run.metrics.push(...fresh.metrics); run.alarms.push(...fresh.alarms);
      run.grid_step = fresh.grid_step; run.process = fresh.process; run.name = fresh.name; run.path = fresh.path;
      showRun(run);
    } catch (err) { showError(String(err.message || err)); }
  }
  drawRunCharts();
}
async function addRun(index) {
  if (!runs.followed.some(r => r.index === index))
    runs.followed.push({index, name: "", stats: [], metrics: [], alarms: [], grid_step: null, process: null});
  await poll();
}
document.getElementById("follow-form").onsubmit = async event => {
  event.preventDefault(); clearError();
  try { await addRun((await api("/api/runs", {method: "POST", body: JSON.stringify({path: document.getElementById("run-path").value})})).index); }
  catch (err) { showError(err.message); }
};
document.getElementById("start-run").onclick = async () => {
  clearError(); document.getElementById("runs-note").textContent = "starting gankit train…";
  try { const started = await api("/api/runs/start", {method: "POST"});
        document.getElementById("runs-note").textContent = `training into ${started.path}`; await addRun(started.index); }
  catch (err) { document.getElementById("runs-note").textContent = ""; showError(err.message); }
};
api("/api/runs").then(async list => { for (const run of list) await addRun(run.index); }).catch(err => showError(err.message));
setInterval(poll, 1000);
