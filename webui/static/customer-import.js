// The customer import page: check the file (dry run), list each row's problems, then import
// all rows; a large file runs as a job whose progress is polled. Words come from the page.
(function () {
  "use strict";

  var form = document.getElementById("import-form");
  if (!form) { return; }
  var fileInput = document.getElementById("import-file");
  var update = document.getElementById("import-update");
  var status = document.getElementById("import-status");
  var progress = document.getElementById("import-progress");
  var table = document.getElementById("import-problems");
  var leftOff = document.getElementById("import-left-off");
  var confirmButton = document.getElementById("import-confirm");
  var done = document.getElementById("import-done");
  var POLL_MS = 1000;

  function words(name, values) {
    var text = form.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
    status.hidden = !text;
  }

  function reset() {
    say("");
    progress.hidden = true;
    table.hidden = true;
    table.querySelector("tbody").textContent = "";
    leftOff.hidden = true;
    confirmButton.hidden = true;
    done.hidden = true;
  }

  function showProblems(report) {
    var body = table.querySelector("tbody");
    body.textContent = "";
    report.problems.forEach(function (problem) {
      var row = document.createElement("tr");
      [problem.row, problem.column || "", problem.message].forEach(function (value) {
        var cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    table.hidden = report.problems.length === 0;
    leftOff.hidden = !report.problems_left_off;
    leftOff.textContent = words("left-off", {n: report.problems_left_off});
  }

  function showReport(report) {
    progress.hidden = true;
    showProblems(report);
    if (report.problems.length) {
      say(words("problems", {rows: report.rows,
                             count: report.problems.length + report.problems_left_off}), true);
    } else if (report.dry_run) {
      say(words("ready", {rows: report.rows}));
      confirmButton.textContent = words("confirm", {rows: report.rows});
      confirmButton.hidden = false;
    } else {
      say(words("imported", {imported: report.imported, updated: report.updated}));
      done.hidden = false;
    }
  }

  function follow(job) {
    progress.hidden = false;
    if (job.status === "queued") {
      say(words("queued"));
      progress.removeAttribute("value");
    } else if (job.status === "checking") {
      progress.value = job.rows ? Math.round(100 * job.processed / job.rows) : 0;
      say(words("progress", {done: job.processed, rows: job.rows}));
    } else if (job.status === "importing") {
      progress.value = 100;
      say(words("importing"));
    } else if (job.status === "failed") {
      progress.hidden = true;
      say(words("failed", {message: job.message || ""}), true);
      return;
    } else {
      showReport(job);
      return;
    }
    var url = form.getAttribute("data-status-url").replace(/0$/, String(job.id));
    window.setTimeout(function () {
      window.keyflowFetch(url).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { say(body.message, true); return; }
          follow(body);
        });
      });
    }, POLL_MS);
  }

  function send(dryRun) {
    var file = fileInput.files[0];
    if (!file) { say(words("no-file"), true); return; }
    reset();
    say(words(dryRun ? "checking" : "importing"));
    var data = new FormData();
    data.append("file", file);
    var url = form.getAttribute("data-url") + "?dry_run=" + dryRun + "&update=" + update.checked;
    window.keyflowFetch(url, {method: "POST", body: data}).then(function (response) {
      return response.json().then(function (body) {
        if (response.status === 202) { follow(body); return; }
        if (response.ok || Array.isArray(body.problems)) { showReport(body); return; }
        say(body.message, true);
      });
    }).catch(function () { say(words("failed", {message: ""}), true); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(true);
  });
  confirmButton.addEventListener("click", function () { send(false); });
  fileInput.addEventListener("change", reset);
  update.addEventListener("change", reset);
})();
