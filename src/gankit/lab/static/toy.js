// The 2-D lab: a WebSocket to the server's toy, the picture's layers, the charts, the settings
// and the user's points (kept in the page's URL), drawing and uploading points, save and load.
"use strict";

const lab = window.lab = {frames: 0, frame: null, history: [], errors: [], status: null, drawn: [], slow: null,
                          layers: {surface: true, real: true, fake: true, manifold: true, arrows: true}};
const $ = id => document.getElementById(id);
const HISTORY = 2000;  // chart points kept

function showError(message) {
  lab.errors.push(message);
  $("error").textContent = message; $("error").hidden = false;
}
function clearError() { $("error").hidden = true; }
function showNotice(text) { $("notice").textContent = text; $("notice").hidden = !text; }

// --- the socket -------------------------------------------------------------------------------
let socket = null;
function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const token = new URLSearchParams(location.search).get("token") || "";
  socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onopen = () => {
    $("connection").textContent = "connected";
    const wanted = urlSettings(), points = new URLSearchParams(location.search).get("points");
    if (points) send({type: "settings", settings: wanted, points_link: points});
    else if (Object.keys(wanted).length) send({type: "settings", settings: wanted});
    send({type: "hello"});
  };
  socket.onclose = () => { $("connection").textContent = "disconnected"; };
  socket.onmessage = event => {
    const message = JSON.parse(event.data);
    (HANDLERS[message.type] || (() => {}))(message);
  };
}
const HANDLERS = {
  frame: m => { lab.frame = m; lab.frames += 1; record(m); drawPicture(); drawCharts(); counters(m); },
  status: m => { lab.status = m; showStatus(m); },
  error: m => showError(m.message),
  slow: m => showSlow(m),
  slow_done: () => { lab.slow = null; $("slowmo").hidden = true; },
};

// --- slow motion: one iteration's sub-steps, each next to the line of step.py that does it, the
// picture (D's surface, G's fakes, arrows, manifold) as it stands when the sub-step ends -----------
function showSlow(m) {
  lab.slow = m;
  $("slowmo").hidden = false;
  $("slow-title").textContent = `${m.phase}: ${m.name}`;
  $("slow-count").textContent = `(sub-step ${m.index + 1} of ${m.count})`;
  const values = Object.entries(m.values).map(([k, v]) => `${k} = ${v.toPrecision(4)}`).join(" · ");
  $("slow-text").textContent = m.explain + (values ? "  " + values : "");
  $("slow-code").textContent = m.code.map(([number, line]) => `${m.file}:${number}  ${line}`).join("\n");
  drawPicture();
}

// --- settings and the user's points (the server's `points_link`), kept in the URL ---------------
let choices = null;
function urlSettings() {
  const params = new URLSearchParams(location.search), out = {};
  for (const [k, v] of params) if (k !== "token" && (!choices || k in choices)) out[k] = v;
  return out;
}
function buildSettings(settings) {
  const form = $("settings");
  for (const [name, c] of Object.entries(settings)) {
    const label = document.createElement("label");
    label.textContent = name + (c.new_networks ? " *" : "");
    if (c.new_networks) { label.className = "new-networks"; label.title = "changing this builds new networks"; }
    let input;
    if (c.kind === "choice") {
      input = document.createElement("select");
      for (const option of c.allowed) input.add(new Option(option, option));
    } else {
      input = document.createElement("input");
      input.type = "number"; input.min = c.allowed[0]; input.max = c.allowed[1];
      input.step = c.kind === "int" ? "1" : "any";
    }
    input.name = name; input.id = "set-" + name; input.value = c.default;
    input.addEventListener("change", settingsChanged);
    label.appendChild(input); form.appendChild(label);
  }
  const note = document.createElement("p");
  note.textContent = "* changing it builds new networks (training restarts)"; note.className = "new-networks";
  form.appendChild(note);
}
function formSettings() {
  const out = {};
  for (const name of Object.keys(choices)) out[name] = $("set-" + name).value;
  return out;
}
function settingsChanged() { clearError(); send({type: "settings", settings: formSettings()}); }
function showStatus(m) {
  $("play").textContent = m.playing ? "❚❚ pause" : "▶ play";
  showNotice(m.notice);
  if (!choices) return;
  for (const name of Object.keys(choices)) {
    const value = name in m.settings ? m.settings[name] : choices[name].default;
    if (document.activeElement !== $("set-" + name)) $("set-" + name).value = value;
  }
  const custom = m.settings.data === "custom", shareable = new URLSearchParams(m.settings);
  if (custom && m.points_link) shareable.set("points", m.points_link);
  const params = new URLSearchParams({token: new URLSearchParams(location.search).get("token") || ""});
  for (const [k, v] of shareable) params.set(k, v);
  history.replaceState(null, "", "?" + params.toString());
  $("link").href = location.pathname + "?" + shareable.toString();
  $("link-note").hidden = !(custom && m.custom_points && !m.points_link);
  $("link-note").textContent = `your ${m.custom_points} points are too many for a link (at most ${m.max_link_points}): `
    + "the link keeps the settings only; save the toy to keep the points";
}

// --- frames: unpack, record, draw ----------------------------------------------------------------
function unpack(p) {  // {n, scale, b64 of int16 (n*2)} -> [[x, y], ...]
  const bytes = Uint8Array.from(atob(p.b64), c => c.charCodeAt(0));
  const ints = new Int16Array(bytes.buffer), out = [];
  for (let i = 0; i < p.n; i++) out.push([ints[2 * i] * p.scale, ints[2 * i + 1] * p.scale]);
  return out;
}
function record(m) {  // charts' x: updates so far (D steps + G steps); a reset starts them again
  const updates = m.d_steps + m.g_steps, last = lab.history[lab.history.length - 1];
  if (last && updates < last.step) lab.history = [];
  if (last && updates === last.step) lab.history.pop();  // a settings change re-sends the same step
  lab.history.push({step: updates, ...m.scalars});
  if (lab.history.length > HISTORY) lab.history.shift();
}
function counters(m) {
  $("counters").textContent = `iteration ${m.iterations} · D steps ${m.d_steps} · G steps ${m.g_steps}`;
}
function colour(v) {  // 0 (fake, red) .. 0.5 (white) .. 1 (real, blue)
  const red = [178, 24, 43], white = [247, 247, 247], blue = [33, 102, 172];
  const [a, b, t] = v < 0.5 ? [red, white, v / 0.5] : [white, blue, (v - 0.5) / 0.5];
  return a.map((c, i) => Math.round(c + (b[i] - c) * t));
}
function surfaceImage(surface) {
  const bytes = Uint8Array.from(atob(surface.bytes), c => c.charCodeAt(0));
  const image = new ImageData(surface.res, surface.res);
  bytes.forEach((v, i) => { const c = colour(v / 255); image.data.set([...c, 255], 4 * i); });
  const small = document.createElement("canvas"); small.width = small.height = surface.res;
  small.getContext("2d").putImageData(image, 0, 0);
  return small;
}
function drawScale(m) {
  const ctx = $("scale").getContext("2d");
  for (let x = 0; x < 200; x++) { ctx.fillStyle = `rgb(${colour(x / 199)})`; ctx.fillRect(x, 0, 1, 12); }
  $("scale-low").textContent = m.surface.low.toPrecision(3);
  $("scale-high").textContent = m.surface.high.toPrecision(3);
  $("scale-name").textContent = m.d_output === "probability" ? "D(x) = sigmoid(logit): red says fake, blue says real"
    : "critic value (min to max over the picture): higher says more real";
}
function drawPicture() {
  if (!lab.frame) return;
  const m = lab.slow ? {...lab.frame, ...lab.slow.picture} : lab.frame;
  const canvas = $("canvas"), ctx = canvas.getContext("2d"), size = canvas.width, e = m.extent;
  const px = ([x, y]) => [(x + e) / (2 * e) * size, (e - y) / (2 * e) * size];
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, size, size);
  if (lab.layers.surface) {
    ctx.imageSmoothingEnabled = true; ctx.drawImage(surfaceImage(m.surface), 0, 0, size, size); drawScale(m);
  }
  const slow = lab.slow || {};
  const dots = (points, fill, r) => { ctx.fillStyle = fill; for (const p of points) { const [x, y] = px(p); ctx.fillRect(x - r, y - r, 2 * r, 2 * r); } };
  if (lab.layers.manifold) {
    const grid = unpack(m.manifold), side = m.manifold_side;
    ctx.strokeStyle = "rgba(106, 27, 154, 0.55)"; ctx.lineWidth = 1;
    const line = pts => { ctx.beginPath(); pts.forEach((p, i) => { const [x, y] = px(p); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); }); ctx.stroke(); };
    if (side <= 1) line(grid);
    else for (let r = 0; r < side; r++) { line(grid.slice(r * side, r * side + side)); line(grid.filter((_, i) => i % side === r)); }
  }
  if (lab.layers.real) dots(unpack(m.real), "#1b5e20", 1.5);
  const fake = unpack(m.fake);
  if (lab.layers.fake) dots(fake, "#6a1b9a", 1.5);
  if (lab.layers.arrows) {
    const arrows = unpack(m.arrows);
    const longest = Math.max(1e-12, ...arrows.map(([u, v]) => Math.hypot(u, v)));
    ctx.strokeStyle = "#ef6c00";
    arrows.forEach(([u, v], i) => {
      const [x, y] = px(fake[i]), k = 24 / longest;
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + u * k, y - v * k); ctx.stroke();
    });
  }
  if (slow.points) for (const [name, colour] of [["real", "#00c853"], ["fake", "#d500f9"]])
    if (slow.points[name]) dots(unpack(slow.points[name]), colour, 2.5);
  for (const p of unpack(m.modes)) { const [x, y] = px(p); ctx.strokeStyle = "#2e7d32"; ctx.beginPath(); ctx.arc(x, y, 5, 0, 7); ctx.stroke(); }
  if (lab.drawn.length) dots(lab.drawn, "#000", 2);
}
function series(key, label, colour) {
  return {label, color: colour, points: lab.history.filter(h => key in h).map(h => [h.step, h[key]])};
}
function drawCharts() {
  drawChart($("chart-losses"), {title: "losses", xLabel: "updates (D + G)", series: [series("d_loss", "d_loss", "#1565c0"), series("g_loss", "g_loss", "#c62828")]});
  const probability = lab.frame && lab.frame.d_output === "probability";
  drawChart($("chart-outputs"), probability
    ? {title: "D's output", series: [series("d_real", "D(x)", "#1565c0"), series("d_fake", "D(G(z))", "#c62828")], guide: 0.5}
    : {title: "critic", series: [series("d_real_score", "D(x)", "#1565c0"), series("d_fake_score", "D(G(z))", "#c62828")]});
  drawChart($("chart-distance"), {title: "real vs fake", series: [series("js", "JS divergence (bits)", "#6a1b9a"),
    series("coverage", "modes covered", "#2e7d32")]});
}

// --- drawing and uploading points --------------------------------------------------------------
let drawing = false, pressed = false;
function toData(event) {
  const canvas = $("canvas"), r = canvas.getBoundingClientRect(), e = lab.frame ? lab.frame.extent : 3;
  return [((event.clientX - r.left) / r.width * 2 - 1) * e, (1 - (event.clientY - r.top) / r.height * 2) * e];
}
function addPoint(event) {
  if (!drawing || !pressed) return;
  const [x, y] = toData(event);
  for (let i = 0; i < 3; i++) lab.drawn.push([x + (Math.random() - 0.5) * 0.05, y + (Math.random() - 0.5) * 0.05]);
  $("draw-train").disabled = $("draw-clear").disabled = false;
  drawPicture();
}
async function uploadCsv(file) {
  clearError();
  if (!file) return;
  const response = await fetch("/api/points", {method: "POST", body: await file.text(), headers: {"Content-Type": "text/csv"}});
  const body = await response.json().catch(() => ({error: `upload failed (${response.status})`}));
  if (!response.ok) showError("CSV: " + body.error);
  else showNotice(`training on your ${body.points} points`);
}
async function loadToy(file) {
  clearError();
  if (!file) return;
  const response = await fetch("/api/load", {method: "POST", body: file});
  const body = await response.json().catch(() => ({error: `load failed (${response.status})`}));
  if (!response.ok) showError("load: " + body.error);
}

// --- wiring --------------------------------------------------------------------------------------
function wire() {
  $("settings").onsubmit = event => { event.preventDefault(); settingsChanged(); };  // Enter in a field: apply, do not reload
  $("play").onclick = () => send({type: lab.status && lab.status.playing ? "pause" : "play"});
  $("reset").onclick = () => { lab.history = []; send({type: "reset"}); };
  $("d-step").onclick = () => send({type: "d_step"});
  $("g-step").onclick = () => send({type: "g_step"});
  $("iteration").onclick = () => send({type: "iteration"});
  $("slow").onclick = () => send({type: "slow_start"});
  $("slow-next").onclick = () => send({type: "slow_next"});
  $("slow-stop").onclick = () => send({type: "slow_stop"});
  for (const box of document.querySelectorAll("#layers input"))
    box.onchange = () => { lab.layers[box.dataset.layer] = box.checked; drawPicture(); };
  $("draw").onclick = () => { drawing = !drawing; $("canvas").classList.toggle("drawing", drawing);
    $("draw").textContent = drawing ? "✎ drawing… (drag on the picture)" : "✎ draw points"; };
  $("canvas").onmousedown = e => { pressed = true; addPoint(e); };
  $("canvas").onmousemove = addPoint;
  window.addEventListener("mouseup", () => { pressed = false; });
  $("draw-train").onclick = () => { clearError(); lab.history = []; send({type: "points", points: lab.drawn}); };
  $("draw-clear").onclick = () => { lab.drawn = []; $("draw-train").disabled = $("draw-clear").disabled = true; drawPicture(); };
  $("csv").onchange = e => uploadCsv(e.target.files[0]);
  $("load").onchange = e => loadToy(e.target.files[0]);
  for (const tab of document.querySelectorAll(".tab")) tab.onclick = () => {
    for (const other of document.querySelectorAll(".tab")) other.classList.toggle("active", other === tab);
    $("mode-toy").hidden = tab.dataset.mode !== "toy"; $("mode-runs").hidden = tab.dataset.mode !== "runs";
  };
}

async function start() {
  wire();
  const response = await fetch("/api/choices");
  choices = (await response.json()).settings;
  buildSettings(choices);
  drawCharts();
  connect();
}
start().catch(err => showError(String(err)));
