# privacy: personal data in prompts. YORI's detectors report which kinds of personal data a
# prompt contains (never the data itself); this policy denies the sensitive kinds (payment
# cards, IBANs, social security numbers, secrets such as API keys) and warns on the rest
# (e-mail addresses, phone numbers, street addresses, passwords).
#
# Config keys read (policy.data.privacy):
#   deny: [types]   kinds that are denied   (default: payment_card, iban, us_ssn, secret)
#   warn: [types]   kinds that only warn    (default: email, phone, street_address, password)
package yori.privacy

import rego.v1

cfg := c if {
	c := data.yori.config.privacy
} else := {}

deny_types := {t | some t in object.get(cfg, "deny", ["payment_card", "iban", "us_ssn", "secret"])}

warn_types := {t | some t in object.get(cfg, "warn", ["email", "phone", "street_address", "password"])}

labels := {
	"email": "an e-mail address",
	"phone": "a phone number",
	"payment_card": "a payment card number",
	"iban": "a bank account number (IBAN)",
	"us_ssn": "a social security number",
	"street_address": "a street address",
	"secret": "an API key or token",
	"password": "a password",
}

label(t) := object.get(labels, t, t)

deny contains msg if {
	some d in input.detections.pii
	d.type in deny_types
	msg := sprintf("privacy: prompt contains %s", [label(d.type)])
}

warn contains msg if {
	some d in input.detections.pii
	d.type in warn_types
	not d.type in deny_types
	msg := sprintf("privacy: prompt contains %s", [label(d.type)])
}
