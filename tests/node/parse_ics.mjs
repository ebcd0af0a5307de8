// Reads one iCalendar feed on stdin and prints what Mozilla's ical.js (the parser Thunderbird
// uses) makes of it, as JSON: the calendar's properties and, per event, its text fields and
// its start and end. Times are given in UTC (ISO 8601, "Z"); all-day values as YYYY-MM-DD.
// A time whose TZID no VTIMEZONE in the feed defines is reported with zone "floating".
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const calendar = new ICAL.Component(ICAL.parse(text));

function when(time) {
  if (time === null) return null;
  if (time.isDate) {
    return { value: time.toString(), is_date: true, zone: null };
  }
  const zone = time.zone ? time.zone.tzid : null;
  return {
    value: time.toJSDate().toISOString().replace(".000Z", "Z"),
    is_date: false,
    zone,
  };
}

function first(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : String(value);
}

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: first(component, "status"),
    sequence: event.sequence,
    start: when(event.startDate),
    end: when(event.endDate),
  };
});

const result = {
  calendar: {
    name: first(calendar, "name"),
    x_wr_calname: first(calendar, "x-wr-calname"),
    description: first(calendar, "description"),
    x_wr_caldesc: first(calendar, "x-wr-caldesc"),
    refresh_interval: first(calendar, "refresh-interval"),
    timezones: calendar.getAllSubcomponents("vtimezone").map((tz) => ({
      tzid: first(tz, "tzid"),
      standard: tz.getAllSubcomponents("standard").length,
      daylight: tz.getAllSubcomponents("daylight").length,
    })),
  },
  events,
};
process.stdout.write(JSON.stringify(result));
