# high_usage: heavy use per device. Warns when a device goes over its requests per hour,
# requests per day or tokens per day; with `block: true` it denies instead (an alert in
# advisory mode, a block in enforce mode).
#
# Config keys read (policy.data.high_usage):
#   requests_per_hour, requests_per_day, tokens_per_day   defaults for every device
#   block: false                                          deny instead of warn
#   people:  {<person>: {limits}}                          per person
#   devices: {<ip, mac or device name>: {limits}}          per device (wins over people)
package yori.high_usage

import rego.v1

cfg := c if {
	c := data.yori.config.high_usage
} else := {}

defaults := {"requests_per_hour": 120, "requests_per_day": 500, "tokens_per_day": 500000}

device_limits := l if {
	some k in [input.client.ip, input.client.mac, input.client.name]
	k != null
	l := cfg.devices[k]
} else := l if {
	l := cfg.people[input.client.person]
} else := {}

limit(name) := object.get(device_limits, name, object.get(cfg, name, defaults[name]))

usage := input.usage.client

over contains sprintf("%d requests in the last hour (limit %d)", [usage.requests_last_hour, limit("requests_per_hour")]) if {
	usage.requests_last_hour > limit("requests_per_hour")
}

over contains sprintf("%d requests today (limit %d)", [usage.requests_today, limit("requests_per_day")]) if {
	usage.requests_today > limit("requests_per_day")
}

over contains sprintf("%d tokens today (limit %d)", [usage.tokens_today, limit("tokens_per_day")]) if {
	usage.tokens_today > limit("tokens_per_day")
}

blocking := object.get(cfg, "block", false)

deny contains concat("", ["high usage: ", o]) if {
	blocking
	some o in over
}

warn contains concat("", ["high usage: ", o]) if {
	not blocking
	some o in over
}
