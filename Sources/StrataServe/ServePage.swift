/// The page at `/`: a chat box that streams from `/v1/chat/completions`, and a canvas whose
/// drawing `/v1/classify` labels. Plain HTML and JavaScript, no external resources.
enum ServePage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Strata</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
section { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; }
#log { white-space: pre-wrap; min-height: 6rem; max-height: 24rem; overflow-y: auto; background: #f7f7f7; padding: .5rem; }
.user { color: #035; font-weight: 600; } .assistant { color: #222; }
canvas { border: 1px solid #888; background: #fff; touch-action: none; cursor: crosshair; }
input[type=text] { width: 70%; } label { margin-right: .5rem; }
</style>
</head>
<body>
<h1>Strata</h1>
<p><label>API key <input id="key" type="password" placeholder="(if the server needs one)"></label></p>
<section>
<h2>Chat</h2>
<p><label>Model <select id="chatModel"></select></label>
<label>Max tokens <input id="maxTokens" type="number" min="1" value="128" style="width:5rem"></label>
<label>Temperature <input id="temperature" type="number" min="0" max="2" step="0.1" value="0.7" style="width:4rem"></label></p>
<div id="log"></div>
<form id="chatForm"><input id="prompt" type="text" placeholder="Say something" autocomplete="off">
<button id="send" type="submit">Send</button></form>
</section>
<section>
<h2>Draw a digit</h2>
<p><label>Model <select id="classifyModel"></select></label></p>
<canvas id="pad" width="280" height="280"></canvas>
<p><button id="classify" type="button">Classify</button> <button id="clear" type="button">Clear</button>
<span id="digit"></span></p>
</section>
<script>
const $ = (id) => document.getElementById(id);
const history = [];
function headers(json) {
  const h = json ? { "Content-Type": "application/json" } : {};
  if ($("key").value) h["Authorization"] = "Bearer " + $("key").value;
  return h;
}
async function loadModels() {
  const r = await fetch("/v1/models", { headers: headers(false) });
  if (!r.ok) return;
  const list = (await r.json()).data;
  for (const m of list) {
    const target = m.kind === "llama" ? $("chatModel") : m.kind === "image-classifier" ? $("classifyModel") : null;
    if (target) target.add(new Option(m.id, m.id));
  }
}
function addLine(cls, text) {
  const div = document.createElement("div");
  div.className = cls;
  div.textContent = text;
  $("log").appendChild(div);
  return div;
}
$("chatForm").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("prompt").value.trim();
  if (!text) return;
  $("prompt").value = "";
  history.push({ role: "user", content: text });
  addLine("user", "you: " + text);
  const out = addLine("assistant", "");
  out.id = "answer" + history.length;
  const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(true),
    body: JSON.stringify({ model: $("chatModel").value, messages: history, stream: true,
                           max_tokens: Number($("maxTokens").value) || 128,
                           temperature: Number($("temperature").value) }) });
  if (!r.ok) { out.textContent = "error: " + (await r.json()).error.message; out.dataset.done = "true"; history.pop(); return; }
  const reader = r.body.getReader(), decoder = new TextDecoder();
  let buffer = "", answer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const line = buffer.slice(0, cut).trim();
      buffer = buffer.slice(cut + 2);
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      const chunk = JSON.parse(line.slice(6));
      if (chunk.error) { answer += " [" + chunk.error.message + "]"; continue; }
      answer += chunk.choices[0].delta.content || "";
      out.textContent = answer;
    }
  }
  out.dataset.done = "true";
  history.push({ role: "assistant", content: answer });
});
const pad = $("pad"), ctx = pad.getContext("2d");
function clearPad() { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, pad.width, pad.height); $("digit").textContent = ""; }
clearPad();
let drawing = false;
function point(e) { const r = pad.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
pad.addEventListener("pointerdown", (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...point(e)); });
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  ctx.lineWidth = 22; ctx.lineCap = "round"; ctx.strokeStyle = "#000";
  ctx.lineTo(...point(e)); ctx.stroke();
});
window.addEventListener("pointerup", () => { drawing = false; });
$("clear").addEventListener("click", clearPad);
$("classify").addEventListener("click", async () => {
  const r = await fetch("/v1/classify", { method: "POST", headers: headers(true),
    body: JSON.stringify({ model: $("classifyModel").value, image: pad.toDataURL("image/png") }) });
  const body = await r.json();
  $("digit").textContent = r.ok ? "looks like " + body.label + " (" + (100 * body.probability).toFixed(1) + "%)" : "error: " + body.error.message;
  $("digit").dataset.label = r.ok ? body.label : "";
});
loadModels();
</script>
</body>
</html>
"""#
}
