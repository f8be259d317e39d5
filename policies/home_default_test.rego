package yori.home_default_test

import rego.v1

import data.yori.home_default

test_allows_everything if {
	count(home_default.deny) == 0 with input as {"detections": {"pii": [{"type": "payment_card", "count": 1}]}}
	count(home_default.warn) == 0
}
