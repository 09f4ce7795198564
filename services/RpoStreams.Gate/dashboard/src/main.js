// The gate's live dashboard. One snapshot a second arrives over server-sent events
// (GET api/dashboard/stream); every panel is redrawn from it. No number or address is ever shown:
// the snapshot carries none, nor the subjectRef of an alert (the dashboard needs no key, and a key holder can
// compute a number's subjectRef with the check API).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import './style.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, Filler, Legend, Tooltip);

const COLORS = {
  allowed: '#1a7f37',
  allowedFill: 'rgba(26, 127, 55, 0.22)',
  blocked: '#cf222e',
  blockedFill: 'rgba(207, 34, 46, 0.22)',
  grid: '#eaeef2',
  ink: '#1f2328',
  muted: '#59636e',
};

const REASONS = {
  RPO_OPPOSITION: 'In the RPO, no consent',
  COMPANY_OPT_OUT: 'Opted out with the company',
  FREQUENCY_CAP: 'Frequency cap reached',
  OUTSIDE_CALLING_HOURS: 'Outside calling hours',
  REGISTER_STALE: 'Register consultation stale',
  CALLER_ID_INVALID: 'Caller ID missing or invalid',
  INVALID_SUBJECT: 'Invalid number or address',
};

const BASES = {
  NOT_REGISTERED: 'Not in the RPO',
  CONSENT_AFTER_REGISTRATION: 'Consent after registration',
  ACTIVE_CONTRACT: 'Active contract',
  NOT_PROMOTIONAL: 'Service call (not promotional)',
};

const ALERTS = {
  CALL_AFTER_BLOCK: 'Dialled after a block',
  CALL_WITHOUT_CLEARANCE: 'Dialled without clearance',
  CALL_OUTSIDE_HOURS: 'Call outside calling hours',
  LIST_NOT_SCRUBBED: 'List not checked against the RPO',
  REGISTER_STALE: 'Register consultation stale',
};

const MAX_ALERT_ROWS = 12;
const MAX_CAMPAIGN_ROWS = 10;

const integer = new Intl.NumberFormat('en-GB');
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });
const timeOfDay = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

const $ = (id) => document.getElementById(id);

/** Creates an element; children are nodes or text (always inserted as text, never as HTML). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'style') node.setAttribute('style', value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** "45 s", "3 min 5 s", "2 h 10 min", "4 d 3 h". */
function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

function share(part, whole) {
  return whole > 0 ? percent.format(part / whole) : '–';
}

function partitionsText(partitions) {
  if (!partitions || partitions.length === 0) return 'no partitions';
  const runs = [];
  let start = partitions[0];
  let previous = start;
  for (const p of partitions.slice(1).concat([null])) {
    if (p !== previous + 1) {
      runs.push(start === previous ? `${start}` : `${start}–${previous}`);
      start = p;
    }
    previous = p;
  }
  return `${partitions.length === 1 ? 'partition' : 'partitions'} ${runs.join(', ')}`;
}

// ---- charts ---------------------------------------------------------------------------------------

const WINDOW_SECONDS = 120;

const rateChart = new Chart($('rate-chart'), {
  type: 'line',
  data: {
    datasets: [
      {
        label: 'ALLOWED',
        data: [],
        borderColor: COLORS.allowed,
        backgroundColor: COLORS.allowedFill,
        fill: 'origin',
        borderWidth: 2,
        pointRadius: 0,
        cubicInterpolationMode: 'monotone',
      },
      {
        label: 'BLOCKED',
        data: [],
        borderColor: COLORS.blocked,
        backgroundColor: COLORS.blockedFill,
        fill: '-1',
        borderWidth: 2,
        pointRadius: 0,
        cubicInterpolationMode: 'monotone',
      },
    ],
  },
  options: {
    animation: false,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: {
        type: 'linear',
        min: -WINDOW_SECONDS,
        max: 0,
        grid: { color: COLORS.grid },
        ticks: {
          stepSize: 15,
          color: COLORS.muted,
          callback: (value) => (value === 0 ? 'now' : value % 60 === 0 ? `−${-value / 60} min` : value % 30 === 0 ? `−${-value} s` : ''),
        },
        title: { display: true, text: 'time (seconds ago)', color: COLORS.muted },
      },
      y: {
        stacked: true,
        beginAtZero: true,
        suggestedMax: 5,
        grid: { color: COLORS.grid },
        ticks: { color: COLORS.muted, precision: 0 },
        title: { display: true, text: 'decisions per second', color: COLORS.muted },
      },
    },
    plugins: {
      legend: {
        position: 'top',
        align: 'end',
        labels: { boxWidth: 14, boxHeight: 14, color: COLORS.ink, font: { weight: '600' } },
      },
      tooltip: {
        callbacks: {
          title: (items) => (items.length ? `${-Math.round(items[0].parsed.x)} s ago` : ''),
          label: (item) => ` ${item.dataset.label}: ${oneDecimal.format(item.raw.y)} /s`,
        },
      },
    },
  },
});

/** Writes "count (share)" at the end of each horizontal bar. */
const barValueLabels = {
  id: 'barValueLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = '600 12px "Inter Variable", system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((dataset, d) => {
      const meta = chart.getDatasetMeta(d);
      if (meta.hidden) return;
      meta.data.forEach((bar, i) => {
        const value = dataset.data[i];
        if (value === null || value === undefined) return;
        const total = dataset.totals?.[i] ?? 0;
        const text = total > 0 && value > 0 ? `${integer.format(value)} · ${share(value, total)}` : integer.format(value);
        ctx.fillStyle = value > 0 ? COLORS.ink : COLORS.muted;
        ctx.fillText(text, bar.x + 6, bar.y);
      });
    });
    ctx.restore();
  },
};

const reasonCodes = Object.keys(REASONS);
const basisCodes = Object.keys(BASES);
const reasonsChart = new Chart($('reasons-chart'), {
  type: 'bar',
  data: {
    labels: [...reasonCodes.map((c) => REASONS[c]), ...basisCodes.map((c) => BASES[c])],
    datasets: [
      {
        label: 'BLOCKED: rule failed',
        data: [...reasonCodes.map(() => 0), ...basisCodes.map(() => null)],
        backgroundColor: COLORS.blocked,
        borderRadius: 3,
        skipNull: true,
        barPercentage: 0.8,
        categoryPercentage: 0.9,
      },
      {
        label: 'ALLOWED: legal basis',
        data: [...reasonCodes.map(() => null), ...basisCodes.map(() => 0)],
        backgroundColor: COLORS.allowed,
        borderRadius: 3,
        skipNull: true,
        barPercentage: 0.8,
        categoryPercentage: 0.9,
      },
    ],
  },
  plugins: [barValueLabels],
  options: {
    indexAxis: 'y',
    animation: { duration: 300 },
    maintainAspectRatio: false,
    // Room right of the longest bar for its "count · share" label.
    layout: { padding: { right: 84 } },
    scales: {
      x: {
        beginAtZero: true,
        grace: '2%',
        grid: { color: COLORS.grid },
        ticks: { color: COLORS.muted, precision: 0, maxTicksLimit: 6 },
        title: { display: true, text: 'decisions since start', color: COLORS.muted },
      },
      y: {
        grid: { display: false },
        ticks: { color: COLORS.ink, autoSkip: false, font: { size: 12.5 } },
      },
    },
    plugins: {
      legend: {
        position: 'top',
        align: 'start',
        labels: { boxWidth: 14, boxHeight: 14, color: COLORS.ink, font: { weight: '600' } },
      },
      tooltip: {
        filter: (item) => item.raw !== null,
        callbacks: {
          title: (items) => {
            const i = items[0].dataIndex;
            return i < reasonCodes.length ? `BLOCKED · ${reasonCodes[i]}` : `ALLOWED · ${basisCodes[i - reasonCodes.length]}`;
          },
          label: (item) => ` ${integer.format(item.raw)} decisions (${share(item.raw, item.dataset.totals?.[item.dataIndex] ?? 0)} of ${item.datasetIndex === 0 ? 'blocked' : 'allowed'})`,
        },
      },
    },
  },
});

// ---- panels ---------------------------------------------------------------------------------------

function renderHeader(s) {
  const d = s.totals;
  $('kpi-decisions').textContent = integer.format(d.decisions);
  $('kpi-allowed').textContent = integer.format(d.allowed);
  $('kpi-blocked').textContent = integer.format(d.blocked);
  $('kpi-allowed-share').textContent = d.decisions > 0 ? `${share(d.allowed, d.decisions)} of decisions` : 'no decisions yet';
  $('kpi-blocked-share').textContent = d.decisions > 0 ? `${share(d.blocked, d.decisions)} of decisions` : 'no decisions yet';
  $('kpi-rate').textContent = oneDecimal.format(s.rate.decisionsPerSecond);
  $('kpi-alerts').textContent = integer.format(s.alerts.total);
  $('kpi-alerts-note').textContent = s.alerts.total > 0 ? `${integer.format(s.alerts.critical)} critical · ${integer.format(s.alerts.total - s.alerts.critical)} warning` : 'none raised yet';
  const started = new Date(s.instance.startedAt);
  $('kpi-since').textContent = `since gate start at ${timeOfDay.format(started)}`;
  $('kpi-since').title = `${duration(s.instance.uptimeSeconds)} ago`;
  $('instance').textContent = `${s.instance.state} · ${partitionsText(s.instance.ownedPartitions)} · policy ${s.instance.policyVersion}${s.instance.embedded ? ' · embedded broker (demo)' : ''}${s.instance.schemaRegistryUrl ? ` · schema registry ${s.instance.schemaRegistryUrl}` : ''}`;
}

function renderRate(s) {
  const now = s.generatedAt;
  const allowed = [];
  const blocked = [];
  for (const point of s.series) {
    const x = (point.t - now) / 1000;
    allowed.push({ x, y: point.allowed });
    blocked.push({ x, y: point.blocked });
  }
  rateChart.data.datasets[0].data = allowed;
  rateChart.data.datasets[1].data = blocked;
  rateChart.update('none');
}

function renderReasons(s) {
  const reasons = Object.fromEntries(s.reasons.map((r) => [r.reason, r.count]));
  const bases = Object.fromEntries(s.bases.map((b) => [b.basis, b.count]));
  const [blockedSet, allowedSet] = reasonsChart.data.datasets;
  blockedSet.data = [...reasonCodes.map((c) => reasons[c] ?? 0), ...basisCodes.map(() => null)];
  blockedSet.totals = [...reasonCodes.map(() => s.totals.blocked), ...basisCodes.map(() => 0)];
  allowedSet.data = [...reasonCodes.map(() => null), ...basisCodes.map((c) => bases[c] ?? 0)];
  allowedSet.totals = [...reasonCodes.map(() => 0), ...basisCodes.map(() => s.totals.allowed)];
  reasonsChart.update();
}

function renderRegister(s) {
  const r = s.register;
  const badge = $('register-badge');
  const label = { fresh: 'FRESH', stale: 'STALE', none: 'NEVER CONSULTED', unknown: 'NOT KNOWN YET' }[r.status] ?? r.status;
  badge.textContent = label;
  badge.className = `badge badge-${r.status}`;
  $('register-explain').textContent =
    `A consultation of the RPO is valid for ${r.validityDays} days (Policy:ConsultationValidityDays); past that every promotional contact is blocked (REGISTER_STALE).`;
  $('register-validity').textContent = `${r.validityDays} days`;
  const staleBlocks = s.reasons.find((x) => x.reason === 'REGISTER_STALE')?.count ?? 0;
  const staleAlerts = s.alerts.byType.find((x) => x.type === 'REGISTER_STALE')?.count ?? 0;
  $('register-blocked').textContent = `${integer.format(staleBlocks)} ${staleBlocks === 1 ? 'decision' : 'decisions'} since start`;
  $('register-alerts').textContent = `${integer.format(staleAlerts)} since start`;
  const meter = $('register-meter');
  if (r.consultedAt) {
    const at = new Date(r.consultedAt);
    $('register-age').textContent = `consulted ${duration(r.ageSeconds)} ago`;
    $('register-at').textContent = dateTime.format(at);
    $('register-until').textContent = dateTime.format(new Date(r.validUntil));
    const used = Math.min(1, r.ageSeconds / (r.validityDays * 86400));
    meter.style.width = `${Math.max(used * 100, 1.5)}%`;
    meter.className = `meter-fill${r.status === 'stale' ? ' over' : used > 0.8 ? ' late' : ''}`;
    $('register-meter-note').textContent = r.status === 'stale'
      ? `Stale for ${duration(r.ageSeconds - r.validityDays * 86400)}: promotional calls are being blocked until the register is consulted again.`
      : `${percent.format(used)} of the validity used; stale in ${duration(r.validityDays * 86400 - r.ageSeconds)} unless the register is consulted again.`;
  } else {
    $('register-age').textContent = '';
    $('register-at').textContent = r.status === 'none' ? 'never' : '–';
    $('register-until').textContent = '–';
    meter.style.width = r.status === 'none' ? '100%' : '0';
    meter.className = `meter-fill${r.status === 'none' ? ' over' : ''}`;
    $('register-meter-note').textContent = r.status === 'none'
      ? 'No consultation has arrived: every promotional contact is blocked (REGISTER_STALE).'
      : 'The gate is not running yet, so its register store cannot be read.';
  }
}

function campaignCell(c) {
  return el('td', { class: 'nowrap' },
    el('span', { class: 'company' }, c.companyId),
    el('span', { class: 'sep' }, '/'),
    c.campaignId ? c.campaignId : el('span', { class: 'none' }, 'no campaign'));
}

function renderCampaigns(s) {
  const body = $('campaigns-body');
  const threshold = s.campaignsThresholdPercent;
  $('campaigns-explain').textContent =
    `Share of each campaign's decisions blocked because the number is in the RPO, highest first (${integer.format(s.campaignsTotal)} campaigns since start). ` +
    `At ${threshold}\u00a0% or more in one hour (the mark on each bar) the gate raises LIST_NOT_SCRUBBED: the calling list was not checked against the register.`;
  const rows = s.campaigns.slice(0, MAX_CAMPAIGN_ROWS).map((c, i) => {
    const over = c.ratio * 100 >= threshold;
    return el('tr', { 'data-testid': 'campaign-row' },
      el('td', { class: 'rank' }, i + 1),
      campaignCell(c),
      el('td', { class: 'num' }, integer.format(c.decisions)),
      el('td', { class: 'num' }, integer.format(c.blocked)),
      el('td', { class: 'num' }, integer.format(c.rpoBlocked)),
      el('td', null,
        el('div', { class: 'ratio' },
          el('div', { class: `ratio-bar${over ? ' over' : ''}`, title: `${share(c.rpoBlocked, c.decisions)} blocked for RPO_OPPOSITION` },
            el('span', { style: `width:${(c.ratio * 100).toFixed(1)}%` }),
            el('i', { style: `left:${threshold}%` })),
          el('span', { class: `ratio-value${over ? ' over' : ''}` }, percent.format(c.ratio)))));
  });
  body.replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'Waiting for decisions…'))]));
}

const seenAlerts = new Set();
let firstAlertRender = true;

function renderAlerts(s) {
  const chips = Object.keys(ALERTS).map((type) => {
    const entry = s.alerts.byType.find((t) => t.type === type);
    const count = entry?.count ?? 0;
    const severity = entry?.severity ?? (type === 'LIST_NOT_SCRUBBED' ? 'WARNING' : 'CRITICAL');
    return el('span', { class: `chip${count > 0 ? ` ${severity.toLowerCase()}` : ''}`, title: type }, ALERTS[type], el('b', null, integer.format(count)));
  });
  $('alert-types').replaceChildren(...chips);

  const now = s.generatedAt;
  const rows = s.alerts.latest.slice(0, MAX_ALERT_ROWS).map((a) => {
    const isNew = !firstAlertRender && !seenAlerts.has(a.alertId);
    seenAlerts.add(a.alertId);
    const at = new Date(a.detectedAt);
    return el('tr', { class: isNew ? 'fresh' : null, 'data-testid': 'alert-row', 'data-alert-type': a.type },
      el('td', { class: 'when' }, timeOfDay.format(at), el('span', { class: 'ago' }, `${duration((now - at.getTime()) / 1000)} ago`)),
      el('td', { class: 'type' }, ALERTS[a.type] ?? a.type, el('span', { class: 'code' }, a.type)),
      el('td', null, el('span', { class: `sev sev-${a.severity}` }, a.severity)),
      el('td', { class: 'company nowrap' }, a.companyId ?? el('span', { class: 'none' }, '–')),
      el('td', { class: 'nowrap' }, a.callCenterId ?? el('span', { class: 'none' }, '–')),
      el('td', { class: 'nowrap' }, a.campaignId ?? el('span', { class: 'none' }, '–')),
      el('td', { class: 'details' },
        a.details ?? '',
        a.intentId ? el('span', { class: 'ref' }, 'intent ', el('code', null, a.intentId)) : null));
  });
  firstAlertRender = false;
  if (seenAlerts.size > 500) {
    const keep = new Set(s.alerts.latest.map((a) => a.alertId));
    for (const id of seenAlerts) if (!keep.has(id)) seenAlerts.delete(id);
  }
  $('alerts-body').replaceChildren(...(rows.length
    ? rows
    : [el('tr', { class: 'empty' }, el('td', { colspan: 7 }, 'No alerts yet. They appear here within a second of being raised.'))]));
}

function render(snapshot) {
  renderHeader(snapshot);
  renderRate(snapshot);
  renderReasons(snapshot);
  renderRegister(snapshot);
  renderCampaigns(snapshot);
  renderAlerts(snapshot);
  document.body.dataset.generatedAt = String(snapshot.generatedAt);
}

// ---- connection -----------------------------------------------------------------------------------

let lastUpdate = 0;

function setConnection(kind, text) {
  const pill = $('connection');
  pill.className = `pill pill-${kind}`;
  pill.textContent = text;
}

function receive(snapshot) {
  lastUpdate = Date.now();
  render(snapshot);
  setConnection('live', `Live · updated ${timeOfDay.format(new Date(snapshot.generatedAt))}`);
}

function connect() {
  const source = new EventSource('api/dashboard/stream');
  source.addEventListener('snapshot', (event) => receive(JSON.parse(event.data)));
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      setConnection('down', 'Disconnected · retrying');
      setTimeout(connect, 3000);
    } else {
      setConnection('wait', 'Reconnecting…');
    }
  };
}

setInterval(() => {
  if (lastUpdate && Date.now() - lastUpdate > 5000) {
    setConnection('down', `No update for ${duration((Date.now() - lastUpdate) / 1000)}`);
  }
}, 1000);

fetch('api/dashboard/snapshot', { cache: 'no-store' })
  .then((response) => (response.ok ? response.json() : null))
  .then((snapshot) => snapshot && lastUpdate === 0 && receive(snapshot))
  .catch(() => {});
connect();
