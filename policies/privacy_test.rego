package yori.privacy_test

import rego.v1

import data.yori.privacy

with_pii(types) := {"detections": {"pii": [{"type": t, "count": 1} | some t in types]}}

test_card_number_denied if {
	privacy.deny == {"privacy: prompt contains a payment card number"} with input as with_pii(["payment_card"])
}

test_email_only_warns if {
	count(privacy.deny) == 0 with input as with_pii(["email"])
	privacy.warn == {"privacy: prompt contains an e-mail address"} with input as with_pii(["email"])
}

test_clean_prompt_passes if {
	count(privacy.deny) == 0 with input as with_pii([])
	count(privacy.warn) == 0 with input as with_pii([])
}

test_config_moves_email_to_deny if {
	cfg := {"privacy": {"deny": ["email"], "warn": []}}
	privacy.deny == {"privacy: prompt contains an e-mail address"} with input as with_pii(["email", "phone"]) with data.yori.config as cfg
	count(privacy.warn) == 0 with input as with_pii(["email", "phone"]) with data.yori.config as cfg
}

test_secret_denied_and_password_warned if {
	inp := with_pii(["secret", "password"])
	privacy.deny == {"privacy: prompt contains an API key or token"} with input as inp
	privacy.warn == {"privacy: prompt contains a password"} with input as inp
}
