/* geoair serve: the pages' script. Sends forms to the JSON API, polls jobs, shows
   results. Every text from the server or the data is set with textContent, never as
   HTML. Writes carry the session's CSRF token in the X-CSRF-Token header. */
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("ga-text").textContent);
  var meta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = meta ? meta.getAttribute("content") : "";
  var MAX_UPLOAD = Number(document.body.getAttribute("data-max-upload") || 0);

  function fmt(template, fields) {
    return String(template).replace(/\{(\w+)(![rs])?\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(fields, key) ? String(fields[key]) : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function api(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": CSRF } };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var message = data && (data.error || data.detail);
          if (typeof message !== "string") message = message ? JSON.stringify(message) : T.internal_error;
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function table(spec) {
    var wrap = el("div", "ga-tablewrap");
    if (spec.title) wrap.appendChild(el("h3", null, spec.title));
    if (spec.total > spec.rows.length) {
      wrap.appendChild(el("p", "ga-dim", fmt(T.rows_shown, { shown: spec.rows.length, total: spec.total })));
    }
    var t = el("table", "ga-table");
    var head = t.createTHead().insertRow();
    spec.columns.forEach(function (c) { head.appendChild(el("th", null, c.label)); });
    var body = t.createTBody();
    spec.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (value) {
        var td = tr.insertCell();
        td.textContent = value === null || value === undefined ? "" : String(value);
        if (typeof value === "number") td.className = "num";
      });
    });
    wrap.appendChild(t);
    return wrap;
  }

  function fileList(files) {
    var wrap = el("div", "ga-fileswrap");
    wrap.appendChild(el("h3", null, T.files));
    var list = el("ul", "ga-files");
    files.forEach(function (f) {
      var li = el("li");
      var a = el("a", null, f.path);
      a.href = f.url + "?download=1";
      a.setAttribute("download", f.name);
      li.appendChild(a);
      li.appendChild(el("span", "ga-dim", " " + f.size.toLocaleString() + " B"));
      list.appendChild(li);
    });
    wrap.appendChild(list);
    return wrap;
  }

  function showResult(container, result) {
    container.textContent = "";
    (result.tables || []).forEach(function (spec) { container.appendChild(table(spec)); });
    if (result.files && result.files.length) container.appendChild(fileList(result.files));
    if (result.lines && result.lines.length) {
      var details = el("details", "ga-details");
      details.appendChild(el("summary", null, T.details));
      details.appendChild(el("pre", null, result.lines.join("\n")));
      container.appendChild(details);
    }
  }

  function poll(jobId, box, onDone) {
    var status = box.querySelector(".ga-status");
    var bar = box.querySelector(".ga-progress");
    var output = box.querySelector(".ga-output");
    api("GET", "/api/jobs/" + encodeURIComponent(jobId)).then(function (job) {
      var label = T["state_" + job.state] || job.state;
      status.className = "ga-status state-" + job.state;
      status.textContent = label + (job.message && job.state === "running" ? T.sep + job.message : "") +
        (job.seconds !== null && job.state !== "queued"
          ? T.paren_open + fmt(T.seconds, { s: job.seconds }) + T.paren_close : "");
      if (job.total) { bar.max = job.total; bar.value = job.done || 0; } else { bar.removeAttribute("value"); }
      if (job.state === "done") {
        bar.hidden = true;
        showResult(output, job.result || {});
        if (onDone) onDone(job);
      } else if (job.state === "failed") {
        bar.hidden = true;
        status.textContent = label + T.sep + job.error;
        if (onDone) onDone(job);
      } else {
        setTimeout(function () { poll(jobId, box, onDone); }, 600);
      }
    }).catch(function (error) {
      status.className = "ga-status state-failed";
      status.textContent = error.message;
      if (onDone) onDone(null);
    });
  }

  function formParams(form) {
    var params = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.name === "csrf_token") return;
      if (input.type === "checkbox") { if (input.checked) params[input.name] = true; return; }
      if (input.value !== "") params[input.name] = input.value;
    });
    return params;
  }

  // -- steps (本月工作, 地图, 下载) ----------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("form.ga-run"), function (form) {
    var section = form.closest(".ga-step");
    var box = section.querySelector(".ga-job");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var step = form.getAttribute("data-step");
      box.hidden = false;
      box.querySelector(".ga-output").textContent = "";
      var bar = box.querySelector(".ga-progress");
      bar.hidden = false;
      bar.removeAttribute("value");
      var status = box.querySelector(".ga-status");
      status.className = "ga-status state-queued";
      status.textContent = T.state_queued;
      button.disabled = true;
      api("POST", "/api/run/" + encodeURIComponent(step), formParams(form)).then(function (answer) {
        poll(answer.job, box, function (job) {
          button.disabled = false;
          button.textContent = T.run_again;
          if (job && job.state === "done" && job.result && job.result.map) showMap(job.result.map);
        });
      }).catch(function (error) {
        button.disabled = false;
        bar.hidden = true;
        status.className = "ga-status state-failed";
        status.textContent = error.message;
      });
    });
  });

  function showMap(url) {
    var frame = document.getElementById("ga-map-frame");
    var open = document.getElementById("ga-map-open");
    if (!frame) return;
    frame.hidden = false;
    frame.src = url + "?t=" + Date.now();
    if (open) { open.hidden = false; open.href = url; }
  }

  // -- 导入 -----------------------------------------------------------------------------
  var importForm = document.getElementById("ga-import");
  if (importForm) {
    var drop = document.getElementById("ga-drop");
    var fileInput = document.getElementById("ga-file");
    var chosen = document.getElementById("ga-chosen");
    var showChosen = function () {
      var file = fileInput.files && fileInput.files[0];
      chosen.textContent = file
        ? T.import_chosen + " " + file.name + T.paren_open + file.size.toLocaleString() + " B" + T.paren_close
        : "";
    };
    fileInput.addEventListener("change", showChosen);
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        fileInput.files = event.dataTransfer.files;
        showChosen();
      }
    });

    importForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var result = document.getElementById("ga-import-result");
      var status = document.getElementById("ga-import-status");
      var summary = document.getElementById("ga-import-summary");
      var notes = document.getElementById("ga-import-notes");
      var rejects = document.getElementById("ga-import-rejects");
      var button = document.getElementById("ga-import-go");
      result.hidden = false;
      summary.textContent = ""; notes.textContent = ""; rejects.textContent = "";
      var file = fileInput.files && fileInput.files[0];
      if (!file) { status.className = "ga-status state-failed"; status.textContent = T.import_no_file; return; }
      if (MAX_UPLOAD && file.size > MAX_UPLOAD) {
        status.className = "ga-status state-failed";
        status.textContent = fmt(T.import_too_big, { mb: MAX_UPLOAD / 1e6 });
        return;
      }
      var data = new FormData();
      data.append("file", file, file.name);
      var other = importForm.elements.coords_other.value.trim();
      var coords = other || importForm.elements.coords.value;
      if (coords) data.append("coords", coords);
      ["encoding", "sheet", "date"].forEach(function (name) {
        var value = importForm.elements[name].value;
        if (value) data.append(name, value);
      });
      if (importForm.elements.replace.checked) data.append("replace", "true");
      var kind = importForm.elements.kind.value;
      status.className = "ga-status state-running";
      status.textContent = T.import_running;
      button.disabled = true;
      api("POST", "/api/import/" + encodeURIComponent(kind), data).then(function (answer) {
        button.disabled = false;
        status.className = "ga-status state-done";
        status.textContent = T.state_done;
        summary.textContent = fmt(T.import_summary, answer);
        var extra = [];
        if (answer.span) extra.push(T.import_span + T.sep + answer.span);
        if (answer.next_step) extra.push(T.import_next + T.sep + answer.next_step);
        if (answer.notes.length || extra.length) {
          notes.appendChild(el("h3", null, T.import_notes));
          var list = el("ul", "ga-notes");
          answer.notes.concat(extra).forEach(function (note) { list.appendChild(el("li", null, note)); });
          notes.appendChild(list);
        }
        rejects.appendChild(el("h3", null, T.import_rejects));
        if (!answer.rejects.length) {
          rejects.appendChild(el("p", "ga-note", T.import_no_rejects));
          return;
        }
        if (answer.rejects_csv) {
          var link = el("a", "ga-download", T.import_rejects_download);
          link.href = answer.rejects_csv + "?download=1";
          link.setAttribute("download", "");
          link.id = "ga-rejects-csv";
          rejects.appendChild(el("p")).appendChild(link);
        }
        var columns = Object.keys(answer.rejects[0]);
        var spec = {
          title: "",
          columns: columns.map(function (c) { return { key: c, label: c }; }),
          rows: answer.rejects.map(function (r) { return columns.map(function (c) { return r[c]; }); }),
          total: answer.rejects_total
        };
        var shown = table(spec);
        shown.querySelector("table").id = "ga-rejects";
        rejects.appendChild(shown);
      }).catch(function (error) {
        button.disabled = false;
        status.className = "ga-status state-failed";
        status.textContent = T.import_error + " " + error.message;
      });
    });
  }
})();
