// SrFace web page: calls the same HTTP API as any client (/v1/identify, /v1/galleries/...). Problem bodies (RFC 9457)
// are shown as errors; an error never appears as a result.
"use strict";
const $ = (id) => document.getElementById(id);
const apiKey = $("apiKey");
apiKey.value = sessionStorage.getItem("srface-api-key") || "";
apiKey.addEventListener("change", () => sessionStorage.setItem("srface-api-key", apiKey.value));

function showError(message) { $("error").textContent = message || ""; }

async function call(url, options) {
  const response = await fetch(url, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = body && (body.detail || body.title) ? `${body.title || ""}: ${body.detail || ""}` : response.statusText;
    throw new Error(`${response.status} ${detail}`);
  }
  return body;
}

function clearResult() {
  for (const id of ["crop", "probe", "restored"]) $(id).removeAttribute("src");
  $("candidates").querySelector("tbody").replaceChildren();
  $("verdict").textContent = "";
}

async function identify(file) {
  showError("");
  clearResult();
  $("verdict").textContent = "identifying…";
  const params = new URLSearchParams({ gallery: $("gallery").value, top: $("top").value, images: "true" });
  if ($("probeSize").value) params.set("probeSize", $("probeSize").value);
  const form = new FormData();
  form.append("image", file);
  try {
    const result = await call(`/v1/identify?${params}`, { method: "POST", body: form });
    if (result.images) {
      $("crop").src = result.images.crop;
      if (result.images.probe) $("probe").src = result.images.probe;
      if (result.images.restored) $("restored").src = result.images.restored;
    }
    const rows = result.candidates.map((c, i) => {
      const tr = document.createElement("tr");
      for (const text of [String(i + 1), c.identity, c.score.toFixed(4)]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    $("candidates").querySelector("tbody").replaceChildren(...rows);
    $("verdict").textContent = result.unknown
      ? (result.candidates.length === 0 ? "unknown (the gallery is empty)" : "unknown")
      : `identified: ${result.identity}` + (result.threshold === null ? " (closed set: the model has no threshold)" : "");
  } catch (e) {
    $("verdict").textContent = "";
    showError(e.message);
  }
}

async function enrol() {
  showError("");
  const name = $("enrolName").value.trim();
  const files = $("enrolFiles").files;
  if (!name || files.length === 0) { showError("Give a name and at least one photo."); return; }
  const form = new FormData();
  for (const f of files) form.append("images", f);
  $("enrolStatus").textContent = "enrolling…";
  try {
    const url = `/v1/galleries/${encodeURIComponent($("gallery").value)}/identities/${encodeURIComponent(name)}/images`;
    const result = await call(url, { method: "POST", body: form, headers: { "X-API-Key": apiKey.value } });
    $("enrolStatus").textContent = `enrolled ${result.identity}: ${result.added} photo(s), ${result.totalImages} in total`;
    await listIdentities();
  } catch (e) {
    $("enrolStatus").textContent = "";
    showError(e.message);
  }
}

async function listIdentities() {
  try {
    const result = await call(`/v1/galleries/${encodeURIComponent($("gallery").value)}/identities`);
    $("identities").replaceChildren(...result.identities.map((i) => {
      const li = document.createElement("li");
      li.textContent = `${i.identity} (${i.images})`;
      return li;
    }));
  } catch (e) {
    $("identities").replaceChildren();
  }
}

$("probeFile").addEventListener("change", (e) => { if (e.target.files.length) identify(e.target.files[0]); });
const zone = $("dropZone");
zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
zone.addEventListener("dragleave", () => zone.classList.remove("over"));
zone.addEventListener("drop", (e) => {
  e.preventDefault();
  zone.classList.remove("over");
  if (e.dataTransfer.files.length) identify(e.dataTransfer.files[0]);
});
$("enrolButton").addEventListener("click", enrol);
$("refresh").addEventListener("click", listIdentities);
$("gallery").addEventListener("change", listIdentities);
listIdentities();
