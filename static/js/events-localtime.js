// Session times are printed in the session's own zone; this adds the viewer's local time
// beside each one when the viewer's zone differs (progressive enhancement: no JS, no change).
// Each <time class="events-time" datetime="<ISO instant>" data-zone="<IANA zone>"> gets a
// sibling "(your time: …)" span.

function viewerZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function sameWallClock(moment, zoneA, zoneB) {
  const format = (timeZone) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    }).format(moment);
  try {
    return format(zoneA) === format(zoneB);
  } catch {
    return true; // an unknown zone: say nothing rather than something wrong
  }
}

function addLocalTimes(root) {
  const zone = viewerZone();
  if (!zone) return;
  const formatter = new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
  for (const element of root.querySelectorAll("time.events-time[datetime][data-zone]")) {
    if (element.dataset.localDone) continue;
    const moment = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) continue;
    element.dataset.localDone = "1";
    if (sameWallClock(moment, element.dataset.zone, zone)) continue;
    const local = document.createElement("span");
    local.className = "events-time__local";
    local.textContent = ` (your time: ${formatter.format(moment)})`;
    element.after(local);
  }
}

addLocalTimes(document);
