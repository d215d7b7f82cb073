// The import pages: the file upload's own progress bar, then a running import's progress
// polled until it ends. No library, no build step: without JavaScript the form posts plainly
// and the progress page refreshes itself.
"use strict";

(function () {
  // Post the form through XHR to watch the upload, then go where the server sends us: a
  // redirect to the import's progress page, or this page again with the report or the errors.
  function setUpUpload(section) {
    const form = section.querySelector("form");
    const row = section.querySelector('[data-role="upload"]');
    const bar = row.querySelector('[data-role="upload-bar"]');
    const state = row.querySelector('[data-role="upload-state"]');
    form.addEventListener("submit", (event) => {
      const input = form.querySelector('input[type="file"]');
      if (!window.XMLHttpRequest || !window.FormData || !input.files.length) return;
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      row.hidden = false;
      row.classList.remove("upload-failed");
      row.querySelector('[data-role="upload-name"]').textContent = input.files[0].name;
      const target = form.action.split("#")[0]; // XHR's responseURL never has a fragment
      const xhr = new XMLHttpRequest();
      xhr.open("POST", target);
      xhr.upload.onprogress = (e) => {
        if (!e.lengthComputable) return;
        bar.value = Math.floor((100 * e.loaded) / (e.total || 1));
        state.textContent = `${bar.value}% uploaded`;
      };
      xhr.upload.onload = () => {
        bar.value = 100;
        state.textContent = "uploaded, starting…";
      };
      xhr.onload = () => {
        if (xhr.responseURL && xhr.responseURL !== target) {
          window.location.assign(xhr.responseURL); // the import's own page
        } else {
          showPage(xhr.responseText);
        }
      };
      xhr.onerror = () => {
        state.textContent = "failed: the connection dropped; try again";
        row.classList.add("upload-failed");
        button.disabled = false;
      };
      xhr.send(new FormData(form));
    });
  }

  // The answered page in place of this one (its scripts do not run again: set it up here).
  function showPage(html) {
    const next = new DOMParser().parseFromString(html, "text/html");
    const main = next.querySelector("main");
    if (!main) { document.open(); document.write(html); document.close(); return; }
    document.title = next.title;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    start();
  }

  function logLines(lines) {
    return lines.map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    });
  }

  // Ask for the import's state until it ends, then reload: the server renders the report.
  function setUpJob(section) {
    if (section.dataset.status === "succeeded" || section.dataset.status === "failed") return;
    const bar = section.querySelector('[data-role="bar"]');
    const every = Number(section.dataset.pollMs) || 1000;
    const tick = async () => {
      let body;
      try {
        const response = await fetch(section.dataset.statusUrl, { credentials: "same-origin" });
        if (!response.ok) throw new Error(response.statusText);
        body = await response.json();
      } catch (_ignored) {
        setTimeout(tick, every * 4); // a busy or restarting server: ask again, less often
        return;
      }
      if (body.finished) { window.location.reload(); return; }
      if (body.percent === null) bar.removeAttribute("value");
      else bar.value = body.percent;
      section.querySelector('[data-role="state"]').textContent = body.state_text;
      section.querySelector('[data-role="records"]').textContent = body.records;
      section.querySelector('[data-role="log"]').replaceChildren(...logLines(body.log));
      section.dataset.status = body.status;
      setTimeout(tick, every);
    };
    setTimeout(tick, every);
  }

  function start() {
    document.querySelectorAll("[data-import-upload]").forEach(setUpUpload);
    document.querySelectorAll("[data-import-job]").forEach(setUpJob);
  }

  start();
})();
