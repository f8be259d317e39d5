package yori.bedtime_test

import rego.v1

import data.yori.bedtime

config := {"bedtime": {
	"default": {"every_night": [{"start": "22:00", "end": "06:00"}]},
	"people": {"alice": {
		"school_nights": [{"start": "21:00", "end": "07:00"}],
		"weekends": [{"start": "22:30", "end": "08:00"}],
	}},
	"devices": {"kids-tv": {"every_night": [{"start": "13:00", "end": "15:00"}]}},
}}

req(weekday, hour, minute, client) := {
	"time": {"weekday": weekday, "hour": hour, "minute": minute},
	"client": object.union({"ip": "192.168.1.23", "mac": null, "name": null, "person": null}, client),
	"request": {"provider": "openai"},
}

alice := {"person": "alice", "name": "kids-ipad"}

denied(input_doc) if {
	count(bedtime.deny) > 0 with input as input_doc with data.yori.config as config
}

test_school_night_evening_denied if {
	denied(req("tuesday", 21, 5, alice))
}

test_school_night_before_bedtime_allowed if {
	not denied(req("tuesday", 20, 59, alice))
}

test_after_midnight_of_school_night_denied if {
	# Wednesday 06:30 belongs to Tuesday night's 21:00–07:00 window.
	denied(req("wednesday", 6, 30, alice))
}

test_morning_after_window_allowed if {
	not denied(req("wednesday", 7, 0, alice))
}

test_friday_night_is_a_weekend_night if {
	not denied(req("friday", 21, 30, alice))
	denied(req("friday", 22, 30, alice))
}

test_saturday_morning_uses_friday_weekend_window if {
	denied(req("saturday", 7, 30, alice))
	not denied(req("saturday", 8, 0, alice))
}

test_monday_morning_uses_sunday_school_night if {
	denied(req("monday", 6, 59, alice))
}

test_default_schedule_for_unknown_device if {
	denied(req("monday", 23, 0, {}))
	not denied(req("monday", 21, 0, {}))
}

test_device_schedule_wins_over_person if {
	d := {"person": "alice", "name": "kids-tv"}
	denied(req("sunday", 14, 0, d))
	not denied(req("sunday", 21, 30, d))
}

test_message_names_person_and_time if {
	msgs := bedtime.deny with input as req("tuesday", 21, 5, alice) with data.yori.config as config
	msgs == {"bedtime: alice used openai at 21:05"}
}

test_no_config_no_bedtime if {
	count(bedtime.deny) == 0 with input as req("tuesday", 23, 0, alice) with data.yori.config as {}
}
