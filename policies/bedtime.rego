# bedtime: no AI after bedtime. Each person or device gets windows per night; a window may
# cross midnight (21:00–07:00), and school nights (the nights before Monday to Friday) can
# differ from weekend nights. A request inside a window is denied: an alert in advisory mode,
# a block in enforce mode.
#
# Config keys read (policy.data.bedtime):
#   default:  a schedule for every device without its own
#   people:   {<person>: schedule}
#   devices:  {<ip, mac or device name>: schedule}       (wins over people)
# A schedule: {school_nights: [window], weekends: [window]} or {every_night: [window]},
# a window: {start: "21:00", end: "07:00"}.
package yori.bedtime

import rego.v1

cfg := c if {
	c := data.yori.config.bedtime
} else := {}

device_keys := [k | some k in [input.client.ip, input.client.mac, input.client.name]; k != null]

# The most specific schedule: the device's own, then its person's, then the default.
schedule := s if {
	some k in device_keys
	s := cfg.devices[k]
} else := s if {
	s := cfg.people[input.client.person]
} else := cfg.default

weekdays := ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

today := input.time.weekday

yesterday := weekdays[(indexof_day(today) + 6) % 7]

indexof_day(day) := i if weekdays[i] == day

# A school night is one followed by a school day.
school_night(day) if day in {"sunday", "monday", "tuesday", "wednesday", "thursday"}

windows(day) := object.get(schedule, "school_nights", object.get(schedule, "every_night", [])) if school_night(day)

windows(day) := object.get(schedule, "weekends", object.get(schedule, "every_night", [])) if not school_night(day)

minutes(hhmm) := (to_number(h) * 60) + to_number(m) if [h, m] := split(hhmm, ":")

now := (input.time.hour * 60) + input.time.minute

# A window within one day (e.g. 13:00–15:00 for a nap or homework-free hour).
in_window(w) if {
	minutes(w.start) <= minutes(w.end)
	now >= minutes(w.start)
	now < minutes(w.end)
}

# The evening part of a window that crosses midnight and started tonight.
in_window(w) if {
	minutes(w.start) > minutes(w.end)
	now >= minutes(w.start)
}

bedtime_now if {
	some w in windows(today)
	in_window(w)
}

# The morning part of a window that started yesterday evening.
bedtime_now if {
	some w in windows(yesterday)
	minutes(w.start) > minutes(w.end)
	now < minutes(w.end)
}

who := input.client.person if {
	input.client.person != null
} else := input.client.name if {
	input.client.name != null
} else := input.client.ip

deny contains msg if {
	bedtime_now
	msg := sprintf("bedtime: %s used %s at %02d:%02d", [who, input.request.provider, input.time.hour, input.time.minute])
}
