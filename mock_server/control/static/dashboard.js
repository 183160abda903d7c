// The rise-mock dashboard: polls the control API (relative to this page, /__mock/) once a second and
// renders the tenant, the report rows, the journal (newest first) and the pending faults. Every change it
// makes goes through the same control API a test uses.
"use strict";

const POLL_MS = 1000;
const KEY_STORE = "rise-mock-admin-key";
const FALLBACK_STATUSES = [500, 502, 503, 504, 429, 408, 0];
const $ = (selector) => document.querySelector(selector);

let journalSignature = "";
let lastJournal = [];

// -- talking to the control API ----------------------------------------------------------------------

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function control(method, path, body) {
  const headers = {};
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ControlError(0, "The mock does not answer: is it still running?");
  }
  if (!response.ok) {
    let message = `${method} /__mock/${path} answered ${response.status}`;
    try {
      const problem = await response.json();
      if (problem && problem.message) message += `: ${problem.message}`;
    } catch (ignored) {
      message += ` (${response.statusText})`;
    }
    throw new ControlError(response.status, message);
  }
  return response.status === 204 ? null : response.json();
}

// -- rendering ---------------------------------------------------------------------------------------

function cell(content, className) {
  const td = document.createElement("td");
  if (content instanceof Node) td.append(content);
  else td.textContent = content === null || content === undefined ? "" : String(content);
  if (className) td.className = className;
  return td;
}

function fill(table, rows, toCells, keyOf) {
  const body = $(`${table} tbody`);
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(...toCells(row));
      if (keyOf) tr.dataset.key = keyOf(row);
      return tr;
    }),
  );
}

function pad(number, width = 2) {
  return String(number).padStart(width, "0");
}

// An RFC 3339 instant as a local date and time, with the original in the tooltip.
function when(value) {
  if (!value) return cell("");
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return cell(value);
  const text =
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const time = document.createElement("time");
  time.dateTime = value;
  time.title = value;
  time.textContent = text;
  return cell(time);
}

function flag(value) {
  return value === null || value === undefined ? cell("") : cell(value ? "yes" : "no", value ? "yes" : "no");
}

function statusClass(status) {
  if (status >= 500) return "status s5";
  if (status >= 400) return "status s4";
  return "status s2";
}

function bodyCell(body) {
  if (body === null || body === undefined) return cell("");
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const pre = document.createElement("code");
  pre.textContent = text;
  return cell(pre, "body");
}

function renderTenant(state) {
  fill("#courses", state.courses, (c) => [
    cell(c.id, "id"),
    cell(c.title),
    cell(c.source || "rise"),
    cell(c.publishedVersion ? `version ${c.publishedVersion}` : "never", c.publishedVersion ? "yes" : "no"),
    flag(Boolean(c.quizRequired)),
  ], (c) => c.id);
  fill("#users", state.users, (u) => [
    cell(u.id, "id"),
    cell(u.email),
    cell(u.role || "learner"),
    cell([u.firstName, u.lastName].filter(Boolean).join(" ")),
  ], (u) => u.id);
  fill("#enrollments", state.enrollments || [], (e) => [cell(e.courseId), cell(e.userId), when(e.enrolledAt)],
    (e) => `${e.courseId}|${e.userId}`);
}

function renderReportRows(rows) {
  fill("#report-rows", rows, (r) => [
    cell(r.courseId, "id"),
    cell(r.userId, "id"),
    cell(r.status, r.status === "Complete" ? "yes" : ""),
    when(r.enrolledAt),
    when(r.startedAt),
    when(r.completedAt),
    cell(r.duration),
    cell(r.quizScorePercent),
    flag(r.isQuizPassed),
    r.inReports ? cell("yes", "yes") : (() => {
      const td = when(r.shownFrom);
      td.prepend("from ");
      td.className = "pending";
      return td;
    })(),
  ], (r) => `${r.courseId}|${r.userId}`);
}

function renderJournal(entries) {
  lastJournal = entries;
  const filter = $("#journal-filter").value.trim().toLowerCase();
  const shown = entries
    .filter((e) => !filter || `${e.method} ${e.path} ${e.status} ${e.code || ""}`.toLowerCase().includes(filter))
    .reverse();
  fill("#journal-table", shown, (e) => [
    cell(e.id),
    when(e.at),
    cell(`${e.method} ${e.path}${e.query ? `?${e.query}` : ""}`, "request"),
    cell(e.status, statusClass(e.status)),
    cell(e.code),
    cell(e.authorization),
    bodyCell(e.body),
    cell(e.durationMs === undefined ? "" : Math.round(e.durationMs)),
  ], (e) => String(e.id));
  $("#journal-empty").hidden = entries.length > 0;
  $("#journal-count").textContent = filter ? `${shown.length} of ${entries.length}` : `${entries.length} request(s)`;
}

function renderFaults(faults) {
  fill("#faults-table", faults, (f) => [
    cell(f.method), cell(f.path, "request"), cell(f.status === 0 ? "0 (answer normally)" : f.status, statusClass(f.status || 200)),
    cell(f.times), cell(f.delayMs), cell(f.retryAfter),
  ]);
  $("#faults-empty").hidden = faults.length > 0;
}

function showProblem(error) {
  const needsKey = error instanceof ControlError && (error.status === 401 || error.status === 403);
  $("#admin-key-form").hidden = !needsKey;
  $("#problem").hidden = !error || needsKey;
  $("#problem").textContent = error ? error.message : "";
  $("#connection").textContent = error ? "not connected" : "live";
  $("#connection").className = error ? "connection down" : "connection up";
}

// -- the loop ----------------------------------------------------------------------------------------

async function refresh() {
  try {
    const [state, reports, journal, faults] = await Promise.all([
      control("GET", "state"),
      control("GET", "reports"),
      $("#journal-pause").checked ? null : control("GET", "journal"),
      control("GET", "faults"),
    ]);
    renderTenant(state);
    renderReportRows(reports.rows);
    if (journal) {
      const entries = journal.entries;
      const signature = `${entries.length}:${entries.length ? entries[entries.length - 1].id : 0}`;
      if (signature !== journalSignature) {
        journalSignature = signature;
        renderJournal(entries);
      }
    }
    renderFaults(faults.faults);
    showProblem(null);
  } catch (error) {
    showProblem(error);
  }
}

async function act(action) {
  try {
    await action();
    journalSignature = "";
    await refresh();
  } catch (error) {
    showProblem(error);
  }
}

// The statuses a fault may have come from the control API's own contract, when it can be read.
async function loadFaultStatuses() {
  let statuses = FALLBACK_STATUSES;
  try {
    const spec = await control("GET", "openapi.json");
    statuses = spec.components.schemas.Fault.properties.status.enum || statuses;
  } catch (ignored) {
    // The page still works with the statuses this version shipped with.
  }
  const select = $("#fault-status");
  select.replaceChildren(...statuses.map((status) => {
    const option = document.createElement("option");
    option.value = String(status);
    option.textContent = status === 0 ? "0 (answer normally, use a delay)" : String(status);
    return option;
  }));
  select.value = statuses.includes(503) ? "503" : String(statuses[0]);
}

function faultFromForm(form) {
  const data = new FormData(form);
  const fault = {
    method: data.get("method"),
    path: data.get("path"),
    status: Number(data.get("status")),
    times: Number(data.get("times") || 1),
    delayMs: Number(data.get("delayMs") || 0),
  };
  if (data.get("retryAfter") !== "") fault.retryAfter = Number(data.get("retryAfter"));
  return fault;
}

function start() {
  $("#reset").addEventListener("click", () => act(() => control("POST", "reset")));
  $("#clear-journal").addEventListener("click", () => act(() => control("DELETE", "journal")));
  $("#clear-faults").addEventListener("click", () => act(() => control("DELETE", "faults")));
  $("#fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => control("POST", "faults", faultFromForm(event.target)));
  });
  $("#journal-filter").addEventListener("input", () => renderJournal(lastJournal));
  $("#admin-key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORE, $("#admin-key").value);
    act(loadFaultStatuses);
  });
  loadFaultStatuses().then(refresh);
  setInterval(() => {
    if (!document.hidden) refresh();
  }, POLL_MS);
}

document.addEventListener("DOMContentLoaded", start);
