# home_default: the starting point. Allows everything and raises no alerts, so a new YORI
# only watches and records until the parents turn other templates on (copy them into
# policy.dir, or set their config under policy.data).
#
# Config keys read: none.
package yori.home_default

import rego.v1

deny := set()

warn := set()
