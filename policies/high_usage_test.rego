package yori.high_usage_test

import rego.v1

import data.yori.high_usage

usage(hour, today, tokens, client) := {
	"client": object.union({"ip": "192.168.1.23", "mac": null, "name": null, "person": null}, client),
	"usage": {"client": {"requests_last_hour": hour, "requests_today": today, "tokens_today": tokens}},
}

test_under_defaults_nothing if {
	count(high_usage.warn) == 0 with input as usage(10, 100, 1000, {})
}

test_hourly_limit_warns if {
	high_usage.warn == {"high usage: 121 requests in the last hour (limit 120)"} with input as usage(121, 121, 0, {})
}

test_daily_and_token_limits if {
	w := high_usage.warn with input as usage(1, 501, 500001, {})
	w == {"high usage: 501 requests today (limit 500)", "high usage: 500001 tokens today (limit 500000)"}
}

test_person_limit_and_block if {
	cfg := {"high_usage": {"block": true, "people": {"bob": {"requests_per_day": 20}}}}
	inp := usage(1, 21, 0, {"person": "bob"})
	high_usage.deny == {"high usage: 21 requests today (limit 20)"} with input as inp with data.yori.config as cfg
	count(high_usage.warn) == 0 with input as inp with data.yori.config as cfg
}

test_device_limit_wins if {
	cfg := {"high_usage": {"requests_per_hour": 5, "devices": {"kids-ipad": {"requests_per_hour": 50}}}}
	count(high_usage.warn) == 0 with input as usage(30, 30, 0, {"name": "kids-ipad"}) with data.yori.config as cfg
	count(high_usage.warn) == 1 with input as usage(30, 30, 0, {"name": "laptop"}) with data.yori.config as cfg
}
