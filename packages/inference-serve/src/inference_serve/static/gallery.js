// The gallery's behaviour: plain JavaScript, no build step, no network beyond this server.
"use strict";

const $ = (selector) => document.querySelector(selector);
const EVENT_TYPES = ["stage_update", "info", "progress", "image_generated", "audio_generated",
  "video_generated", "warning", "error", "done"];
let source = null;
let currentJob = null;

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = Array.isArray(body?.detail)
      ? body.detail.map((e) => `${e.loc.slice(1).join(".")}: ${e.msg}${e.hint ? ` (${e.hint})` : ""}`).join("; ")
      : body?.detail || response.statusText;
    throw new Error(detail);
  }
  return body;
}

function fieldFor(name, spec, required) {
  const label = document.createElement("label");
  label.textContent = name + (required ? " *" : "") + " ";
  let input;
  const type = spec.type || (spec.anyOf || []).map((s) => s.type).find((t) => t && t !== "null");
  if (spec.enum) {
    input = document.createElement("select");
    for (const value of spec.enum) input.add(new Option(value, value));
  } else if (type === "boolean") {
    input = document.createElement("input");
    input.type = "checkbox";
  } else if (type === "integer" || type === "number") {
    input = document.createElement("input");
    input.type = "number";
    input.step = type === "integer" ? "1" : "any";
    if (spec.minimum !== undefined) input.min = spec.minimum;
    if (spec.maximum !== undefined) input.max = spec.maximum;
  } else if (type === "string" && (name === "prompt" || name === "text")) {
    input = document.createElement("textarea");
  } else if (type === "string") {
    input = document.createElement("input");
  } else {
    return null; // arrays and files: not in the simple form
  }
  input.name = name;
  input.dataset.type = type;
  if (spec.default !== undefined && spec.default !== null) {
    if (type === "boolean") input.checked = spec.default; else input.value = spec.default;
  }
  if (spec.description) label.title = spec.description;
  label.append(input);
  return label;
}

async function buildForm() {
  const id = $("#generator").value;
  const fields = $("#fields");
  fields.replaceChildren();
  if (!id) return;
  const info = await api(`/v1/generators/${encodeURIComponent(id)}`);
  const schema = info.input_schema;
  const required = new Set(schema.required || []);
  for (const [name, spec] of Object.entries(schema.properties || {})) {
    const field = fieldFor(name, spec, required.has(name));
    if (field) fields.append(field);
  }
}

function formInputs(form) {
  const inputs = {};
  for (const element of form.querySelectorAll("[name]")) {
    const type = element.dataset.type;
    if (type === "boolean") { inputs[element.name] = element.checked; continue; }
    if (element.value === "") continue;
    inputs[element.name] = type === "integer" ? parseInt(element.value, 10)
      : type === "number" ? parseFloat(element.value) : element.value;
  }
  return inputs;
}

function log(text, kind = "") {
  const item = document.createElement("li");
  item.textContent = text;
  if (kind) item.className = kind;
  $("#log").prepend(item);
}

function showMedia(kind, payload) {
  const media = payload.image || {}; // the seed's key, for every modality
  const scene = payload.storyboard_id ?? payload.role ?? "";
  if (kind === "image_generated") {
    const figure = document.createElement("figure");
    figure.dataset.scene = scene;
    const img = document.createElement("img");
    img.className = "thumb";
    img.src = media.url;
    img.alt = `scene ${scene}`;
    const caption = document.createElement("figcaption");
    caption.textContent = `scene ${scene}`;
    figure.append(img, caption);
    $(`#thumbs figure[data-scene="${CSS.escape(String(scene))}"]`)?.remove();
    $("#thumbs").append(figure);
  } else {
    const element = document.createElement(kind === "video_generated" ? "video" : "audio");
    element.controls = true;
    element.preload = "metadata";
    element.src = media.url;
    element.dataset.scene = scene;
    if (kind === "video_generated" && payload.role === "final") element.id = "final-video";
    $("#media").append(element);
  }
}

function showFailed(payload) {
  const row = document.createElement("p");
  row.className = "failed";
  row.textContent = `scene ${payload.storyboard_id}: ${payload.error} `;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Retry";
  button.className = "retry";
  button.onclick = async () => {
    await api(`/v1/jobs/${currentJob}/retry`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scene_ids: [String(payload.storyboard_id)] }),
    });
    row.remove();
    follow(currentJob);
  };
  row.append(button);
  $("#failed").append(row);
}

function follow(jobId) {
  if (source) source.close();
  currentJob = jobId;
  $("#job").hidden = false;
  $("#job-id").textContent = jobId.slice(0, 8);
  $("#job-status").textContent = "running";
  for (const id of ["#thumbs", "#media", "#failed", "#log"]) $(id).replaceChildren();
  source = new EventSource(`/v1/jobs/${jobId}/events`);
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      const payload = JSON.parse(message.data);
      if (type === "progress") {
        $("#progress").max = payload.total || 1;
        $("#progress").value = payload.current || 0;
        $("#progress-text").textContent = `${payload.current}/${payload.total}`;
      } else if (type.endsWith("_generated")) {
        showMedia(type, payload);
      } else if (type === "error") {
        log(payload.error, "error");
        if (payload.storyboard_id) showFailed(payload);
      } else if (type === "done") {
        $("#job-status").textContent = payload.data?.status || "done";
        document.body.dataset.done = jobId;
        source.close();
      } else {
        log(payload.message, type);
      }
    });
  }
}

async function submitGeneration(event) {
  event.preventDefault();
  try {
    const job = await api("/v1/generations", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ generator: $("#generator").value, inputs: formInputs($("#gen-form")) }),
    });
    follow(job.id);
  } catch (error) { alert(error.message); }
}

async function submitBatch(event) {
  event.preventDefault();
  try {
    const job = await api("/v1/batches/upload", { method: "POST", body: new FormData($("#batch-form")) });
    follow(job.id);
  } catch (error) { alert(error.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#generator").addEventListener("change", buildForm);
  $("#gen-form").addEventListener("submit", submitGeneration);
  $("#batch-form").addEventListener("submit", submitBatch);
  $("#cancel").addEventListener("click", () => currentJob && api(`/v1/jobs/${currentJob}`, { method: "DELETE" }));
  for (const time of document.querySelectorAll("time[data-ts]")) {
    time.textContent = new Date(parseFloat(time.dataset.ts) * 1000).toLocaleString();
  }
  for (const link of document.querySelectorAll(".job-link")) {
    link.addEventListener("click", (event) => { event.preventDefault(); follow(link.dataset.job); });
  }
  const wanted = new URLSearchParams(location.search).get("job");
  if (wanted) follow(wanted);
  buildForm();
});
