// Lamella's pages: resumable uploads with progress bars (tus 1.0), ingest state refresh and
// a small SVG bar chart. No library, no build step: the pages work without it, this helps.
"use strict";

(function () {
  const CHUNK_BYTES = 8 * 1024 * 1024;
  const RETRIES = 5;
  const POLL_MS = 3000;
  const TUS = "1.0.0";
  const SVG = "http://www.w3.org/2000/svg";

  function base64(text) {
    const bytes = new TextEncoder().encode(String(text));
    let binary = "";
    bytes.forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  function detailOf(xhr) {
    try { return JSON.parse(xhr.responseText).detail || xhr.statusText; }
    catch (_ignored) { return xhr.statusText || "the server did not answer"; }
  }

  // One request as a promise; ``onProgress`` gets the bytes of the body sent so far.
  function request(method, url, headers, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.entries(headers).forEach(([k, v]) => xhr.setRequestHeader(k, v));
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = () => reject(new Error("network error"));
      xhr.send(body);
    });
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  class TusUpload {
    constructor(file, { endpoint, imageSet, csrf, chunkBytes, onProgress }) {
      Object.assign(this, { file, endpoint, imageSet, csrf, chunkBytes, onProgress });
      this.key = `lamella-tus:${imageSet}:${file.name}:${file.size}:${file.lastModified}`;
    }

    headers(extra) {
      return Object.assign({ "Tus-Resumable": TUS, "X-CSRFToken": this.csrf }, extra || {});
    }

    // The offset of an upload started earlier (another visit, a dropped line), or null.
    async resume() {
      const url = localStorage.getItem(this.key);
      if (!url) return null;
      const xhr = await request("HEAD", url, this.headers(), null);
      if (xhr.status !== 200) { localStorage.removeItem(this.key); return null; }
      this.url = url;
      return Number(xhr.getResponseHeader("Upload-Offset") || 0);
    }

    async create() {
      const meta = `filename ${base64(this.file.name)},image_set ${base64(this.imageSet)}`;
      const xhr = await request("POST", this.endpoint, this.headers({
        "Upload-Length": String(this.file.size), "Upload-Metadata": meta,
      }), null);
      if (xhr.status !== 201) throw new Error(detailOf(xhr));
      this.url = xhr.getResponseHeader("Location");
      localStorage.setItem(this.key, this.url);
      return 0;
    }

    async run() {
      let offset = (await this.resume()) ?? (await this.create());
      let failures = 0;
      while (offset < this.file.size) {
        const end = Math.min(offset + this.chunkBytes, this.file.size);
        let xhr;
        try {
          xhr = await request("PATCH", this.url, this.headers({
            "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream",
          }), this.file.slice(offset, end), (sent) => this.onProgress(offset + sent, this.file.size));
        } catch (error) {
          xhr = null;
        }
        if (xhr && xhr.status === 204) {
          offset = Number(xhr.getResponseHeader("Upload-Offset"));
          this.onProgress(offset, this.file.size);
          failures = 0;
          continue;
        }
        if (xhr && xhr.status >= 400 && xhr.status < 500 && xhr.status !== 409) {
          localStorage.removeItem(this.key);
          throw new Error(detailOf(xhr));
        }
        failures += 1;
        if (failures > RETRIES) throw new Error(xhr ? detailOf(xhr) : "the connection keeps dropping");
        await sleep(1000 * 2 ** failures);
        offset = (await this.resume()) ?? offset; // ask the server where to go on from
      }
      localStorage.removeItem(this.key);
    }
  }

  function uploadRow(list, file) {
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    const state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = "waiting";
    item.append(name, bar, state);
    list.append(item);
    return { item, bar, state };
  }

  function setUpUploads(section) {
    const form = section.querySelector("form");
    const input = form.querySelector('input[type="file"]');
    const list = section.querySelector(".upload-list");
    const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    form.addEventListener("submit", async (event) => {
      if (!window.XMLHttpRequest || !input.files.length) return; // the plain form posts
      event.preventDefault();
      const files = Array.from(input.files);
      form.querySelector("button").disabled = true;
      let ok = 0;
      for (const file of files) {
        const row = uploadRow(list, file);
        const upload = new TusUpload(file, {
          endpoint: section.dataset.tusUrl, imageSet: section.dataset.imageSet, csrf,
          chunkBytes: Number(section.dataset.chunkBytes) || CHUNK_BYTES,
          onProgress(done, total) {
            row.bar.value = done;
            row.state.textContent = `${Math.floor((100 * done) / (total || 1))}%`;
          },
        });
        try {
          await upload.run();
          row.state.textContent = "uploaded";
          row.item.classList.add("upload-done");
          ok += 1;
        } catch (error) {
          row.state.textContent = `failed: ${error.message}`;
          row.item.classList.add("upload-failed");
        }
      }
      form.querySelector("button").disabled = false;
      if (ok === files.length) window.location.reload(); // new thumbnails and their states
    });
  }

  // Poll the ingest states while any image is queued or converting.
  function setUpRefresh(grid) {
    const busy = () => grid.querySelector('[data-state="queued"], [data-state="converting"]');
    if (!busy()) return;
    const tick = async () => {
      let body;
      try {
        const response = await fetch(grid.dataset.statusUrl, { credentials: "same-origin" });
        if (!response.ok) return;
        body = await response.json();
      } catch (_ignored) { return; }
      body.images.forEach((image) => {
        const cell = grid.querySelector(`[data-image-id="${image.id}"]`);
        if (!cell) return;
        cell.dataset.state = image.ingest_state;
        const label = cell.querySelector(".ingest");
        label.className = `ingest ingest-${image.ingest_state}`;
        label.textContent = image.ingest_state === "converting" ? `converting ${image.ingest_progress}%`
          : image.ingest_state === "failed" ? `failed: ${image.ingest_error || "unknown error"}`
          : image.ingest_state;
        const placeholder = cell.querySelector(".thumb-placeholder");
        if (image.ingest_state === "ready" && placeholder) { // the thumbnail exists now
          const img = document.createElement("img");
          Object.assign(img, { src: `/api/v1/images/images/${image.id}/thumbnail/`, alt: "", width: 160, height: 120 });
          placeholder.replaceWith(img);
        }
      });
      if (busy()) setTimeout(tick, POLL_MS);
    };
    setTimeout(tick, POLL_MS);
  }

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Horizontal bars: the pale bar is every annotation of a type, the solid part the verified.
  function drawChart(holder) {
    const source = document.getElementById(holder.dataset.chart);
    const rows = JSON.parse(source.textContent);
    const width = 260, label = 96, row = 24, max = Math.max(1, ...rows.map((r) => r.total));
    const svg = el("svg", { viewBox: `0 0 ${width} ${rows.length * row + 4}`, class: "bar-chart" });
    rows.forEach((r, i) => {
      const y = i * row + 2, span = width - label - 48;
      const total = (span * r.total) / max, verified = (span * r.verified) / max;
      svg.append(el("text", { x: 0, y: y + 15, class: "bar-label" }, r.name));
      svg.append(el("rect", { x: label, y: y + 3, width: total, height: 16, rx: 3, fill: r.color, opacity: 0.3 }));
      svg.append(el("rect", { x: label, y: y + 3, width: verified, height: 16, rx: 3, fill: r.color }));
      svg.append(el("text", { x: label + total + 6, y: y + 15, class: "bar-value" }, `${r.verified}/${r.total}`));
    });
    holder.append(svg);
  }

  document.querySelectorAll("[data-upload]").forEach(setUpUploads);
  document.querySelectorAll(".thumb-grid[data-status-url]").forEach(setUpRefresh);
  document.querySelectorAll("[data-chart]").forEach(drawChart);
})();
